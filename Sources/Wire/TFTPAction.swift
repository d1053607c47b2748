/// What the I/O layer must do for a `TFTPTransfer`, in order.
public enum TFTPAction: Equatable, Sendable {
    /// Send OACK with these options (RFC 2347 §2).
    case sendOptionAck([TFTPOption])
    /// Send DATA `wireNumber` carrying `TFTPTransfer.payloadRange(ofBlock: index)` of the bytes.
    case sendBlock(index: Int, wireNumber: UInt16)
    /// (Re)arm the transfer's one retransmission timer; when it fires call `timeout()`.
    case armTimer(seconds: Double)
    /// Send ERROR with this code and message to the client.
    case sendError(TFTPErrorCode, String)
    /// Stop the timer and release the transfer; nothing more will be asked.
    case finish(TFTPOutcome)
}

/// How a transfer ended.
public enum TFTPOutcome: Equatable, Sendable {
    /// The client acknowledged the last block.
    case completed
    /// The client sent ERROR, or a packet that has no place in a read transfer (then the server
    /// has answered ERROR 4 and the outcome carries that code and message).
    case clientError(TFTPErrorCode, String)
    /// The client stopped answering: `attempts` transmissions went unacknowledged.
    case gaveUp(attempts: Int)
}
