import Foundation
import Glibc

/// Runs a command to completion off the caller's request path: argv, environment, bytes on
/// stdin, a working directory and a time limit; stdout and stderr go to a log file (appended)
/// or, with none, to an unlinked temporary file, and the outcome carries the last lines.
///
/// Started with posix_spawn, not Foundation.Process: provisiond's SignalWatcher blocks SIGTERM and
/// SIGINT and a blocked mask survives exec, so the child gets an empty signal mask and default
/// dispositions (POSIX_SPAWN_SETSIGMASK, POSIX_SPAWN_SETSIGDEF), and its own process group
/// (POSIX_SPAWN_SETPGROUP) so a time-out stops it with everything it started. Descriptors above
/// stderr are closed in the child (`SpawnFileActions`).
struct ProcessRunner: Sendable {
    var arguments: [String]
    var environment: [String: String] = [:]
    var input: [UInt8] = []
    var directory: String?
    var timeout: Double
    /// Between SIGTERM and SIGKILL when the time limit is reached.
    var grace: Double = 5
    /// Appended to; nil keeps the output only for the tail.
    var logPath: String?
    var tailLines = 20

    /// Blocks until the command ends (or is stopped at its time limit).
    func run() throws(ProcessRunnerError) -> ProcessOutcome {
        let executable = try resolvedExecutable()
        if let directory {
            var info = stat()
            guard stat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                throw ProcessRunnerError("working directory \(directory) does not exist")
            }
        }
        let stdin = try Self.temporaryFile(holding: input)
        defer { close(stdin) }
        let output = try openOutput()
        defer { close(output) }
        let start = lseek(output, 0, SEEK_END)
        let pid = try spawn(executable, stdin: stdin, output: output)
        let termination = Self.wait(pid, timeout: timeout, grace: grace)
        return ProcessOutcome(termination: termination, tail: ProcessOutcome.tail(of: Self.read(output, from: start), count: tailLines))
    }

    private func spawn(_ executable: String, stdin: Int32, output: Int32) throws(ProcessRunnerError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        if let addClosefrom = SpawnFileActions.addClosefrom { _ = addClosefrom(&actions, 3) }
        if let directory {
            guard let addChdir = SpawnFileActions.addChdir else {
                throw ProcessRunnerError("this C library cannot start a command in a working directory (glibc 2.29 or later needed)")
            }
            _ = addChdir(&actions, directory)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = [executable] + arguments.dropFirst()
        let envp = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let result = withCStrings(argv) { argv in
            withCStrings(envp) { envp in posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
        }
        guard result == 0 else { throw .errno("cannot start \(executable)", result) }
        return pid
    }

    /// Polls for the exit (every few milliseconds at first, then every 50 ms): the runner owns
    /// its thread, and a poll needs no SIGCHLD handling shared with the rest of the process.
    private static func wait(_ pid: pid_t, timeout: Double, grace: Double) -> ProcessOutcome.Termination {
        let started = Date()
        var signalled = false
        var interval: useconds_t = 2_000
        while true {
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid || (reaped < 0 && errno != EINTR) {
                if signalled { return .timedOut(seconds: timeout) }
                // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
                return status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
            }
            let elapsed = Date().timeIntervalSince(started)
            if !signalled, elapsed >= timeout {
                kill(-pid, SIGTERM)
                signalled = true
            } else if signalled, elapsed >= timeout + grace {
                kill(-pid, SIGKILL)
            }
            usleep(interval)
            interval = min(interval * 2, 50_000)
        }
    }

    /// argv[0] as given when it holds a slash (relative to `directory`), else the first match on
    /// the command's PATH.
    func resolvedExecutable() throws(ProcessRunnerError) -> String {
        guard let command = arguments.first, !command.isEmpty else { throw ProcessRunnerError("no command to run") }
        if command.contains("/") {
            let path = command.hasPrefix("/") ? command : (directory ?? FileManager.default.currentDirectoryPath) + "/" + command
            guard Self.isExecutableFile(path) else { throw ProcessRunnerError("\(path) is not an executable file") }
            return path
        }
        let search = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in search.split(separator: ":") where Self.isExecutableFile("\(directory)/\(command)") {
            return "\(directory)/\(command)"
        }
        throw ProcessRunnerError("\(command) not found on PATH \(search)")
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
    }

    private func openOutput() throws(ProcessRunnerError) -> Int32 {
        guard let logPath else { return try Self.temporaryFile(holding: []) }
        // Read and write: the tail is read back through the same descriptor.
        let fd = open(logPath, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw .errno("cannot open log file \(logPath)", errno) }
        return fd
    }

    /// An unlinked file holding `bytes`, positioned at its start: stdin without a pipe (so no
    /// SIGPIPE or full-pipe stall when the command does not read it all).
    private static func temporaryFile(holding bytes: [UInt8]) throws(ProcessRunnerError) -> Int32 {
        var template = Array((NSTemporaryDirectory() + "/provisiond-run-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw .errno("cannot create a temporary file", errno) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        unlink(template)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            guard written > 0 else {
                close(fd)
                throw .errno("cannot write a temporary file", errno)
            }
            offset += written
        }
        lseek(fd, 0, SEEK_SET)
        return fd
    }

    /// What was written from `start` on, at most the last 64 KiB.
    private static func read(_ fd: Int32, from start: off_t) -> String {
        let end = lseek(fd, 0, SEEK_END)
        let from = max(start, end - 65_536)
        guard end > from else { return "" }
        var bytes = [UInt8](repeating: 0, count: Int(end - from))
        let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, from) }
        return String(decoding: bytes.prefix(max(count, 0)), as: UTF8.self)
    }
}

/// Calls `body` with a NULL-terminated C array of the strings.
private func withCStrings<T>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> T) -> T {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
