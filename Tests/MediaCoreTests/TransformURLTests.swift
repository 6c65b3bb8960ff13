import MediaCore
import XCTest

final class TransformURLTests: XCTestCase {
    /// imgproxy's published signing example: the parsed pieces (the signature itself is
    /// checked by MediaAppTests.TransformSignatureTests).
    func testTheSigningExampleParses() throws {
        let path = "/oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png"
        let url = try TransformURL.parse(path)
        XCTAssertEqual(url.signature, "oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8")
        XCTAssertEqual(url.signedPath, "/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png")
        XCTAssertEqual(url.options.map(\.name), ["rs", "g"])
        XCTAssertEqual(url.source, "http://example.com/images/curiosity.jpg")
        XCTAssertEqual(url.fileExtension, "png")
        let options = try TransformOptions.resolve(url, presets: [:])
        XCTAssertEqual(options.resizingType, .fill)
        XCTAssertEqual([options.width, options.height], [300, 400])
        XCTAssertEqual(options.gravity, .smart)
        XCTAssertEqual(options.format, .png)
    }

    func testPlainSourcesAndPresetsOnlyURLs() throws {
        let plain = try TransformURL.parse("/sig/w:640/plain/s3://media/acme/0190f5c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d/original%20x.jpg@webp")
        XCTAssertEqual(plain.source, "s3://media/acme/0190f5c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d/original x.jpg")
        XCTAssertEqual(plain.fileExtension, "webp")
        let noExtension = try TransformURL.parse("/sig/w:10/" + Base64URL.encode(Array("s3://media/k".utf8)))
        XCTAssertNil(noExtension.fileExtension)
        let presets = try TransformURL.parse("/sig/thumb:sharp/" + Base64URL.encode(Array("s3://media/k".utf8)) + ".jpg", presetsOnly: true)
        XCTAssertEqual(presets.presetSegment, ["thumb", "sharp"])
        XCTAssertTrue(presets.options.isEmpty)
    }

    func testMalformedURLsAreNamed() {
        for path in ["", "/", "/sig", "/sig/w:10", "/sig/w:10/!!!.jpg", "/sig/w:10/a.b.c", "/sig/plain/@png", "/sig/plain/%zz@png"] {
            XCTAssertThrowsError(try TransformURL.parse(path), path) { error in
                guard case TransformError.badURL = error else { return XCTFail("\(path): \(error)") }
            }
        }
    }

    func testOptionsWithLongAndShortNamesAndTheirDefaults() throws {
        func options(_ text: String, presets: [String: [TransformURL.Option]] = [:]) throws -> TransformOptions {
            try TransformOptions.resolve(TransformURL.parse("/sig/\(text)/" + Base64URL.encode(Array("s3://m/k".utf8))), presets: presets)
        }
        let defaults = try options("w:0")
        XCTAssertEqual(defaults.resizingType, .fit)
        XCTAssertTrue(defaults.autoRotate && defaults.stripMetadata && !defaults.enlarge)
        XCTAssertNil(defaults.format)
        let long = try options("resize:fill-down:100:50:1:1/gravity:fp:0.25:0.75/quality:70/format:jpeg/rotate:-90/blur:2/sharpen:0.5/background:255:0:16/dpr:2/crop:0.5:0.5:no/cachebuster:v2/expires:4102444800/auto_rotate:0/strip_metadata:false")
        let short = try options("rs:fill-down:100:50:t:true/g:fp:0.25:0.75/q:70/f:jpg/rot:270/bl:2/sh:0.5/bg:ff0010/dpr:2/c:0.5:0.5:no:0:0/cb:v2/exp:4102444800/ar:f/sm:0")
        XCTAssertEqual(long, short)
        XCTAssertEqual(long.rotate, 270)
        XCTAssertEqual(long.background, [255, 0, 16])
        XCTAssertEqual(long.crop, TransformOptions.Crop(width: 0.5, height: 0.5, gravity: .compass(.north, x: 0, y: 0)))
        XCTAssertEqual(long.canonical(format: .jpg), short.canonical(format: .jpg))
        // Later options win; empty arguments keep what was there.
        let later = try options("w:100/s::200/rt:force/rt:auto")
        XCTAssertEqual([later.width, later.height], [100, 200])
        XCTAssertEqual(later.resizingType, .auto)
        // Presets expand where named; `default` applies first.
        let preset = try options("pr:thumb/q:10", presets: ["thumb": [.init(name: "rs", arguments: ["fill", "64", "64"]), .init(name: "q", arguments: ["50"])],
                                                             "default": [.init(name: "sh", arguments: ["1"])]])
        XCTAssertEqual([preset.width, preset.height, preset.quality], [64, 64, 10])
        XCTAssertEqual(preset.sharpen, 1)
        XCTAssertEqual(preset.presets, ["thumb"])
    }

