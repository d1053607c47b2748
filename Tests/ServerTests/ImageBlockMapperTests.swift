import Foundation
import Glibc
import Model
import Testing
import TestSupport

@testable import Server

/// Import's mapping step on real files: holes, zero blocks inside data, a partial last block.
@Suite struct ImageBlockMapperTests {
    @Test func onlyBlocksWithDataAreKeptInOrderAndMapped() throws {
        let dir = try TemporaryDirectory()
        let raw = dir.file("image.raw")
        let block = ImageBlockMapper.blockBytes
        let rawBytes = 9 * block + block / 2
        // Data in blocks 0, 1 and 4 (written zeros in 2 and 3: allocated, still zeros), a hole
        // from 5 to 8, and 3 bytes in the partial last block 9.
        var bytes = [UInt8](repeating: 0, count: 5 * block)
        bytes[7] = 1
        bytes[block + block - 1] = 2
        bytes[4 * block + 100] = 3
        #expect(FileManager.default.createFile(atPath: raw, contents: Data(bytes)))
        let handle = try #require(FileHandle(forWritingAtPath: raw))
        try handle.seek(toOffset: UInt64(9 * block + 10))
        try handle.write(contentsOf: Data([4, 5, 6]))
        try handle.truncate(atOffset: UInt64(rawBytes))
        try handle.close()

        let mapped = dir.file("mapped.raw")
        let map = try ImageBlockMapper.map(raw: raw, rawBytes: rawBytes, into: mapped)
        #expect(map.text == "0+2,4+1,9+1" && map.blockBytes == block)
        let stream = [UInt8](try Data(contentsOf: URL(fileURLWithPath: mapped)))
        #expect(stream.count == 4 * block, "the partial last block is padded to a whole one")
        #expect(stream[7] == 1 && stream[2 * block - 1] == 2 && stream[2 * block + 100] == 3)
        #expect(Array(stream[(3 * block + 10)..<(3 * block + 13)]) == [4, 5, 6] && stream[(3 * block + 13)...].allSatisfy { $0 == 0 })
        #expect(stream.filter { $0 != 0 }.count == 6)
    }

    @Test func anImageOfZerosMapsNothingAndAMissingFileIsAnError() throws {
        let dir = try TemporaryDirectory()
        let raw = dir.file("zeros.raw")
        #expect(FileManager.default.createFile(atPath: raw, contents: Data(count: 3 * ImageBlockMapper.blockBytes)))
        #expect(try ImageBlockMapper.map(raw: raw, rawBytes: 3 * ImageBlockMapper.blockBytes, into: dir.file("m")).ranges.isEmpty)
        let error = #expect(throws: ImageBlockMapper.Failure.self) { try ImageBlockMapper.map(raw: dir.file("none"), rawBytes: 1, into: dir.file("n")) }
        #expect(error?.message.hasPrefix("open \(dir.file("none")): No such file") == true, "\(error?.message ?? "")")
    }
}
