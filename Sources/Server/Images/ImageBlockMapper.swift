import Glibc
import Model

/// Import's mapping step: reads the converted raw image once, block by block, and copies each
/// block holding a non-zero byte to the mapped stream, recording it in the block map. Holes
/// (`SEEK_DATA`, lseek(2)) are skipped without reading, so a 20 GiB image with 1 GiB of data
/// reads 1 GiB; blocks inside data extents that are all zeros are left out as well. A partial
/// last block is padded with zeros to a whole block (the map counts whole blocks).
struct ImageBlockMapper {
    static let blockBytes = 1 << 20
    /// lseek(2)'s SEEK_DATA (Linux, 3): Glibc's module declares it only under _GNU_SOURCE.
    private static let seekData: Int32 = 3

    struct Failure: Error {
        let message: String
    }

    /// Maps `raw` (of `rawBytes`) into `mapped`, a new file.
    static func map(raw: String, rawBytes: Int, into mapped: String) throws(Failure) -> ImageBlockMap {
        let input = open(raw, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw Failure(message: "open \(raw): \(String(cString: strerror(errno)))") }
        defer { close(input) }
        let output = open(mapped, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw Failure(message: "create \(mapped): \(String(cString: strerror(errno)))") }
        defer { close(output) }

        var map = ImageBlockMap(blockBytes: blockBytes)
        var block = [UInt8](repeating: 0, count: blockBytes)
        let blocks = (rawBytes + blockBytes - 1) / blockBytes
        var index = 0
        while index < blocks {
            // The next data at or after this block; ENXIO: only holes remain.
            let data = lseek(input, off_t(index * blockBytes), Self.seekData)
            if data < 0 {
                guard errno == ENXIO else { throw Failure(message: "seek \(raw): \(String(cString: strerror(errno)))") }
                break
            }
            index = Int(data) / blockBytes
            guard index < blocks else { break }
            let length = min(blockBytes, rawBytes - index * blockBytes)
            try read(input, into: &block, length: length, at: index * blockBytes, path: raw)
            if length < blockBytes { block.withUnsafeMutableBytes { _ = memset($0.baseAddress! + length, 0, blockBytes - length) } }
            if !Self.isZero(block) {
                try write(output, block, path: mapped)
                map.add(block: index)
            }
            index += 1
        }
        guard fsync(output) == 0 else { throw Failure(message: "fsync \(mapped): \(String(cString: strerror(errno)))") }
        return map
    }

    private static func read(_ fd: Int32, into buffer: inout [UInt8], length: Int, at offset: Int, path: String) throws(Failure) {
        var done = 0
        while done < length {
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, length - done, off_t(offset + done)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw Failure(message: "read \(path) at \(offset + done): \(got < 0 ? String(cString: strerror(errno)) : "ends early")") }
            done += got
        }
    }

    private static func write(_ fd: Int32, _ buffer: [UInt8], path: String) throws(Failure) {
        var done = 0
        while done < buffer.count {
            let put = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, buffer.count - done) }
            if put < 0 && errno == EINTR { continue }
            guard put > 0 else { throw Failure(message: "write \(path): \(String(cString: strerror(errno)))") }
            done += put
        }
    }

    /// Eight bytes at a time: the scan runs over every data block of the image.
    static func isZero(_ block: [UInt8]) -> Bool {
        block.withUnsafeBytes { bytes in
            let words = bytes.bindMemory(to: UInt64.self)
            var any: UInt64 = 0
            for word in words { any |= word }
            for byte in bytes[(words.count * 8)...] { any |= UInt64(byte) }
            return any == 0
        }
    }
}
