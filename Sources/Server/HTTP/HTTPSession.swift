import Dispatch
import Glibc
import Inventory
import Net
import Wire

/// One HTTP connection: parses requests as bytes arrive, answers them one at a time in order,
/// and closes on errors, `Connection: close` or idleness. Everything runs on the connection's
/// event loop: a request's handler inline when `runsOnLoop` says it may (it may still block on a
/// commit: `EventLoop.blocking` then gives the loop to another thread), else on Dispatch, its
/// answer coming back through the loop's mailbox.
final class HTTPSession: @unchecked Sendable {
    let connection: TCPConnection
    private let options: HTTPServerOptions
    private let log: Logger
    private let handler: HTTPHandler
    private let runsOnLoop: @Sendable (HTTPRequest) -> Bool
    /// The connection's addresses, the same for each of its requests.
    private let context: RequestContext
    private var parser: HTTPRequestParser
    private var deadlines: RequestDeadlines
    /// A response is being written: further pipelined requests wait, and reading pauses so a
    /// client cannot make us buffer without bound.
    private var writing = false
    /// Inside `respond`'s send: a completion that runs at once is `respond`'s own business.
    private var sending = false
    private var closing = false
    private var bytesSentAtLastCheck: UInt64 = 0
    /// The answer being written, for its access line: written when its last byte has left (a
    /// 400 MB image is logged when it is sent, not when the handler returned), or, should the
    /// connection close first, as incomplete with what was sent.
    private var inFlight: Answer?

    private struct Answer {
        let request: HTTPRequest
        let status: Int
        let bodyLength: Int
        let subjectMAC: String?
        let started: UInt64
        let bytesSentBefore: UInt64
    }

    init(connection: TCPConnection, options: HTTPServerOptions, log: Logger, handler: @escaping HTTPHandler,
         runsOnLoop: @escaping @Sendable (HTTPRequest) -> Bool) {
        self.connection = connection
        self.options = options
        self.log = log
        self.handler = handler
        self.runsOnLoop = runsOnLoop
        context = RequestContext(peer: connection.peer, local: connection.local)
        parser = HTTPRequestParser(limits: options.limits)
        deadlines = RequestDeadlines(idle: options.idleTimeout, head: options.headTimeout, body: options.bodyTimeout,
                                     now: DispatchTime.now().uptimeNanoseconds)
    }

    func start(onClose: @escaping () -> Void) {
        // Strong captures: the session lives while its connection is open; closing the connection
        // drops its handlers.
        connection.start(
            onData: { [self] bytes in
                parser.append(bytes)
                deadlines.activity(at: DispatchTime.now().uptimeNanoseconds)
                answerPending()
            },
            onDeadline: { [self] in deadlineReached() },
            onClose: { [self] in
                if let answer = inFlight { logEnded(answer, sentWhole: false) }
                onClose()
            })
        connection.setDeadline(deadlines.nextDeadline)
    }

    private func deadlineReached() {
        let now = DispatchTime.now().uptimeNanoseconds
        switch deadlines.expired(at: now) {
        case nil:
            break
        case .head:
            cutOff("request head", within: options.headTimeout)
        case .body:
            cutOff("request body", within: options.bodyTimeout)
        case .idle:
            // A large response to a slow reader is not idleness, as long as it moves.
            if writing, connection.bytesSent != bytesSentAtLastCheck {
                bytesSentAtLastCheck = connection.bytesSent
                deadlines.activity(at: now)
            } else if parser.bufferedByteCount > 0 && !writing {
                cutOff("request", within: options.idleTimeout)
            } else {
                connection.close()
            }
        }
        connection.setDeadline(deadlines.nextDeadline)
    }

    /// RFC 9110 §15.5.9: tell a client that stalled mid-request why it is cut off, and close.
    private func cutOff(_ what: String, within seconds: Double) {
        let message = "\(what) not completed within \(seconds.formatted) s"
        log.warning("request-timeout", ["peer": connection.peer.description, "error": message])
        ServerMetrics.shared.httpRequest(listener: log.component, path: "", status: 408, seconds: 0)
        respond(HTTPResponse.error(408, message), keepAlive: false, includeBody: true)
    }

    /// Answers every complete request buffered, one after another, until one's answer is still
    /// being written or is being made elsewhere.
    private func answerPending() {
        while connection.loop.inLoop, !connection.isClosed, !writing {
            let request: HTTPRequest
            do {
                guard let next = try parser.nextRequest() else {
                    deadlines.waiting(at: DispatchTime.now().uptimeNanoseconds, buffered: parser.bufferedByteCount,
                                      readingBody: parser.isReadingBody)
                    break
                }
                request = next
            } catch {
                log.warning("bad-request", ["peer": connection.peer.description, "status": String(error.status), "error": error.description])
                ServerMetrics.shared.httpRequest(listener: log.component, path: "", status: error.status, seconds: 0)
                respond(HTTPResponse.error(error.status, error.description), keepAlive: false, includeBody: true)
                return
            }
            guard answer(request) else { return }
        }
        // Not when this thread gave the loop away: the session is the next driver's now.
        if connection.loop.inLoop { connection.setDeadline(deadlines.nextDeadline) }
    }

