"""The fault-injecting proxy the sync tests put between edge and cloud does what it says.

A tiny real HTTP/1.1 server (counting what it processed, before it answers) sits behind
the proxy, and a ``requests`` session is the client, as the edge's sync relay will be.
"""

import contextlib
import hashlib
import os
import random
import socket
import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.support.tcp_proxy import TcpProxy

REPO = Path(__file__).resolve().parents[2]


def _pattern(n: int) -> bytes:
    block = hashlib.sha256(b"pos").digest() * 2048  # 64 KiB
    return (block * (n // len(block) + 1))[:n]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output clean
        pass

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reply(self, status: int, body: bytes = b"", headers: dict | None = None):
        self.send_response(status)
        self.send_header("X-Server", self.server.name)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        body = self._body()
        # The "commit": recorded before a single byte of the response is written.
        self.server.processed(self.command, url.path, self.headers.get("X-Req-Id"), body)
        if url.path == "/echo":
            self._reply(200, body)
        elif url.path == "/big":
            self._reply(200, _pattern(int(query["n"][0])))
        elif url.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b"alpha-", b"beta-" * 1000, b"gamma"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\nX-Trailer: yes\r\n\r\n")
        elif url.path == "/until-close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until the end of the stream")
            self.close_connection = True
        elif url.path == "/empty":
            self._reply(204)
        else:
            self._reply(200, b"hello from " + self.server.name.encode())

    do_GET = do_POST = do_PUT = do_HEAD = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, name: str):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.name = name
        self.port = self.server_address[1]
        self.requests: list[tuple[str, str, str | None, bytes]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def processed(self, method, path, req_id, body):
        with self._lock:
            self.requests.append((method, path, req_id, body))

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def ids(self) -> list[str]:
        with self._lock:
            return [r[2] for r in self.requests]

    def handle_error(self, request, client_address):
        pass  # the proxy resets connections on purpose; keep the output clean

    def stop(self):
        self.shutdown()
        self.server_close()
        self._thread.join(2)


@pytest.fixture
def make_server():
    servers = []

    def make(name: str = "cloud-a") -> _Server:
        servers.append(_Server(name))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def server(make_server):
    return make_server("cloud-a")


@pytest.fixture
def proxy(server):
    with TcpProxy(server.port) as proxy:
        yield proxy


@pytest.fixture
def client():
    session = requests.Session()
    session.trust_env = False  # never route loopback through an environment proxy
    yield session
    session.close()


def _eventually(predicate, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _proxy_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("tcp-proxy-")]


# ----------------------------------------------------------------------------- pass


def test_listens_on_loopback_and_reports_its_url(proxy, server):
    assert proxy.host == "127.0.0.1" and proxy.port > 0
    assert proxy.url == f"http://127.0.0.1:{proxy.port}"
    assert proxy.target == ("127.0.0.1", server.port)
    assert proxy.mode == "pass"


def test_pass_forwards_bodies_intact_over_one_keep_alive_connection(proxy, server, client):
    small = client.get(proxy.url + "/hello", timeout=5)
    upload = os.urandom(2 * 1024 * 1024 + 17)
    echoed = client.post(proxy.url + "/echo", data=upload, timeout=10)
    big = client.get(proxy.url + "/big", params={"n": 3 * 1024 * 1024 + 5}, timeout=10)

    assert small.status_code == 200 and small.content == b"hello from cloud-a"
    assert echoed.content == upload
    assert big.headers["Content-Length"] == str(3 * 1024 * 1024 + 5)
    assert big.content == _pattern(3 * 1024 * 1024 + 5)
    assert server.count == 3
    assert server.requests[1][3] == upload
    assert proxy.connections == 1  # requests' keep-alive survives the proxy
    assert proxy.requests_seen == proxy.requests_forwarded == proxy.responses_completed == 3
    assert proxy.responses_cut == 0
    assert [r.outcome for r in proxy.records()] == ["completed"] * 3


def test_pass_handles_chunked_bodies_both_ways_and_other_framings(proxy, server, client):
    pieces = [b"one-", os.urandom(100_000), b"-three"]
    chunked_upload = client.post(proxy.url + "/echo", data=iter(pieces), timeout=5)
    chunked_download = client.get(proxy.url + "/chunked", timeout=5)
    head = client.head(proxy.url + "/big", params={"n": 1000}, timeout=5)
    empty = client.get(proxy.url + "/empty", timeout=5)
    after = client.get(proxy.url + "/hello", timeout=5)
    until_close = client.get(proxy.url + "/until-close", timeout=5)

    assert chunked_upload.content == b"".join(pieces)
    assert chunked_download.content == b"alpha-" + b"beta-" * 1000 + b"gamma"
    assert head.status_code == 200 and head.headers["Content-Length"] == "1000" and head.content == b""
    assert empty.status_code == 204
    assert after.content == b"hello from cloud-a"
    assert until_close.content == b"until the end of the stream"
    assert proxy.connections == 1
    assert proxy.stats()["responses_completed"] == 6 == server.count


def test_concurrent_clients(proxy, server):
    errors = []

    def work(n):
        with requests.Session() as session:
            session.trust_env = False
            for i in range(10):
                body = f"{n}-{i}".encode() * 50
                try:
                    assert session.post(proxy.url + "/echo", data=body, timeout=5).content == body
                except (requests.RequestException, AssertionError) as exc:
                    errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert server.count == 80 == proxy.stats()["responses_completed"]


def test_a_malformed_request_gets_400_and_never_reaches_the_server(proxy, server):
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 400 ")
    assert server.count == 0 and proxy.client_errors == 1


# ----------------------------------------------------------------------------- delay


def test_delay_adds_latency_and_a_mode_change_releases_held_responses(proxy, server, client):
    start = time.monotonic()
    client.get(proxy.url + "/hello", timeout=5)
    baseline = time.monotonic() - start

    proxy.delay(0.3)
    assert proxy.mode == "delay"
    start = time.monotonic()
    assert client.get(proxy.url + "/hello", timeout=5).content == b"hello from cloud-a"
    delayed = time.monotonic() - start
    assert 0.3 <= delayed < 0.3 + baseline + 1.0

    # A response held by a long delay is let go as soon as the mode changes.
    proxy.delay(30)
    result = {}

    def slow():
        begin = time.monotonic()
        result["body"] = client.get(proxy.url + "/hello", timeout=10).content
        result["elapsed"] = time.monotonic() - begin

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    assert server.count == 3  # the server already answered; the proxy holds the response
    proxy.passthrough()
    thread.join(5)
    assert result["body"] == b"hello from cloud-a" and result["elapsed"] < 2


def test_delay_lets_the_client_time_out_after_the_server_committed(proxy, server, client):
    proxy.delay(2)
    with pytest.raises(requests.Timeout):
        client.post(proxy.url + "/echo", data=b"sale", timeout=0.4)
    assert server.count == 1


# ----------------------------------------------------------------------------- drop


def test_drop_resets_new_connections_and_new_requests_on_live_ones(proxy, server, client):
    assert client.get(proxy.url + "/hello", timeout=5).ok  # a live keep-alive connection
    proxy.drop()

    with pytest.raises(requests.ConnectionError):
        client.get(proxy.url + "/hello", timeout=5)  # on the kept-alive connection
    with requests.Session() as fresh:
        fresh.trust_env = False
        with pytest.raises(requests.ConnectionError):
            fresh.post(proxy.url + "/echo", data=b"sale", timeout=5)  # a new connection
    assert server.count == 1  # neither reached the server
    stats = proxy.stats()
    assert stats["requests_dropped"] == 1 and stats["connections_dropped"] >= 1

    proxy.passthrough()
    assert client.get(proxy.url + "/hello", timeout=5).ok
    assert server.count == 2


# ----------------------------------------------------------------------------- cutting responses


def test_reset_mid_response_errors_the_client_although_the_server_committed(proxy, server, client):
    proxy.reset_mid_response()
    with pytest.raises(requests.ConnectionError):
        client.post(proxy.url + "/echo", data=b"sale-1", headers={"X-Req-Id": "sale-1"}, timeout=5)
    assert server.ids() == ["sale-1"]  # the cloud processed it
    stats = proxy.stats()
    assert stats["requests_forwarded"] == 1 and stats["responses_cut"] == 1
    assert stats["responses_completed"] == 0
    assert proxy.records()[0].outcome == "cut"

    # Cutting inside the body: requests fails while reading the content.
    proxy.reset_mid_response(cut_after=200)
    with pytest.raises(requests.RequestException):
        client.get(proxy.url + "/big", params={"n": 100_000}, timeout=5)
    assert server.count == 2

    # The retry after a cut reaches the server again (the server must deduplicate).
    proxy.passthrough()
    retry = client.post(proxy.url + "/echo", data=b"sale-1", headers={"X-Req-Id": "sale-1"}, timeout=5)
    assert retry.content == b"sale-1"
    assert server.ids() == ["sale-1", None, "sale-1"]


def test_cut_raw_bytes_are_a_strict_prefix_then_a_reset(proxy, server):
    proxy.reset_mid_response(cut_after=30)
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as sock:
        sock.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        with pytest.raises(ConnectionResetError):
            while True:
                data = sock.recv(4096)
                if not data:
                    break
                received += data
    assert received == b"HTTP/1.1 200 OK\r\nServer: BaseH"  # exactly 30 bytes, then RST
    assert server.count == 1


def _push_100(url: str, prefix: str) -> list[int]:
    failed = []
    with requests.Session() as session:
        session.trust_env = False
        for i in range(100):
            try:
                response = session.post(
                    url + "/echo",
                    data=f"{prefix}-{i}".encode(),
                    headers={"X-Req-Id": f"{prefix}-{i}"},
                    timeout=5,
                )
                assert response.content == f"{prefix}-{i}".encode()
            except requests.ConnectionError:
                failed.append(i)
    return failed


def test_drop_response_ratio_cuts_a_deterministic_30_percent_after_the_server_committed(server):
    runs = []
    for run in ("a", "b"):
        with TcpProxy(server.port) as proxy:
            proxy.drop_response_ratio(0.3, seed=1234)
            failed = _push_100(proxy.url, run)
            stats = proxy.stats()
        assert stats["responses_cut"] == len(failed)
        assert stats["responses_completed"] == 100 - len(failed)
        assert stats["requests_forwarded"] == 100
        runs.append(failed)

    rng = random.Random(1234)
    expected = [i for i in range(100) if rng.random() < 0.3]
    assert runs[0] == runs[1] == expected  # same seed, same cuts
    assert 20 <= len(expected) <= 40
    # The server processed every push exactly once, cut or not.
    assert sorted(server.ids()) == sorted(f"{run}-{i}" for run in "ab" for i in range(100))


def test_drop_response_ratio_can_target_some_requests_only(proxy, server, client):
    proxy.drop_response_ratio(1.0, seed=1, match=r"^POST /echo")
    assert client.get(proxy.url + "/hello", timeout=5).ok
    with pytest.raises(requests.ConnectionError):
        client.post(proxy.url + "/echo", data=b"push", timeout=5)
    proxy.reset_mid_response(match=lambda method, target: target.startswith("/big"))
    assert client.post(proxy.url + "/echo", data=b"push", timeout=5).content == b"push"
    with pytest.raises(requests.ConnectionError):
        client.get(proxy.url + "/big?n=10", timeout=5)
    assert server.count == 4
    assert [r.outcome for r in proxy.records()] == ["completed", "cut", "completed", "cut"]


# ----------------------------------------------------------------------------- blackhole


def test_blackhole_makes_the_client_time_out_and_nothing_reaches_the_server(proxy, server, client):
    assert client.get(proxy.url + "/hello", timeout=5).ok
    proxy.blackhole()
    with pytest.raises(requests.Timeout):
        client.post(proxy.url + "/echo", data=b"sale", timeout=0.5)  # live connection
    with requests.Session() as fresh:
        fresh.trust_env = False
        with pytest.raises(requests.Timeout):
            fresh.get(proxy.url + "/hello", timeout=0.5)  # new connection
    assert server.count == 1
    assert proxy.stats()["requests_blackholed"] == 1

    proxy.passthrough()
    assert client.get(proxy.url + "/hello", timeout=5).ok


# ----------------------------------------------------------------------------- refuse / resume


def test_refuse_refuses_connects_and_resume_listens_on_the_same_port(proxy, server, client):
    port = proxy.port
    assert client.get(proxy.url + "/hello", timeout=5).ok
    proxy.refuse()
    assert proxy.mode == "refuse"

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    with pytest.raises(requests.ConnectionError):
        client.get(proxy.url + "/hello", timeout=2)  # the kept-alive connection was reset too
    assert proxy.active_connections == 0

    proxy.resume()
    assert proxy.port == port and proxy.mode == "pass"
    assert client.get(f"http://127.0.0.1:{port}/hello", timeout=5).content == b"hello from cloud-a"
    assert server.count == 2


def test_refuse_can_spare_live_connections(proxy, server, client):
    assert client.get(proxy.url + "/hello", timeout=5).ok
    proxy.refuse(kill_existing=False)
    assert client.get(proxy.url + "/hello", timeout=5).ok  # still on the old connection
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=2).close()
    proxy.drop()  # any other mode listens again
    with pytest.raises(requests.ConnectionError):
        client.get(proxy.url + "/hello", timeout=2)
    with contextlib.suppress(ConnectionResetError):  # listening again: accepted (then reset by "drop"), not refused
        socket.create_connection(("127.0.0.1", proxy.port), timeout=2).close()
    assert _eventually(lambda: proxy.connections_dropped >= 1)


