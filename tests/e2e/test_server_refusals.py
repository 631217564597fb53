"""What the HTTP servers refuse before the apps see a request (a request line or a header
too long) still answers in the contract's JSON error body: gunicorn in front of the
cloud, eventlet's server in front of the edge, werkzeug's in the edge's threading mode."""
import json
import socket
import threading

import pytest
from werkzeug.serving import make_server

from sync.web.server_errors import werkzeug_request_handler
from tests.support.ports import free_port


def exchange(port: int, request: bytes) -> tuple[int, dict]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert b"content-type: application/json" in head.lower(), head
    return status, json.loads(body)


LONG_LINE = b"GET /api/health/?q=" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
LONG_HEADER = b"GET /api/health/ HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n"


@pytest.mark.parametrize("side", ["cloud", "edge"])
def test_a_request_line_too_long_is_a_json_414(outlet, side):
    cloud, edge = outlet
    status, body = exchange((cloud if side == "cloud" else edge).port, LONG_LINE)
    assert status == 414 and body["code"] == "URI_TOO_LONG" and {"error", "message", "field"} <= set(body)


@pytest.mark.parametrize("side", ["cloud", "edge"])
def test_headers_too_large_are_a_json_error(outlet, side):
    cloud, edge = outlet
    status, body = exchange((cloud if side == "cloud" else edge).port, LONG_HEADER)
    assert status in (400, 431) and body["code"] in ("INVALID_REQUEST", "HEADERS_TOO_LARGE")


def test_werkzeugs_refusals_are_json_too():
    server = make_server("127.0.0.1", free_port(), lambda environ, start: [],
                         request_handler=werkzeug_request_handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        status, body = exchange(server.port, LONG_LINE)
        assert status == 414 and body["code"] == "URI_TOO_LONG"
        many = b"".join(b"X-%d: 1\r\n" % n for n in range(120))
        status, body = exchange(server.port, b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
        assert status == 431 and body["code"] == "HEADERS_TOO_LARGE"
    finally:
        server.shutdown()
