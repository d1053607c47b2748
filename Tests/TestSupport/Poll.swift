import Foundation

/// Waits for a condition, never for a fixed time: calls `condition` every `interval` seconds until
/// it holds. `seconds` only bounds a test that hangs: a loaded machine makes the wait longer,
/// never wrong, so it is generous.
public func poll(_ what: @autoclosure () -> String, seconds: Double = 60, every interval: Double = 0.02,
                 _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if try condition() { return }
        guard Date() < deadline else { throw PollTimedOut(description: "timed out after \(Int(seconds)) s waiting for \(what())") }
        Thread.sleep(forTimeInterval: interval)
    }
}

/// Like `poll`, but returns whether the condition came true instead of throwing.
public func eventually(seconds: Double = 60, every interval: Double = 0.02, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if try condition() { return true }
        guard Date() < deadline else { return false }
        Thread.sleep(forTimeInterval: interval)
    }
}

public struct PollTimedOut: Error, CustomStringConvertible {
    public let description: String
}
