extension TFTPPacket {
    /// Decodes exactly one packet from a datagram (RFC 1350 §5, RFC 2347 §2). Never traps.
    ///
    /// Requests must have a non-empty, NUL-terminated UTF-8 filename, a mode of `octet` or
    /// `netascii` in any case, and complete name/value option pairs with distinct names
    /// (lowercased here). An ACK must be exactly 4 bytes; DATA carries at most 65464 bytes.
    /// An ERROR message is read up to its NUL (or the end, if a client forgot it) with invalid
    /// UTF-8 repaired: a client's ERROR must end the transfer however it is spelled. Unknown
    /// error codes become `.notDefined` with the message kept.
    public static func decode(_ bytes: [UInt8]) throws(TFTPDecodeError) -> TFTPPacket {
        guard bytes.count >= 2 else { throw TFTPDecodeError(.tooShort(length: bytes.count)) }
        let rawOpcode = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        guard let opcode = Opcode(rawValue: rawOpcode) else { throw TFTPDecodeError(.unknownOpcode(rawOpcode)) }
        let body = bytes[2...]
        switch opcode {
        case .readRequest:
            return .readRequest(try decodeRequest(body))
        case .writeRequest:
            return .writeRequest(try decodeRequest(body))
        case .data:
            let block = try number(of: opcode, in: bytes)
            let payload = bytes[4...]
            guard payload.count <= maxPayload else { throw TFTPDecodeError(.payloadTooLarge(payload.count)) }
            return .data(block: block, payload: Array(payload))
        case .ack:
            let block = try number(of: opcode, in: bytes)
            guard bytes.count == 4 else { throw TFTPDecodeError(.trailingBytes(.ack, count: bytes.count - 4)) }
            return .ack(block: block)
        case .error:
            let code = try number(of: opcode, in: bytes)
            let text = bytes[4...]
            let end = text.firstIndex(of: 0) ?? text.endIndex
            return .error(code: TFTPErrorCode(rawValue: code) ?? .notDefined,
                          message: String(decoding: text[..<end], as: UTF8.self))
        case .optionAck:
            return .optionAck(try decodeOptions(body))
        }
    }

    /// The block number or error code after the opcode.
    private static func number(of opcode: Opcode, in bytes: [UInt8]) throws(TFTPDecodeError) -> UInt16 {
        guard bytes.count >= 4 else { throw TFTPDecodeError(.truncated(opcode, length: bytes.count, minimum: 4)) }
        return UInt16(bytes[2]) << 8 | UInt16(bytes[3])
    }

    /// filename NUL mode NUL [name NUL value NUL]... (RFC 1350 §5, RFC 2347 §2).
    private static func decodeRequest(_ body: ArraySlice<UInt8>) throws(TFTPDecodeError) -> TFTPRequest {
        guard let filenameEnd = body.firstIndex(of: 0) else { throw TFTPDecodeError(.filenameNotTerminated) }
        let filenameBytes = body[..<filenameEnd]
        guard !filenameBytes.isEmpty else { throw TFTPDecodeError(.emptyFilename) }
        guard let filename = String(validating: filenameBytes, as: UTF8.self) else {
            throw TFTPDecodeError(.nonUTF8Filename)
        }
        let rest = body[(filenameEnd + 1)...]
        guard !rest.isEmpty else { throw TFTPDecodeError(.missingMode) }
        guard let modeEnd = rest.firstIndex(of: 0) else { throw TFTPDecodeError(.modeNotTerminated) }
        let modeBytes = rest[..<modeEnd]
        guard let mode = TFTPMode(caseInsensitive: modeBytes) else {
            throw TFTPDecodeError(.badMode(String(decoding: modeBytes, as: UTF8.self)))
        }
        let options = try decodeOptions(rest[(modeEnd + 1)...])
        return TFTPRequest(filename: filename, mode: mode, options: options)
    }

    /// name NUL value NUL pairs to the end of the packet; names lowercased and distinct.
    private static func decodeOptions(_ bytes: ArraySlice<UInt8>) throws(TFTPDecodeError) -> [TFTPOption] {
        var options: [TFTPOption] = []
        var rest = bytes
        while !rest.isEmpty {
            guard let nameEnd = rest.firstIndex(of: 0) else {
                throw TFTPDecodeError(.unterminatedOption(String(decoding: rest, as: UTF8.self)))
            }
            guard nameEnd > rest.startIndex else { throw TFTPDecodeError(.emptyOptionName) }
            guard let name = String(validating: rest[..<nameEnd], as: UTF8.self)?.lowercased() else {
                throw TFTPDecodeError(.nonUTF8Option)
            }
            rest = rest[(nameEnd + 1)...]
            guard !rest.isEmpty else { throw TFTPDecodeError(.optionWithoutValue(name)) }
            guard let valueEnd = rest.firstIndex(of: 0) else {
                throw TFTPDecodeError(.unterminatedOption("\(name)=\(String(decoding: rest, as: UTF8.self))"))
            }
            guard let value = String(validating: rest[..<valueEnd], as: UTF8.self) else {
                throw TFTPDecodeError(.nonUTF8Option)
            }
            rest = rest[(valueEnd + 1)...]
            guard !options.contains(where: { $0.name == name }) else { throw TFTPDecodeError(.duplicateOption(name)) }
            options.append(TFTPOption(name: name, value: value))
        }
        return options
    }
}