    /// Runs the handler and responds; false when the answer is being made elsewhere (the
    /// connection is parked, and `resume` takes over on the loop).
    private func answer(_ request: HTTPRequest) -> Bool {
        let started = DispatchTime.now().uptimeNanoseconds
        deadlines.answering(at: started)
        guard runsOnLoop(request) else {
            ServerMetrics.shared.httpRequestOffLoop(listener: log.component, how: "dispatch")
            connection.park()
            DispatchQueue.global().async { [self, handler, context] in
                let response = handler(request, context)
                connection.loop.execute { [self] in resume(request, response, started: started) }
            }
            return false
        }
        let response = connection.handle { handler(request, context) }
        guard connection.loop.inLoop else {
            // The handler blocked and this thread gave the loop to another (EventLoop.blocking).
            ServerMetrics.shared.httpRequestOffLoop(listener: log.component, how: "waited")
            connection.loop.execute { [self] in resume(request, response, started: started) }
            return false
        }
        finish(request, response, started: started)
        return true
    }

    /// An answer made elsewhere is back on the loop.
    private func resume(_ request: HTTPRequest, _ response: HTTPResponse, started: UInt64) {
        connection.unpark()
        finish(request, response, started: started)
        answerPending()
    }

    private func finish(_ request: HTTPRequest, _ response: HTTPResponse, started: UInt64) {
        inFlight = Answer(request: request, status: response.status, bodyLength: response.bodyLength,
                          subjectMAC: response.subjectMAC, started: started, bytesSentBefore: connection.bytesSent)
        respond(response, keepAlive: request.keepAlive, includeBody: request.method != "HEAD")
    }

    private func respond(_ response: HTTPResponse, keepAlive: Bool, includeBody: Bool) {
        writing = true
        closing = !keepAlive
        let written: () -> Void = { [self] in
            writing = false
            if let answer = inFlight {
                inFlight = nil
                logEnded(answer, sentWhole: true)
            }
            if !sending { answerWritten() }
        }
        sending = true
        if let file = response.file {
            connection.send(response.encodeHead(keepAlive: keepAlive))
            if includeBody {
                connection.sendFile(file.descriptor, offset: file.offset, length: file.length, completion: written)
            } else {
                close(file.descriptor)
                connection.send([], completion: written)
            }
        } else {
            connection.send(response.encode(keepAlive: keepAlive, includeBody: includeBody), completion: written)
        }
        sending = false
        if writing {
            // Reading pauses only while an answer is still being written (the kernel did not take
            // it all at once), so a client cannot make us buffer without bound. Most answers are
            // taken at once, and then no epoll_ctl is made.
            connection.pauseReading()
        } else {
            settleAfterAnswer()
        }
    }

    /// The last byte of an answer left after the kernel's buffer had filled: go on reading.
    private func answerWritten() {
        settleAfterAnswer()
        guard !connection.isClosed else { return }
        connection.resumeReading()
        answerPending()
    }

    private func settleAfterAnswer() {
        if closing { return connection.close() }
        // Idleness counts from the end of the answer: a handler that ran longer than the
        // timeout (a Proxmox operation) must not have its keep-alive connection cut at once.
        deadlines.activity(at: DispatchTime.now().uptimeNanoseconds)
    }

    /// The answer's access line and metric, once it has ended: with its last byte sent, or with
    /// the connection closed before (the client went away, or stopped reading until the idle
    /// timeout): `request-incomplete` with what was sent.
    private func logEnded(_ answer: Answer, sentWhole: Bool) {
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - answer.started) / 1_000_000
        ServerMetrics.shared.httpRequest(listener: log.component, path: answer.request.path, status: answer.status,
                                         seconds: milliseconds / 1000)
        if sentWhole {
            // Its fields cost more to build than a cached answer: not when the line is not written.
            guard log.writes(.info) else { return }
            log.log(.info, "request", accessFields(answer, milliseconds: milliseconds))
        } else {
            log.log(.warning, "request-incomplete", accessFields(answer, milliseconds: milliseconds)
                + [("sent", String(connection.bytesSent - answer.bytesSentBefore))])
        }
    }

    private func accessFields(_ answer: Answer, milliseconds: Double) -> [(String, String)] {
        [("peer", connection.peer.description), ("method", answer.request.method), ("path", answer.request.path),
         ("status", String(answer.status)), ("bytes", String(answer.bodyLength)),
         ("ms", String((milliseconds * 100).rounded() / 100)), ("mac", answer.subjectMAC ?? "-")]
    }
}

extension HTTPResponse {
    static func json(_ status: Int, _ value: JSONValue) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array((value.encoded() + "\n").utf8))
    }

    /// A JSON error body `{"error": "..."}` with the given status.
    static func error(_ status: Int, _ message: String) -> HTTPResponse {
        json(status, .object([("error", .string(message))]))
    }

    /// 405 with the `Allow` header RFC 9110 §15.5.6 requires.
    static func methodNotAllowed(_ allowed: [String]) -> HTTPResponse {
        var response = HTTPResponse.error(405, "method not allowed (allowed: \(allowed.joined(separator: ", ")))")
        response.headers.add("Allow", allowed.joined(separator: ", "))
        return response
    }
}