    func testABadOptionIsNamed() throws {
        let cases: [(String, String)] = [("nope:1", "nope"), ("w:-1", "w"), ("w:abc", "w"), ("width:20000", "width"), ("rt:zoom", "rt"),
                                         ("el:maybe", "el"), ("g:up", "g"), ("g:fp:2:0", "g"), ("q:101", "q"), ("f:bmp", "f"),
                                         ("rot:45", "rot"), ("bl:-1", "bl"), ("bg:1:2", "bg"), ("bg:zzzzzz", "bg"), ("exp:soon", "exp"),
                                         ("pr:missing", "pr"), ("rs:fit:1:2:1:1:9", "rs"), ("dpr:0", "dpr"), ("c:", "c"), ("ex:1:sm", "ex")]
        for (text, name) in cases {
            XCTAssertThrowsError(try TransformOptions.resolve(TransformURL.parse("/sig/\(text)/czM6Ly9tL2s"), presets: [:]), text) { error in
                guard case TransformError.badOption(let named, _) = error else { return XCTFail("\(text): \(error)") }
                XCTAssertEqual(named, name, text)
                XCTAssertEqual((error as? TransformError)?.serviceError.code.status, 400)
            }
        }
    }

    func testTheFormatFollowsAcceptWhenNoneIsAsked() {
        XCTAssertTrue(FormatNegotiation.choose(explicit: .png, accept: "image/avif", source: .jpeg) == (.png, false))
        XCTAssertTrue(FormatNegotiation.choose(explicit: nil, accept: "image/avif,image/webp,*/*", source: .jpeg) == (.avif, true))
        XCTAssertTrue(FormatNegotiation.choose(explicit: nil, accept: "image/webp,image/apng,*/*;q=0.8", source: .jpeg) == (.webp, true))
        XCTAssertTrue(FormatNegotiation.choose(explicit: nil, accept: "image/avif;q=0, image/webp", source: .jpeg) == (.webp, true))
        XCTAssertTrue(FormatNegotiation.choose(explicit: nil, accept: "*/*", source: .png) == (.png, true))
        XCTAssertTrue(FormatNegotiation.choose(explicit: nil, accept: nil, source: .heic) == (.jpg, true))
    }

    func testBase64URLRoundTrips() {
        for count in 0..<40 {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            XCTAssertEqual(Base64URL.decode(Base64URL.encode(bytes)), bytes)
        }
        XCTAssertEqual(Base64URL.decode("aGk="), Array("hi".utf8), "padding is allowed")
        XCTAssertNil(Base64URL.decode("a"))
        XCTAssertNil(Base64URL.decode("a b"))
    }
}

final class TransformPlanTests: XCTestCase {
    private func plan(_ text: String, _ width: Int = 4000, _ height: Int = 3000) throws -> TransformPlan {
        let options = try TransformOptions.resolve(TransformURL.parse("/sig/\(text)/czM6Ly9tL2s"), presets: [:])
        return TransformPlan.make(sourceWidth: width, sourceHeight: height, options: options)
    }

    private func size(_ plan: TransformPlan) -> [Int] { [plan.outputWidth, plan.outputHeight] }

    func testResizingTypes() throws {
        XCTAssertEqual(size(try plan("rs:fit:800:0")), [800, 600])
        XCTAssertEqual(size(try plan("rs:fit:800:800")), [800, 600])
        XCTAssertEqual(size(try plan("rs:fill:800:800")), [800, 800])
        XCTAssertEqual(try plan("rs:fill:800:800").finalCrop, .init(x: 134, y: 0, width: 800, height: 800))
        XCTAssertEqual(size(try plan("rs:force:800:800")), [800, 800])
        XCTAssertEqual(size(try plan("rs:auto:800:400")), [800, 400], "both landscape: fill")
        XCTAssertEqual(size(try plan("rs:auto:400:800")), [400, 300], "shapes differ: fit")
        XCTAssertEqual(size(try plan("w:0")), [4000, 3000], "no size: the source's")
    }

    func testNoEnlargementUnlessAsked() throws {
        XCTAssertEqual(size(try plan("rs:fit:800:0", 400, 300)), [400, 300])
        XCTAssertEqual(size(try plan("rs:fit:800:0:1", 400, 300)), [800, 600])
        XCTAssertEqual(size(try plan("rs:fill:800:800", 400, 300)), [400, 300], "fill: what there is, uncropped")
        XCTAssertEqual(size(try plan("rs:fill-down:800:400", 400, 300)), [400, 200], "fill-down: the asked shape at source scale")
        XCTAssertEqual(size(try plan("rs:fit:400:0:0:1", 200, 100)), [400, 100], "extend: the canvas is the asked size")
    }

    func testGravityCropDprAndRotation() throws {
        XCTAssertEqual(try plan("rs:fill:800:800/g:we").finalCrop?.x, 0)
        XCTAssertEqual(try plan("rs:fill:800:800/g:ea").finalCrop?.x, 267)
        XCTAssertEqual(try plan("rs:fill:800:800/g:ea:10:0").finalCrop?.x, 257)
        XCTAssertEqual(try plan("rs:fill:800:800/g:fp:0:0").finalCrop?.x, 0)
        XCTAssertTrue(try plan("rs:fill:800:800/g:sm").smartCrop)
        XCTAssertEqual(try plan("c:1000:1000:nowe/w:500").preCrop, .init(x: 0, y: 0, width: 1000, height: 1000))
        XCTAssertEqual(size(try plan("c:0.5:0.5/w:500")), [500, 375])
        XCTAssertEqual(size(try plan("w:400/dpr:2")), [800, 600])
        XCTAssertEqual(size(try plan("rs:fill:300:200/rot:90")), [300, 200], "the asked size is of the rotated result")
        XCTAssertEqual(try plan("rs:fill:300:200/rot:90").finalCrop.map { [$0.width, $0.height] }, [200, 300])
    }
}
