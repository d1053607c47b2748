import Foundation
import Glibc

/// A child's output, read on a thread of its own until EOF (every writer closed it: the child
/// exited, and any process it passed the pipe to). `text` is what arrived so far; `waitForEOF`
/// is the barrier before asserting on all of it (a line written just before exit is still in
/// the pipe when the exit status is already known).
final class ChildOutput: @unchecked Sendable {
    let pipe = Pipe()
    private let lock = NSLock()
    private var data = Data()
    private let finished = DispatchSemaphore(value: 0)
    private var atEOF = false

    /// Starts reading; call after the child has been started with `pipe` as its output, so the
    /// parent holds no write end.
    func startReading() {
        let handle = pipe.fileHandleForReading
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                lock.withLock { data.append(contentsOf: buffer[0..<count]) }
            }
            lock.withLock { atEOF = true }
            finished.signal()
        }
        thread.start()
    }

    /// Starts `process` with its stdout and stderr into this pipe and no stdin, then reads.
    func start(_ process: Process) throws {
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.runWithSignalsUnblocked()
        startReading()
    }

    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }

    /// Waits until the pipe is drained to EOF; false if writers still hold it after `seconds`.
    @discardableResult
    func waitForEOF(seconds: Double = 30) -> Bool {
        if lock.withLock({ atEOF }) { return true }
        guard finished.wait(timeout: .now() + seconds) == .success else { return false }
        finished.signal()  // later callers return at once too
        return true
    }
}
