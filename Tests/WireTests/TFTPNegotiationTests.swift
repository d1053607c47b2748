import Testing
import Wire

@Suite("TFTPNegotiation: options (RFC 2347, 2348, 2349, 7440)")
struct TFTPNegotiationTests {
    static let limits = TFTPServerLimits()

    static func negotiate(_ pairs: [(String, String)], fileSize: Int = 1000, limits: TFTPServerLimits = limits)
        throws(TFTPNegotiationError) -> TFTPNegotiation
    {
        try TFTPNegotiation.negotiate(pairs.map { TFTPOption(name: $0.0, value: $0.1) }, fileSize: fileSize, limits: limits)
    }

    @Test("no options: RFC 1350 defaults and no OACK")
    func noOptions() throws {
        let result = try Self.negotiate([])
        #expect(result == TFTPNegotiation(blockSize: 512, windowSize: 1, timeoutSeconds: 1, transferSize: nil, acknowledged: []))
        #expect(try Self.negotiate([], limits: TFTPServerLimits(defaultTimeoutSeconds: 3)).timeoutSeconds == 3)
    }

    @Test("blksize 8...65464 is granted, larger is lowered", arguments: [
        ("8", 8), ("512", 512), ("1428", 1428), ("01024", 1024), ("65464", 65464), ("65465", 65464),
        ("100000", 65464), ("99999999999999999999999999", 65464),
    ])
    func blockSize(_ value: String, _ granted: Int) throws {
        let result = try Self.negotiate([("blksize", value)])
        #expect(result.blockSize == granted)
        #expect(result.acknowledged == [TFTPOption(name: "blksize", value: String(granted))])
    }

    @Test("blksize is lowered to the server's limit", arguments: [("1468", 1468), ("65464", 1468), ("1024", 1024), ("8", 8)])
    func blockSizeLimit(_ value: String, _ granted: Int) throws {
        let result = try Self.negotiate([("blksize", value)], limits: TFTPServerLimits(maxBlockSize: 1468))
        #expect(result.blockSize == granted)
        #expect(result.acknowledged == [TFTPOption(name: "blksize", value: String(granted))])
    }

    @Test("a limit above 65464 still grants at most 65464")
    func blockSizeLimitAboveProtocol() throws {
        #expect(try Self.negotiate([("blksize", "70000")], limits: TFTPServerLimits(maxBlockSize: 100_000)).blockSize == 65464)
    }

    @Test("blksize below 8 or not a number is refused", arguments: ["7", "0", "", "abc", "-1", "+512", " 512", "512 ", "1e3", "0x200", "５１２"])
    func blockSizeRefused(_ value: String) {
        let error = #expect(throws: TFTPNegotiationError.self) { try Self.negotiate([("blksize", value)]) }
        #expect(error?.option == "blksize")
        #expect(error?.value == value)
        #expect(error?.description.contains("blksize") == true)
        #expect(error?.description.contains("\"\(value)\"") == true)
    }

    @Test("tsize with any number is answered with the file size", arguments: ["0", "1", "123456789", "99999999999999999999999"])
    func transferSize(_ value: String) throws {
        let result = try Self.negotiate([("tsize", value)], fileSize: 4_194_304)
        #expect(result.transferSize == 4_194_304)
        #expect(result.acknowledged == [TFTPOption(name: "tsize", value: "4194304")])
        #expect(result.blockSize == 512)
    }

    @Test("tsize of an empty file is left out of the OACK (curl refuses tsize 0)")
    func transferSizeEmpty() throws {
        let result = try Self.negotiate([("tsize", "0"), ("blksize", "1468")], fileSize: 0)
        #expect(result.transferSize == nil)
        #expect(result.acknowledged == [TFTPOption(name: "blksize", value: "1468")])
        #expect(try Self.negotiate([("tsize", "0")], fileSize: 0).acknowledged.isEmpty)
    }

    @Test("non-numeric tsize is ignored", arguments: ["", "abc", "-1", "1.5"])
    func transferSizeIgnored(_ value: String) throws {
        let result = try Self.negotiate([("tsize", value)])
        #expect(result.transferSize == nil)
        #expect(result.acknowledged.isEmpty)
    }

    @Test("timeout 1...255 is granted and echoed", arguments: [("1", 1), ("5", 5), ("255", 255), ("007", 7)])
    func timeout(_ value: String, _ granted: Int) throws {
        let result = try Self.negotiate([("timeout", value)], limits: TFTPServerLimits(defaultTimeoutSeconds: 3))
        #expect(result.timeoutSeconds == granted)
        #expect(result.acknowledged == [TFTPOption(name: "timeout", value: String(granted))])
    }

