"""A merchant's webhook endpoint on a loopback port, for tests of gateway webhooks.

Records every POST (path, headers, raw body, arrival time) and answers with the status
the test sets (`fail_next` non-2xx answers first, to exercise the sender's retries).
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.ports import free_port


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    at: float

    def json(self) -> dict:
        return json.loads(self.body)


class WebhookReceiver:
    def __init__(self):
        self.port = free_port()
        self.received: list[Received] = []
        self.fail_next = 0
        self.fail_status = 503
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.received.append(Received(self.path, dict(self.headers), body, time.monotonic()))
                    status = receiver.fail_status if receiver.fail_next > 0 else 200
                    receiver.fail_next = max(0, receiver.fail_next - 1)
                    receiver._arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 10.0, match=None) -> list[Received]:
        """The first `count` requests (that `match`, if given), waiting up to `timeout` s."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                found = [item for item in self.received if match is None or match(item)]
                if len(found) >= count:
                    return found[:count]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(found)} of {count} webhooks arrived within {timeout} s")
                self._arrived.wait(remaining)

    def settle(self, seconds: float) -> list[Received]:
        """Everything received after waiting `seconds` more (for 'nothing else arrives' checks)."""
        time.sleep(seconds)
        with self._lock:
            return list(self.received)