# ----------------------------------------------------------------------------- retarget


def test_retarget_switches_to_a_restarted_cloud_on_a_new_port(make_server, client):
    first = make_server("cloud-a")
    with TcpProxy(first.port) as proxy:
        assert client.get(proxy.url + "/hello", timeout=5).content == b"hello from cloud-a"
        first.stop()  # the cloud goes down...
        with pytest.raises(requests.ConnectionError):
            client.get(proxy.url + "/hello", timeout=5)
        assert proxy.stats()["upstream_errors"] == 1
        assert proxy.records()[-1].outcome == "upstream_error"

        second = make_server("cloud-b")  # ...and comes back on another port
        proxy.retarget(second.port)
        assert proxy.target == ("127.0.0.1", second.port)
        assert client.get(proxy.url + "/hello", timeout=5).content == b"hello from cloud-b"

        third = make_server("cloud-c")  # a live keep-alive connection follows a retarget
        proxy.retarget(third.port)
        assert client.get(proxy.url + "/hello", timeout=5).content == b"hello from cloud-c"
        assert client.get(proxy.url + "/hello", timeout=5).content == b"hello from cloud-c"
        assert second.count == 1 and third.count == 2


# ----------------------------------------------------------------------------- life cycle


def test_close_is_quick_and_leaks_no_thread_or_socket(server):
    fd_dir = Path("/proc/self/fd")
    fds_before = len(list(fd_dir.iterdir())) if fd_dir.exists() else None
    threads_before = set(threading.enumerate())

    proxy = TcpProxy(server.port)
    outcomes = []

    def hang(path):
        with requests.Session() as session:
            session.trust_env = False
            try:
                session.get(proxy.url + path, timeout=10)
                outcomes.append("ok")
            except requests.RequestException as exc:
                outcomes.append(type(exc).__name__)

    clients = []
    proxy.blackhole()
    clients.append(threading.Thread(target=hang, args=("/hello",)))
    clients[-1].start()
    time.sleep(0.2)
    proxy.delay(30)
    for _ in range(3):
        clients.append(threading.Thread(target=hang, args=("/big?n=100000",)))
        clients[-1].start()
    deadline = time.monotonic() + 5
    while server.count < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proxy.active_connections == 4

    start = time.monotonic()
    proxy.close()
    assert time.monotonic() - start < 1.0
    proxy.close()  # idempotent
    for thread in clients:
        thread.join(5)
    assert outcomes and "ok" not in outcomes and len(outcomes) == 4
    assert _proxy_threads() == []
    # The test server's handler threads end once they notice the proxy reset them.
    assert _eventually(lambda: not (set(threading.enumerate()) - threads_before))
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=2).close()
    with pytest.raises(RuntimeError):
        proxy.drop()
    if fds_before is not None:
        assert len(list(fd_dir.iterdir())) <= fds_before


def test_works_in_a_process_monkey_patched_by_eventlet(server):
    script = textwrap.dedent(
        f"""
        import eventlet
        eventlet.monkey_patch()
        import requests
        from tests.support.tcp_proxy import TcpProxy

        with TcpProxy({server.port}) as proxy, requests.Session() as session:
            session.trust_env = False
            assert session.get(proxy.url + "/big?n=300000", timeout=5).content.__len__() == 300000
            proxy.reset_mid_response()
            try:
                session.post(proxy.url + "/echo", data=b"x", timeout=5)
                raise SystemExit("no error")
            except requests.ConnectionError:
                pass
            proxy.reset_mid_response(cut_after=1000)  # inside the body
            try:
                session.get(proxy.url + "/big?n=300000", timeout=5)
                raise SystemExit("no error in body")
            except requests.RequestException:
                pass
            proxy.blackhole()
            try:
                session.get(proxy.url + "/hello", timeout=0.3)
                raise SystemExit("no timeout")
            except requests.Timeout:
                pass
            proxy.refuse()
            proxy.resume()
            assert session.get(proxy.url + "/hello", timeout=5).ok
        print("OK")
        """
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip() == "OK", done.stderr
    assert server.count == 4
