import Foundation
import Glibc
import TestSupport
import Testing

@testable import Server

@Suite("ProcessRunner")
struct ProcessRunnerTests {
    private func sh(_ script: String, environment: [String: String] = ["PATH": "/usr/bin:/bin"], input: String = "",
                    timeout: Double = 10, directory: String? = nil, log: String? = nil) throws -> ProcessOutcome {
        try ProcessRunner(arguments: ["/bin/sh", "-c", script], environment: environment, input: Array(input.utf8),
                          directory: directory, timeout: timeout, grace: 0.5, logPath: log).run()
    }

    @Test("exit codes and the tail of stdout and stderr, interleaved as written")
    func exitCodes() throws {
        #expect(try sh("exit 0").succeeded)
        let outcome = try sh("for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22; do echo line$i; done; echo oops >&2; exit 3")
        #expect(outcome.termination == .exited(3))
        #expect(outcome.status == "exit 3")
        #expect(outcome.tail.count == 20 && outcome.tail.first == "line4" && outcome.tail.last == "oops")
        #expect(try sh("kill -USR1 $$").termination == .signaled(SIGUSR1))
    }

    @Test("stdin, environment and working directory are delivered; only the given environment")
    func delivered() throws {
        let dir = try TemporaryDirectory()
        let outcome = try sh(#"read line; echo "in=$line env=$ONE cwd=$(pwd) home=${HOME:-none}""#, environment: ["PATH": "/usr/bin:/bin", "ONE": "1 2"],
                             input: "hello\n", directory: dir.path)
        #expect(outcome.tail == ["in=hello env=1 2 cwd=\(dir.path) home=none"])
    }

    @Test("the child starts with no signal blocked, even when the caller blocks some")
    func signalMask() throws {
        var blocked = sigset_t()
        var previous = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        #expect(try sh("grep SigBlk /proc/self/status").tail == ["SigBlk:\t0000000000000000"])
    }

    @Test("a time-out stops the whole process group, sleeping child included")
    func timeout() throws {
        let dir = try TemporaryDirectory()
        let pidFile = dir.file("child.pid")
        let started = Date()
        let outcome = try sh("sleep 30 & echo $! > \(pidFile); echo started; wait", timeout: 0.5)
        #expect(outcome.termination == .timedOut(seconds: 0.5))
        #expect(outcome.status == "timed out after 0.5 s")
        #expect(outcome.tail == ["started"])
        #expect(Date().timeIntervalSince(started) < 5)
        let child = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        // The sleep was in the group: gone (or a zombie reparented to init, reaped shortly).
        #expect(eventually { kill(child, 0) != 0 })
    }

    @Test("a command that ignores SIGTERM is killed after the grace period")
    func sigkill() throws {
        let outcome = try sh("trap '' TERM; echo stubborn; while :; do sleep 0.1; done", timeout: 0.3)
        #expect(outcome.termination == .timedOut(seconds: 0.3) && outcome.tail == ["stubborn"])
    }

    @Test("output is appended to the log file; the tail is this run's only")
    func logFile() throws {
        let dir = try TemporaryDirectory()
        let log = try dir.write("run.log", "earlier run\n")
        let outcome = try sh("echo now; echo err >&2", log: log)
        #expect(outcome.tail == ["now", "err"])
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "earlier run\nnow\nerr\n")
    }

    @Test("commands that cannot start are clear errors")
    func startErrors() throws {
        let dir = try TemporaryDirectory()
        let plain = try dir.write("plain", "#!/bin/sh\n")
        #expect(throws: ProcessRunnerError("no-such-tool not found on PATH /usr/bin:/bin")) {
            try ProcessRunner(arguments: ["no-such-tool"], environment: ["PATH": "/usr/bin:/bin"], timeout: 1).run()
        }
        #expect(throws: ProcessRunnerError("\(plain) is not an executable file")) { try ProcessRunner(arguments: [plain], timeout: 1).run() }
        #expect(throws: ProcessRunnerError("no command to run")) { try ProcessRunner(arguments: [], timeout: 1).run() }
        #expect(throws: ProcessRunnerError("working directory /nonexistent/dir does not exist")) {
            try ProcessRunner(arguments: ["/bin/true"], directory: "/nonexistent/dir", timeout: 1).run()
        }
        // A command found on PATH, relative to the working directory.
        #expect(try ProcessRunner(arguments: ["true"], environment: ["PATH": "/usr/bin:/bin"], timeout: 1).run().succeeded)
        let script = try dir.write("ok", "#!/bin/sh\nexit 0\n")
        chmod(script, 0o755)
        #expect(try ProcessRunner(arguments: ["./ok"], directory: dir.path, timeout: 1).run().succeeded)
    }
}
