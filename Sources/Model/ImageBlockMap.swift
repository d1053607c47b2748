/// Which blocks of an image's raw stream hold data (issue 14; the idea of bmaptool's block map):
/// a cloud image of 2 GiB holds well under half of it, the rest zeros. Import keeps only the
/// mapped blocks, in order, as the stream the deploy environment receives; the environment
/// writes each range at its offset, reads back exactly those blocks and checks their SHA-256.
/// The disk's unmapped blocks are not written: on a blank disk they read as zeros already, on a
/// reused one they keep old bytes that no file system of the image refers to (free space).
public struct ImageBlockMap: Equatable, Sendable {
    /// A run of data blocks: `count` blocks from block `start`.
    public struct Range: Equatable, Sendable {
        public let start: Int
        public let count: Int

        public init(start: Int, count: Int) {
            self.start = start
            self.count = count
        }
    }

    public let blockBytes: Int
    public private(set) var ranges: [Range]

    public init(blockBytes: Int, ranges: [Range] = []) {
        self.blockBytes = blockBytes
        self.ranges = ranges
    }

    /// Marks block `index` as data; blocks are added in increasing order, adjacent ones join a range.
    public mutating func add(block index: Int) {
        if let last = ranges.last, last.start + last.count == index {
            ranges[ranges.count - 1] = Range(start: last.start, count: last.count + 1)
        } else {
            precondition(ranges.last.map { $0.start + $0.count < index } ?? true, "blocks are added in increasing order")
            ranges.append(Range(start: index, count: 1))
        }
    }

    public var mappedBlocks: Int { ranges.reduce(0) { $0 + $1.count } }
    public var mappedBytes: Int { mappedBlocks * blockBytes }

    /// `START+COUNT` per range, comma-separated (a plan line, read by busybox sh): `0+2,66+700`.
    public var text: String {
        ranges.map { "\($0.start)+\($0.count)" }.joined(separator: ",")
    }

    /// Reads back `text` for `blockBytes`; nil unless the ranges are well formed, ascending and
    /// apart (what `add` makes) and end within `rawBytes` (the last block may be partial).
    public init?(blockBytes: Int, text: String, rawBytes: Int) {
        guard blockBytes > 0, blockBytes % 512 == 0, rawBytes >= 0 else { return nil }
        let limit = (rawBytes + blockBytes - 1) / blockBytes
        var ranges: [Range] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) where !text.isEmpty {
            let parts = item.split(separator: "+", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }),
                  let start = Int(parts[0]), let count = Int(parts[1]), count > 0, start <= limit - count,
                  ranges.last.map({ $0.start + $0.count < start }) ?? true else { return nil }
            ranges.append(Range(start: start, count: count))
        }
        self.init(blockBytes: blockBytes, ranges: ranges)
    }
}
