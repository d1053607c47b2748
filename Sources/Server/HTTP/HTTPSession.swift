import Dispatch
import Glibc
import Inventory
import Net
import Wire

/// One HTTP connection: parses requests as bytes arrive, answers them one at a time in order,
/// and closes on errors, `Connection: close` or idleness. Everything runs on the connection's
/// queue.
final class HTTPSession: @unchecked Sendable {
    let connection: TCPConnection
    private let options: HTTPServerOptions
    private let log: Logger
    private let handler: HTTPHandler
    private var parser: HTTPRequestParser
    private var deadlines: RequestDeadlines
    private let timer: DispatchSourceTimer
    /// When the timer fires next (`.max`: not scheduled).
    private var timerDeadline: UInt64 = .max
    /// A response is being written: further pipelined requests wait, and reading pauses so a
    /// client cannot make us buffer without bound.
    private var writing = false
    private var closing = false
    private var bytesSentAtLastCheck: UInt64 = 0

    init(connection: TCPConnection, options: HTTPServerOptions, log: Logger, handler: @escaping HTTPHandler) {
        self.connection = connection
        self.options = options
        self.log = log
        self.handler = handler
        parser = HTTPRequestParser(limits: options.limits)
        deadlines = RequestDeadlines(idle: options.idleTimeout, head: options.headTimeout, body: options.bodyTimeout,
                                     now: DispatchTime.now().uptimeNanoseconds)
        timer = DispatchSource.makeTimerSource(queue: connection.queue)
    }

    func start(onClose: @escaping () -> Void) {
        // Strong captures: the session lives while its connection is open. Closing the connection
        // drops its handlers, and the timer's is dropped here.
        timer.setEventHandler { [self] in timerFired() }
        rearmTimer()
        timer.resume()
        connection.start(
            onData: { [self] bytes in
                parser.append(bytes)
                deadlines.activity(at: DispatchTime.now().uptimeNanoseconds)
                answerPending()
                rearmTimer()
            },
            onClose: { [self] in
                timer.setEventHandler(handler: nil)
                timer.cancel()
                onClose()
            })
    }

    /// Reschedules only when a clock now runs out before the timer fires. Requests move the
    /// deadlines later, and a timer that fires early finds nothing expired and rearms: each
    /// reschedule wakes Dispatch's manager thread, which cost about 15 % of the CPU under wrk when
    /// done twice a request (perf, bench/http.sh).
    private func rearmTimer() {
        let next = deadlines.nextDeadline
        guard next < timerDeadline else { return }
        timerDeadline = next
        timer.schedule(deadline: DispatchTime(uptimeNanoseconds: next))
    }

    private func timerFired() {
        dispatchPrecondition(condition: .onQueue(connection.queue))
        timerDeadline = .max
        let now = DispatchTime.now().uptimeNanoseconds
        switch deadlines.expired(at: now) {
        case nil:
            rearmTimer()
        case .head:
            cutOff("request head", within: options.headTimeout)
        case .body:
            cutOff("request body", within: options.bodyTimeout)
        case .idle:
            // A large response to a slow reader is not idleness, as long as it moves.
            if writing, connection.bytesSent != bytesSentAtLastCheck {
                bytesSentAtLastCheck = connection.bytesSent
                deadlines.activity(at: now)
                rearmTimer()
            } else if parser.bufferedByteCount > 0 && !writing {
                cutOff("request", within: options.idleTimeout)
            } else {
                connection.close()
            }
        }
    }

    /// RFC 9110 §15.5.9: tell a client that stalled mid-request why it is cut off, and close.
    private func cutOff(_ what: String, within seconds: Double) {
        let message = "\(what) not completed within \(seconds.formatted) s"
        log.warning("request-timeout", ["peer": connection.peer.description, "error": message])
        ServerMetrics.shared.httpRequest(listener: log.component, path: "", status: 408, seconds: 0)
        respond(HTTPResponse.error(408, message), keepAlive: false, includeBody: true)
    }

    /// Answers every complete request buffered, one after another.
    private func answerPending() {
        dispatchPrecondition(condition: .onQueue(connection.queue))
        while !writing && !closing {
            let request: HTTPRequest
            do {
                guard let next = try parser.nextRequest() else {
                    deadlines.waiting(at: DispatchTime.now().uptimeNanoseconds, buffered: parser.bufferedByteCount,
                                      readingBody: parser.isReadingBody)
                    return
                }
                request = next
            } catch {
                log.warning("bad-request", ["peer": connection.peer.description, "status": String(error.status), "error": error.description])
                ServerMetrics.shared.httpRequest(listener: log.component, path: "", status: error.status, seconds: 0)
                respond(HTTPResponse.error(error.status, error.description), keepAlive: false, includeBody: true)
                return
            }
            let started = DispatchTime.now().uptimeNanoseconds
            deadlines.answering(at: started)
            let context = RequestContext(peer: connection.peer, local: connection.local)
            let response = handler(request, context)
            let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1_000_000
            logAccess(request, response, milliseconds: milliseconds)
            ServerMetrics.shared.httpRequest(listener: log.component, path: request.path, status: response.status, seconds: milliseconds / 1000)
            respond(response, keepAlive: request.keepAlive, includeBody: request.method != "HEAD")
        }
    }

    private func respond(_ response: HTTPResponse, keepAlive: Bool, includeBody: Bool) {
        dispatchPrecondition(condition: .onQueue(connection.queue))
        writing = true
        closing = !keepAlive
        let finished: () -> Void = { [self] in
            writing = false
            if closing {
                connection.close()
                return
            }
            // Idleness counts from the end of the answer: a handler that ran longer than the
            // timeout (a Proxmox operation) must not have its keep-alive connection cut at once.
            deadlines.activity(at: DispatchTime.now().uptimeNanoseconds)
            connection.resumeReading()
            answerPending()
            rearmTimer()
        }
        if let file = response.file {
            connection.send(response.encodeHead(keepAlive: keepAlive))
            if includeBody {
                connection.sendFile(file.descriptor, offset: file.offset, length: file.length, completion: finished)
            } else {
                close(file.descriptor)
                connection.send([], completion: finished)
            }
        } else {
            connection.send(response.encode(keepAlive: keepAlive, includeBody: includeBody), completion: finished)
        }
        // Reading pauses only while an answer is still being written (the kernel did not take it
        // all at once), so a client cannot make us buffer without bound. Most answers are taken at
        // once: pausing and resuming the read source for them woke Dispatch's manager thread
        // twice a request (perf, bench/http.sh).
        if writing { connection.pauseReading() }
    }

    private func logAccess(_ request: HTTPRequest, _ response: HTTPResponse, milliseconds: Double) {
        // Its fields cost more to build than a cached answer: not when the line is not written.
        guard log.writes(.info) else { return }
        let rounded = (milliseconds * 100).rounded() / 100
        let mac = response.subjectMAC ?? "-"
        log.info("request", [
            "peer": connection.peer.description, "method": request.method, "path": request.path,
            "status": String(response.status), "bytes": String(response.bodyLength), "ms": String(rounded), "mac": mac,
        ])
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
