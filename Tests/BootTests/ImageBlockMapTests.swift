import Model
import Testing

/// The block map import records and the deploy environment follows (issue 14).
@Suite struct ImageBlockMapTests {
    @Test func adjacentBlocksJoinARangeAndTheTextReadsBack() throws {
        var map = ImageBlockMap(blockBytes: 1 << 20)
        for block in [0, 1, 2, 5, 7, 8] { map.add(block: block) }
        #expect(map.ranges == [.init(start: 0, count: 3), .init(start: 5, count: 1), .init(start: 7, count: 2)])
        #expect(map.text == "0+3,5+1,7+2" && map.mappedBlocks == 6 && map.mappedBytes == 6 << 20)
        #expect(ImageBlockMap(blockBytes: 1 << 20, text: map.text, rawBytes: 9 << 20) == map)
        // The last block may be partial: 8.5 MiB has 9 blocks.
        #expect(ImageBlockMap(blockBytes: 1 << 20, text: map.text, rawBytes: (17 << 20) / 2) == map)
        #expect(ImageBlockMap(blockBytes: 1 << 20, text: "", rawBytes: 0) == ImageBlockMap(blockBytes: 1 << 20))
    }

    static let malformed = ["0+3,2+1", "0+3,3+1", "5+1,0+1", "0+0", "+3", "0+", "0+3,", ",0+3", "0-3", "a+1", "0+3+1", " 0+3", "-1+2", "7+3",
                            "0+99999999999999999999"]

    @Test(arguments: malformed)
    func malformedOverlappingOrOutOfImageRangesAreRefused(_ text: String) {
        #expect(ImageBlockMap(blockBytes: 1 << 20, text: text, rawBytes: 9 << 20) == nil, "\(text)")
    }

    @Test func blockSizesAreWholeSectors() {
        #expect(ImageBlockMap(blockBytes: 0, text: "", rawBytes: 0) == nil)
        #expect(ImageBlockMap(blockBytes: 1000, text: "", rawBytes: 0) == nil)
    }
}
