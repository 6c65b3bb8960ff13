import MediaCore

/// Parses one part's header block into name, filename and declared type.
enum MultipartHeaders {
    static func parse(_ block: [UInt8]) throws(ServiceError) -> MultipartPart {
        guard let text = String(validating: block, as: UTF8.self) else {
            throw .validation("multipart part headers are not valid UTF-8", field: "body")
        }
        var disposition: String?
        var contentType: String?
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else {
                throw .validation("malformed multipart part header", field: "body")
            }
            let name = line[..<colon].trimmingCharacters(in: " \t").lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
            switch name {
            case "content-disposition":
                guard disposition == nil else { throw .validation("a multipart part has two Content-Disposition headers", field: "body") }
                disposition = value
            case "content-type": contentType = value
            default: break
            }
        }
        guard let disposition else { throw .validation("a multipart part has no Content-Disposition header", field: "body") }
        let parameters = try dispositionParameters(disposition)
        guard let name = parameters["name"], !name.isEmpty else {
            throw .validation("a multipart part has no field name", field: "body")
        }
        // RFC 6266: filename* (UTF-8, percent-encoded) wins over filename.
        let filename = parameters["filename*"].flatMap(decodeExtendedValue) ?? parameters["filename"]
        return MultipartPart(name: name, filename: filename, contentType: contentType)
    }

    /// `form-data; name="file"; filename="a \"b\".jpg"` → parameters by lowercased name.
    static func dispositionParameters(_ value: String) throws(ServiceError) -> [String: String] {
        let characters = Array(value)
        var index = 0
        func skipSpaces() { while index < characters.count, characters[index] == " " || characters[index] == "\t" { index += 1 } }
        var kind = ""
        while index < characters.count, characters[index] != ";" { kind.append(characters[index]); index += 1 }
        guard kind.trimmingCharacters(in: " \t").lowercased() == "form-data" else {
            throw .validation("a multipart part's Content-Disposition must be form-data", field: "body")
        }
        var parameters: [String: String] = [:]
        while index < characters.count {
            index += 1   // the ';'
            skipSpaces()
            var name = ""
            while index < characters.count, characters[index] != "=", characters[index] != ";" { name.append(characters[index]); index += 1 }
            name = name.trimmingCharacters(in: " \t").lowercased()
            guard index < characters.count, characters[index] == "=" else {
                if !name.isEmpty { parameters[name] = "" }
                continue
            }
            index += 1
            skipSpaces()
            var parameterValue = ""
            if index < characters.count, characters[index] == "\"" {
                index += 1
                var closed = false
                while index < characters.count {
                    let character = characters[index]
                    index += 1
                    if character == "\\", index < characters.count, characters[index] == "\"" || characters[index] == "\\" {
                        // curl escapes `"` and `\`; browsers (WHATWG) send other backslashes as
                        // they are, so `C:\dir\a.jpg` keeps its separators.
                        parameterValue.append(characters[index])
                        index += 1
                    } else if character == "\"" {
                        closed = true
                        break
                    } else {
                        parameterValue.append(character)
                    }
                }
                guard closed else { throw .validation("unterminated quoted value in Content-Disposition", field: "body") }
                while index < characters.count, characters[index] != ";" { index += 1 }
            } else {
                while index < characters.count, characters[index] != ";" { parameterValue.append(characters[index]); index += 1 }
                parameterValue = parameterValue.trimmingCharacters(in: " \t")
            }
            guard parameters[name] == nil else { throw .validation("duplicate \(name) in Content-Disposition", field: "body") }
            parameters[name] = parameterValue
        }
        return parameters
    }

    /// `UTF-8''na%C3%AFve.jpg` → `naïve.jpg` (RFC 8187); nil when malformed.
    static func decodeExtendedValue(_ value: String) -> String? {
        let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3, pieces[0].lowercased() == "utf-8" else { return nil }
        return PercentEncoding.decode(pieces[2])
    }
}
