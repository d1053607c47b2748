/// What one socket wants from its event loop's epoll set, and what the kernel holds now, as a
/// value: each change says which epoll_ctl(2) call (if any) makes the kernel agree, so a request
/// answered at once costs no epoll_ctl at all, and the rules are tested without sockets.
///
/// The loops are level-triggered (see `EventLoop`), so a socket that wants nothing is taken out
/// of the set rather than modified to an empty mask: epoll reports EPOLLHUP and EPOLLERR whatever
/// the mask says, and a hung-up socket left in the set would wake its loop on every turn.
struct EpollInterest: Equatable {
    /// The events epoll(7) numbers: EPOLLIN and EPOLLOUT.
    static let readable: UInt32 = 0x001
    static let writable: UInt32 = 0x004

    /// Added to the mask whenever the socket is (re-)added: EPOLLEXCLUSIVE for a listening socket
    /// shared by every loop (epoll_ctl(2): it is allowed with EPOLL_CTL_ADD only, so such a socket
    /// never asks for a modify: it reads and never writes).
    let addFlags: UInt32
    var reading = false
    var writing = false
    /// Handed to another thread for a moment (a handler that blocks, or one run on Dispatch): no
    /// events at all until it comes back.
    var parked = false
    /// The mask the kernel holds; nil while the socket is not in the set.
    private(set) var registered: UInt32?

    enum Change: Equatable {
        case none
        case add(UInt32)
        case modify(UInt32)
        case delete
    }

    init(addFlags: UInt32 = 0) { self.addFlags = addFlags }

    /// The mask wanted now; nil: out of the set.
    var wanted: UInt32? {
        let mask = (reading ? Self.readable : 0) | (writing ? Self.writable : 0)
        return parked || mask == 0 ? nil : mask | addFlags
    }

    /// The call that brings the kernel to `wanted`, taken as done.
    mutating func settle() -> Change {
        let wanted = wanted
        defer { registered = wanted }
        guard registered != wanted else { return .none }
        guard let wanted else { return .delete }
        return registered == nil ? .add(wanted) : .modify(wanted)
    }

    /// The socket was closed, which takes it out of every epoll set (epoll(7): once no descriptor
    /// refers to the open file), with no call needed.
    mutating func closed() {
        reading = false
        writing = false
        registered = nil
    }
}
