import Imaging
import XCTest

final class VipsStartTests: XCTestCase {
    func testVipsStartsTwiceWithoutHarm() {
        Vips.start()
        Vips.start()
    }
}
