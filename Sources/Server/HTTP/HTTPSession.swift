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
    private let idleTimer: DispatchSourceTimer
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
        idleTimer = DispatchSource.makeTimerSource(queue: connection.queue)
    }

    func start(onClose: @escaping () -> Void) {
        // Strong captures: the session lives while its connection is open. Closing the connection
        // drops its handlers, and the timer's is dropped here.
        idleTimer.setEventHandler { [self] in idleTimeout() }
        rearmIdleTimer()
        idleTimer.resume()
        connection.start(
            onData: { [self] bytes in
                parser.append(bytes)
                rearmIdleTimer()
                answerPending()
            },
            onClose: { [self] in
                idleTimer.setEventHandler(handler: nil)
                idleTimer.cancel()
                onClose()
            })
    }

    private func rearmIdleTimer() {
        idleTimer.schedule(deadline: .now() + options.idleTimeout)
    }

    private func idleTimeout() {
        dispatchPrecondition(condition: .onQueue(connection.queue))
        // A large response to a slow reader is not idleness, as long as it moves.
        if writing, connection.bytesSent != bytesSentAtLastCheck {
            bytesSentAtLastCheck = connection.bytesSent
            rearmIdleTimer()
            return
        }
        if parser.bufferedByteCount > 0 && !writing {
            // RFC 9110 §15.5.9: tell a client that stalled mid-request why it is cut off.
            respond(HTTPResponse.error(408, "request not completed within \(Int(options.idleTimeout)) s"), keepAlive: false, includeBody: true)
        } else {
            connection.close()
        }
    }

    /// Answers every complete request buffered, one after another.
    private func answerPending() {
        dispatchPrecondition(condition: .onQueue(connection.queue))
        while !writing && !closing {
            let request: HTTPRequest
            do {
                guard let next = try parser.nextRequest() else { return }
                request = next
            } catch {
                log.warning("bad-request", ["peer": connection.peer.description, "status": String(error.status), "error": error.description])
                ServerMetrics.shared.httpRequest(listener: log.component, path: "", status: error.status, seconds: 0)
                respond(HTTPResponse.error(error.status, error.description), keepAlive: false, includeBody: true)
                return
            }
            let started = DispatchTime.now().uptimeNanoseconds
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
        connection.pauseReading()
        let finished: () -> Void = { [self] in
            writing = false
            if closing {
                connection.close()
                return
            }
            // Idleness counts from the end of the answer: a handler that ran longer than the
            // timeout (a Proxmox operation) must not have its keep-alive connection cut at once.
            // Rescheduling also drops a timer fire still pending from while the handler ran.
            rearmIdleTimer()
            connection.resumeReading()
            answerPending()
        }
        guard let file = response.file else {
            connection.send(response.encode(keepAlive: keepAlive, includeBody: includeBody), completion: finished)
            return
        }
        connection.send(response.encodeHead(keepAlive: keepAlive))
        if includeBody {
            connection.sendFile(file.descriptor, offset: file.offset, length: file.length, completion: finished)
        } else {
            close(file.descriptor)
            connection.send([], completion: finished)
        }
    }

    private func logAccess(_ request: HTTPRequest, _ response: HTTPResponse, milliseconds: Double) {
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