    @Test("timeout out of range or not a number is left out", arguments: ["0", "256", "1000", "", "x", "-1", "1.5"])
    func timeoutIgnored(_ value: String) throws {
        let result = try Self.negotiate([("timeout", value)], limits: TFTPServerLimits(defaultTimeoutSeconds: 3))
        #expect(result.timeoutSeconds == 3)
        #expect(result.acknowledged.isEmpty)
    }

    @Test("windowsize 1...65535 is granted, lowered to the limit", arguments: [
        ("1", 64, 1), ("16", 64, 16), ("64", 64, 64), ("65", 64, 64), ("65535", 64, 64), ("65535", 1000, 1000),
        ("65535", 100_000, 65535), ("8", 4, 4), ("8", 0, 1),
    ])
    func windowSize(_ value: String, _ limit: Int, _ granted: Int) throws {
        let result = try Self.negotiate([("windowsize", value)], limits: TFTPServerLimits(maxWindowSize: limit, maxWindowBytes: .max))
        #expect(result.windowSize == granted)
        #expect(result.acknowledged == [TFTPOption(name: "windowsize", value: String(granted))])
    }

    @Test("windowsize 0, over 65535 or not a number is refused", arguments: ["0", "00", "65536", "99999999999999999999", "", "x", "-4", "4k"])
    func windowSizeRefused(_ value: String) {
        let error = #expect(throws: TFTPNegotiationError.self) { try Self.negotiate([("windowsize", value)]) }
        #expect(error?.option == "windowsize")
        #expect(error?.value == value)
        #expect(error?.description.contains("windowsize") == true)
    }

    @Test("unknown options are left out", arguments: ["multicast", "rollover", "utimeout", "blocksize", "x"])
    func unknownIgnored(_ name: String) throws {
        let result = try Self.negotiate([(name, "1"), ("tsize", "0")])
        #expect(result.acknowledged == [TFTPOption(name: "tsize", value: "1000")])
    }

    @Test("the OACK lists the granted options in request order")
    func requestOrder() throws {
        let result = try Self.negotiate(
            [("windowsize", "8"), ("multicast", ""), ("tsize", "0"), ("timeout", "3"), ("blksize", "1428")], fileSize: 77)
        #expect(result.acknowledged == [
            TFTPOption(name: "windowsize", value: "8"), TFTPOption(name: "tsize", value: "77"),
            TFTPOption(name: "timeout", value: "3"), TFTPOption(name: "blksize", value: "1428"),
        ])
        #expect(result == TFTPNegotiation(blockSize: 1428, windowSize: 8, timeoutSeconds: 3, transferSize: 77,
                                          acknowledged: result.acknowledged))
        let oack = TFTPPacket.optionAck(result.acknowledged).encode()
        #expect(oack == [0, 6] + bytes("windowsize\08\0tsize\077\0timeout\03\0blksize\01428\0"))
    }

    @Test("names are matched case-insensitively and answered lowercase; a repeated name counts once")
    func caseAndRepeats() throws {
        let result = try Self.negotiate([("BlkSize", "1024"), ("blksize", "2"), ("TSIZE", "0")])
        #expect(result.blockSize == 1024)
        #expect(result.acknowledged == [TFTPOption(name: "blksize", value: "1024"), TFTPOption(name: "tsize", value: "1000")])
    }

    @Test("one refused option refuses the request even after good ones")
    func refusalWins() {
        let error = #expect(throws: TFTPNegotiationError.self) {
            try Self.negotiate([("tsize", "0"), ("blksize", "1428"), ("windowsize", "0")])
        }
        #expect(error == TFTPNegotiationError(option: "windowsize", value: "0", expected: "a window size from 1 to 65535"))
        #expect(error?.description == "TFTP option windowsize refused: \"0\" is not a window size from 1 to 65535")
    }

    @Test("the window is lowered so windowsize × blksize stays within the byte budget", arguments: [
        ("65464", "4", "2"), ("32768", "8", "4"), ("1468", "64", "64"), ("8192", "64", "16"), ("65464", "1", "1"),
    ])
    func windowByteBudget(blockSize: String, window: String, granted: String) throws {
        let result = try TFTPNegotiation.negotiate(
            [TFTPOption(name: "windowsize", value: window), TFTPOption(name: "blksize", value: blockSize)], fileSize: 1 << 20,
            limits: TFTPServerLimits())
        #expect(result.windowSize == Int(granted))
        #expect(result.acknowledged.first == TFTPOption(name: "windowsize", value: granted))
    }
}
