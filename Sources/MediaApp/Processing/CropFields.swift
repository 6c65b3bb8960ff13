import MediaCore
import MediaHTTP

/// The crop request's JSON fields (the endpoint's body and the crop job's payload).
enum CropFields {
    static let all: Set<String> = ["objectKey", "bucketName", "x", "y", "width", "height", "rotate", "scale", "quality", "format",
                                   "regenerateVariants", "async"]

    static func request(from body: JSONObjectReader) throws -> CropRequest {
        guard let width = try body.int("width") else { throw ServiceError.validation("width is required", field: "width") }
        guard let height = try body.int("height") else { throw ServiceError.validation("height is required", field: "height") }
        var format: OutputFormat?
        if let name = try body.string("format") {
            guard let parsed = OutputFormat(rawValue: name), parsed != .gif else {
                throw ServiceError.validation("format must be jpeg, png or webp", field: "format")
            }
            format = parsed
        }
        let request = CropRequest(x: try body.int("x") ?? 0, y: try body.int("y") ?? 0,
                                  width: width, height: height, rotate: try body.int("rotate") ?? 0,
                                  scale: try body.double("scale") ?? 1, quality: try body.int("quality"),
                                  format: format, regenerateVariants: try body.bool("regenerateVariants") ?? false)
        try request.validate()
        return request
    }

    /// The payload a crop job carries: the request and the version it produces.
    static func payload(_ request: CropRequest, targetVersion: Int) -> JSONValue {
        var members: [(String, JSONValue)] = [("x", .int(request.x)), ("y", .int(request.y)), ("width", .int(request.width)),
                                              ("height", .int(request.height)), ("rotate", .int(request.rotate)),
                                              ("scale", .double(request.scale)), ("regenerateVariants", .bool(request.regenerateVariants)),
                                              ("targetVersion", .int(targetVersion))]
        if let quality = request.quality { members.append(("quality", .int(quality))) }
        if let format = request.format { members.append(("format", .string(format.rawValue))) }
        return .object(members)
    }
}
