import Imaging
import MediaCore

/// What a staged file really is: its sniffed type (checked against the allow-list and the
/// markup scan) and, for images, the displayed size read from the header (the pixel limit
/// checked before anything is decoded). Direct and presigned uploads are inspected alike.
struct UploadInspector {
    let config: AppConfig
    var timer = StageTimer()

    struct Inspection {
        var type: FileType
        var width: Int?
        var height: Int?
    }

    func inspect(_ file: StagedFile) throws -> Inspection {
        guard file.size > 0 else { throw ServiceError(.unsupportedMediaType, "the file is empty", details: ["type": "empty"]) }
        let type = FileType.sniff(file.prefix)
        try config.media.allowedTypes.check(type)
        // An image, PDF or any other file that also carries HTML or script is a polyglot.
        if let tag = file.markup.first(where: { !(type == .svg && $0 == "<svg") }) {
            throw ServiceError(.unsupportedMediaType,
                               "the file holds \(tag)…> markup besides its \(type.mimeType) content; files that are also HTML or script are refused",
                               details: ["type": type.mimeType, "markup": tag])
        }
        guard type.isImage else { return Inspection(type: type) }
        let info = try timer.measure("probe") {
            try ImageProbe.probe(path: file.path, maxPixels: config.limits.imageMaxPixels, maxFrames: config.media.maxFrames)
        }
        return Inspection(type: type, width: info.width, height: info.height)
    }
}
