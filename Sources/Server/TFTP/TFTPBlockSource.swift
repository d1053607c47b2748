import Glibc
import Wire

/// Supplies the bytes of DATA blocks for one transfer, read from the file in place: octet mode
/// reads each block where it lies; netascii converts as it goes and keeps the blocks of the
/// outstanding window for retransmission.
final class TFTPBlockSource {
    private let file: Int32
    private let mode: TFTPMode
    private let blockSize: Int
    private let windowSize: Int
    // Netascii state: the converted stream is produced in order.
    private var encoder = NetasciiEncoder()
    private var pending: [UInt8] = []
    private var readOffset = 0
    private var produced: [Int: [UInt8]] = [:]
    private var nextIndex = 1

    init(file: Int32, mode: TFTPMode, blockSize: Int, windowSize: Int) {
        self.file = file
        self.mode = mode
        self.blockSize = blockSize
        self.windowSize = windowSize
    }

    deinit { close(file) }

    /// The length of what will be sent: the file size, or its netascii form's (one pass over it).
    static func length(of file: Int32, size: Int, mode: TFTPMode) -> Int {
        guard mode == .netascii else { return size }
        var total = 0
        var offset = 0
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while offset < size {
            let count = chunk.withUnsafeMutableBytes { pread(file, $0.baseAddress, $0.count, off_t(offset)) }
            guard count > 0 else { break }
            total += NetasciiEncoder.encodedLength(of: chunk[..<count])
            offset += count
        }
        return total
    }

    /// Writes block `index` (its bytes are `range` of the stream) after a 4-byte header into
    /// `packet`, which is resized to fit; false if the file could not be read.
    func fill(_ packet: inout [UInt8], index: Int, range: Range<Int>) -> Bool {
        packet.removeSubrange(4...)
        guard !range.isEmpty else { return true }
        switch mode {
        case .octet:
            packet.append(contentsOf: repeatElement(0, count: range.count))
            var done = 0
            while done < range.count {
                let count = packet.withUnsafeMutableBytes {
                    pread(file, $0.baseAddress! + 4 + done, range.count - done, off_t(range.lowerBound + done))
                }
                guard count > 0 else { return false }
                done += count
            }
            return true
        case .netascii:
            guard let block = netasciiBlock(index) else { return false }
            packet.append(contentsOf: block)
            return true
        }
    }

    private func netasciiBlock(_ index: Int) -> [UInt8]? {
        while nextIndex <= index {
            while pending.count < blockSize {
                var chunk = [UInt8](repeating: 0, count: 64 * 1024)
                let count = chunk.withUnsafeMutableBytes { pread(file, $0.baseAddress, $0.count, off_t(readOffset)) }
                if count < 0 { return nil }
                if count == 0 { break }
                readOffset += count
                pending += encoder.encode(chunk[..<count])
            }
            let take = min(blockSize, pending.count)
            produced[nextIndex] = Array(pending[..<take])
            pending.removeFirst(take)
            // Only the outstanding window can be asked for again.
            produced[nextIndex - windowSize] = nil
            nextIndex += 1
        }
        return produced[index]
    }
}
