"""The contract's JSON error body also for what the HTTP servers refuse before the app
sees a request: a request line too long (414), headers too large, a malformed request.

gunicorn (the cloud), eventlet's WSGI server and werkzeug's (the edge) each answer these
themselves, in HTML or with an empty body. Each gets a small adapter here that writes
`{"error", "message", "field", "code"}` instead; the status codes stay the servers' own.
"""
from __future__ import annotations

import json

from sync.web.errors import error_body

CODES = {400: "INVALID_REQUEST", 413: "PAYLOAD_TOO_LARGE", 414: "URI_TOO_LONG", 431: "HEADERS_TOO_LARGE",
         500: "SERVER_ERROR", 501: "NOT_IMPLEMENTED"}
NAMES = {414: "URITooLong", 431: "HeadersTooLarge", 501: "NotImplemented"}


def json_error(status: int, message: str) -> bytes:
    body = error_body(status, message, CODES.get(status))
    if status in NAMES:
        body["error"] = NAMES[status]
    return json.dumps(body).encode("utf-8")


def http_response(status: int, reason: str, message: str, version: str = "HTTP/1.1") -> bytes:
    """A whole `Connection: close` response with the JSON error body."""
    body = json_error(status, message)
    head = (f"{version} {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


# --- gunicorn (pos cloud run) ---------------------------------------------------------------

def use_json_errors_in_gunicorn() -> None:
    """gunicorn's workers call `gunicorn.util.write_error` for requests they refuse."""
    from gunicorn import util

    def write_error(sock, status_int, reason, mesg):
        util.write_nonblock(sock, http_response(int(status_int), reason, mesg or reason))

    util.write_error = write_error


# --- eventlet (pos edge run, default) ---------------------------------------------------------

def eventlet_protocol():
    """An `eventlet.wsgi.HttpProtocol` whose early refusals (414, header lines or headers
    too large, a bad Content-Length) carry the JSON body; pass it as `protocol=`."""
    from eventlet import wsgi

    refusals = {
        wsgi.RESPONSE_414: http_response(414, "Request URI Too Long", "The request URL is too long", "HTTP/1.0"),
        b"HTTP/1.0 400 Header Line Too Long\r\nConnection: close\r\nContent-length: 0\r\n\r\n":
            http_response(400, "Header Line Too Long", "A request header line is too long", "HTTP/1.0"),
        b"HTTP/1.0 400 Headers Too Large\r\nConnection: close\r\nContent-length: 0\r\n\r\n":
            http_response(400, "Headers Too Large", "The request headers are too large", "HTTP/1.0"),
        b"HTTP/1.0 400 Bad Request\r\nConnection: close\r\nContent-length: 0\r\n\r\n":
            http_response(400, "Bad Request", "The request is malformed", "HTTP/1.0"),
    }
    longest = max(map(len, refusals))

    class Translating:
        """The connection's writer, with the server's own bare refusals swapped."""

        def __init__(self, raw):
            self._raw = raw

        def write(self, data):
            if type(data) is bytes and len(data) <= longest and data.startswith(b"HTTP/1.0 4"):
                data = refusals.get(data, data)
            return self._raw.write(data)

        def __getattr__(self, name):
            return getattr(self._raw, name)

    class JSONErrorProtocol(wsgi.HttpProtocol):
        def handle_one_request(self):
            raw = self.wfile
            self.wfile = Translating(raw)
            try:
                return super().handle_one_request()
            finally:
                self.wfile = raw

    return JSONErrorProtocol


# --- werkzeug (pos edge run --async-mode threading) -------------------------------------------

def werkzeug_request_handler():
    """werkzeug's request handler with `send_error` (http.server's HTML page) in JSON."""
    from werkzeug.serving import WSGIRequestHandler

    class JSONErrorRequestHandler(WSGIRequestHandler):
        def send_error(self, code, message=None, explain=None):
            try:
                short, _ = self.responses[code]
            except KeyError:
                short = "Error"
            body = json_error(code, message or short)
            self.log_error("code %d, message %s", code, message or short)
            self.send_response(code, short)
            self.send_header("Connection", "close")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)

    return JSONErrorRequestHandler
