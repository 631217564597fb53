"""A fault-injecting HTTP/1.1-aware TCP proxy for the edge <-> cloud link in tests.

The proxy sits on loopback between the edge's ``requests`` client and the cloud's HTTP
server, and lets a test break the link in the ways real networks break, so the sync
tests can prove that no sale is lost or applied twice::

    with TcpProxy(cloud_port) as proxy:           # listens on 127.0.0.1:proxy.port
        edge_config["CLOUD_URL"] = proxy.url       # "http://127.0.0.1:PORT"
        proxy.drop_response_ratio(0.3, seed=7, match=r"^POST /api/v1/sync/push")
        ...                                        # cloud commits, edge sees errors
        proxy.passthrough()
        assert proxy.responses_cut == ...

It runs on plain ``threading`` + ``socket`` + ``select`` (daemon threads, non-blocking
sockets), so the caller needs no event loop, and it behaves the same whether or not the
process monkey-patched eventlet.

Modes (one at a time; change them whenever you like, also while connections are live):

``passthrough()``  -- the default, "pass": forward both ways.
``delay(seconds)`` -- forward, but hold every response ``seconds`` before its first byte
    goes to the client (the server has already processed the request). Changing the mode
    releases responses that are being held.
``drop()`` -- new connections are accepted and reset at once; a new request on a live
    keep-alive connection is not forwarded and its connection is reset. The server never
    sees the request; the client gets ``requests.ConnectionError``.
``reset_mid_response(cut_after=None, match=None)`` -- forward the request, read the
    upstream's WHOLE response (so the server has processed and committed it), then send
    the client only the first part of it and reset the connection (SO_LINGER 0 -> RST).
    By default the client gets only the start of the status line (``HTTP/1.1 2``), so
    ``requests`` raises ``ConnectionError``; ``cut_after=n`` sends exactly ``n`` bytes
    instead (clamped so at least one byte is always missing; a cut inside a body framed
    by Content-Length or chunked coding makes ``requests`` raise ``ChunkedEncodingError``).
    Beware cutting inside the headers: under eventlet's monkey-patching a RST reads as
    a clean EOF, and http.client then takes the headers it got as a complete response.
``drop_response_ratio(p, seed=0, cut_after=None, match=None)`` -- as
    ``reset_mid_response`` for a fraction ``p`` of requests, chosen by
    ``random.Random(seed)`` drawn once per matching request in arrival order (so a
    sequential client gets the same cuts every run); the other requests pass.
``blackhole()`` -- new connections are accepted and read, but nothing is forwarded or
    answered; a new request on a live connection turns that connection into a black hole
    too. A black-holed connection stays one until the client gives up (timeout) or the
    proxy resets it.
``refuse(kill_existing=True)`` -- stop listening, so connects get ECONNREFUSED; by
    default also reset live connections (the host went away). ``resume()`` listens again
    on the SAME port and returns to "pass". Setting any other mode also listens again.

``match`` (for the two cutting modes) limits the fault to some requests: ``None`` for
all, a callable ``(method, target) -> bool``, or a regular expression searched in
``"METHOD target"`` (e.g. ``r"^POST /api/v1/sync/push"``). Non-matching requests pass.

Per-request modes are decided when a request's head has been read, so they apply to new
requests on kept-alive connections as well as to new connections.

HTTP handling: the client side keeps HTTP/1.1 keep-alive (a ``requests.Session`` keeps
its connection). Requests are framed by Content-Length or chunked transfer coding and
forwarded byte for byte; every request goes upstream on a FRESH upstream connection that
is closed after its response (framed by Content-Length, chunked, or end of stream; HEAD,
1xx, 204 and 304 have no body). ``retarget(port)`` therefore applies from the next
request on, live client connections included. If the upstream cannot be reached or dies
mid-response, the client connection is reset (counted in ``upstream_errors``). Not
supported: ``Expect: 100-continue`` request bodies (``requests`` never sends it),
protocol upgrades (101) and CONNECT.

Counters (exact when the client sees the outcome: a counter is bumped before the last
byte, or the reset, reaches the client): ``connections``, ``connections_dropped``,
``connections_blackholed``, ``requests_seen``, ``requests_forwarded``,
``requests_dropped``, ``requests_blackholed``, ``responses_completed``, ``responses_cut``,
``upstream_errors``, ``client_errors``; all of them at once from ``stats()``, zeroed by
``reset_stats()``. ``records()`` lists one ``RequestRecord`` per request seen, with its
outcome ("completed", "cut", "dropped", "blackholed", "upstream_error", "client_gone",
or None while in flight).

``close()`` (or leaving the ``with`` block) resets every connection and joins every
thread within about a second; it is idempotent.
"""

from __future__ import annotations

import contextlib
import errno
import random
import re
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Self

__all__ = ["RequestRecord", "TcpProxy"]

Match = str | Callable[[str, str], bool] | None

_POLL_INTERVAL = 0.05  # seconds between checks of the stop/abort flags
_MAX_HEAD = 64 * 1024
_IO_CHUNK = 64 * 1024
_COUNTERS = (
    "connections",
    "connections_dropped",
    "connections_blackholed",
    "requests_seen",
    "requests_forwarded",
    "requests_dropped",
    "requests_blackholed",
    "responses_completed",
    "responses_cut",
    "upstream_errors",
    "client_errors",
)


@dataclass
class RequestRecord:
    """One HTTP request the proxy read from a client."""

    index: int  # 1-based, in arrival order, over the proxy's life (not reset by reset_stats)
    connection: int  # 1-based id of the client connection it came on
    method: str
    target: str
    mode: str  # the mode in force when it was decided
    outcome: str | None = None


@dataclass(frozen=True)
class _Mode:
    name: str
    seconds: float = 0.0
    p: float = 0.0
    cut_after: int | None = None
    match: Match = None


class _Abort(Exception):
    """The proxy is closing or this connection was told to die: reset it."""


class _PeerGone(Exception):
    """A socket failed or hit end of stream where more was needed."""

    def __init__(self, side: str):
        super().__init__(side)
        self.side = side


class _BadMessage(Exception):
    """Unparseable HTTP framing."""

    def __init__(self, side: str):
        super().__init__(side)
        self.side = side


class _Conn:
    def __init__(self, ident: int, client: socket.socket, blackholed: bool):
        self.id = ident
        self.client = client
        self.upstream: socket.socket | None = None
        self.blackholed = blackholed
        self.abort = False
        self.record: RequestRecord | None = None
        self.thread: threading.Thread | None = None


class _Held:
    """Sends everything written to it, always holding back the last piece until flush()."""

    def __init__(self, send: Callable[[bytes], None]):
        self._send = send
        self._held: bytes | None = None

    def write(self, data: bytes) -> None:
        if not data:
            return
        if self._held is not None:
            self._send(self._held)
        self._held = bytes(data)

    def flush(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            self._send(held)


class _Buffer:
    """Collects everything written to it (for responses that will be cut)."""

    def __init__(self):
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data

    def flush(self) -> None:
        pass


class _Reader:
    """Buffered reads from one non-blocking socket, through the proxy's interruptible waits."""

    def __init__(self, proxy: TcpProxy, conn: _Conn, sock: socket.socket, side: str):
        self._proxy = proxy
        self._conn = conn
        self._sock = sock
        self.side = side
        self.buf = bytearray()

    def _fill(self) -> bool:
        data = self._proxy._recv(self._conn, self._sock, self.side)
        if not data:
            return False
        self.buf += data
        return True

    def read_head(self, allow_eof: bool = False) -> bytes | None:
        """Bytes up to and including the blank line; None on a clean EOF if allowed."""
        while True:
            while self.buf[:2] == b"\r\n":  # stray CRLFs between messages
                del self.buf[:2]
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                head = bytes(self.buf[: end + 4])
                del self.buf[: end + 4]
                return head
            if len(self.buf) > _MAX_HEAD:
                raise _BadMessage(self.side)
            if not self._fill():
                if allow_eof and not self.buf:
                    return None
                raise _PeerGone(self.side)

    def read_line(self) -> bytes:
        while True:
            end = self.buf.find(b"\n")
            if end >= 0:
                line = bytes(self.buf[: end + 1])
                del self.buf[: end + 1]
                return line
            if len(self.buf) > _MAX_HEAD:
                raise _BadMessage(self.side)
            if not self._fill():
                raise _PeerGone(self.side)

    def read_some(self, limit: int) -> bytes:
        """Up to ``limit`` bytes, b"" at end of stream."""
        if not self.buf and not self._fill():
            return b""
        out = bytes(self.buf[:limit])
        del self.buf[:limit]
        return out


# ----------------------------------------------------------------------------- HTTP parsing


def _parse_head(head: bytes, side: str) -> tuple[list[str], dict[str, list[str]]]:
    try:
        text = head.decode("latin-1")
    except UnicodeDecodeError as cause:  # pragma: no cover - latin-1 decodes everything
        raise _BadMessage(side) from cause
    lines = text.split("\r\n")
    start = lines[0].split(" ", 2)
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise _BadMessage(side)
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return start, headers


def _tokens(headers: dict[str, list[str]], name: str) -> list[str]:
    return [t.strip().lower() for v in headers.get(name, []) for t in v.split(",") if t.strip()]


def _body_framing(headers: dict[str, list[str]], side: str, default: str) -> tuple[str, int]:
    te = _tokens(headers, "transfer-encoding")
    if te:
        if te[-1] == "chunked":
            return ("chunked", 0)
        if side == "client":
            raise _BadMessage(side)
        return ("close", 0)
    lengths = {v.strip() for v in headers.get("content-length", [])}
    if lengths:
        if len(lengths) != 1:
            raise _BadMessage(side)
        try:
            length = int(lengths.pop())
        except ValueError as cause:
            raise _BadMessage(side) from cause
        if length < 0:
            raise _BadMessage(side)
        return ("length", length)
    return (default, 0)


def _wants_close(version: str, headers: dict[str, list[str]]) -> bool:
    tokens = _tokens(headers, "connection")
    if version.upper() == "HTTP/1.0":
        return "keep-alive" not in tokens
    return "close" in tokens


@dataclass
class _Request:
    method: str
    target: str
    version: str
    headers: dict[str, list[str]]
    framing: tuple[str, int]


def _parse_request(head: bytes) -> _Request:
    start, headers = _parse_head(head, "client")
    if len(start) != 3 or not start[2].upper().startswith("HTTP/"):
        raise _BadMessage("client")
    method, target, version = start
    return _Request(method.upper(), target, version, headers, _body_framing(headers, "client", "none"))


def _matches(match: Match, method: str, target: str) -> bool:
    if match is None:
        return True
    if callable(match):
        return bool(match(method, target))
    return re.search(match, f"{method} {target}") is not None


def _rst(sock: socket.socket | None) -> None:
    """Close with RST instead of FIN."""
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


def _graceful_close(sock: socket.socket | None) -> None:
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)
    with contextlib.suppress(OSError):
        sock.close()


# ----------------------------------------------------------------------------- the proxy


class TcpProxy:
    """Fault-injecting proxy from 127.0.0.1:``port`` to ``target_host``:``target_port``.

    Starts listening (on ``listen_port``, 0 = a free one) as soon as it is constructed
    unless ``start=False``; then call ``start()`` or enter it as a context manager.
    """

    def __init__(
        self,
        target_port: int,
        target_host: str = "127.0.0.1",
        *,
        listen_host: str = "127.0.0.1",
        listen_port: int = 0,
        connect_timeout: float = 5.0,
        start: bool = True,
    ):
        self._target = (target_host, int(target_port))
        self._listen_host = listen_host
        self._port = int(listen_port)
        self._connect_timeout = connect_timeout

        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._control = threading.RLock()  # serializes start/refuse/resume/close
        self._mode = _Mode("pass")
        self._rng = random.Random(0)
        self._stats = dict.fromkeys(_COUNTERS, 0)
        self._records: list[RequestRecord] = []
        self._request_index = 0
        self._conn_index = 0
        self._conns: dict[int, _Conn] = {}

        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._accept_stop = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._started = False
        self._closing = False
        self._closed = False
        if start:
            try:
                self.start()
            except BaseException:
                self._wake_r.close()
                self._wake_w.close()
                raise

    # ------------------------------------------------------------------ life cycle

    def start(self) -> Self:
        with self._control:
            if self._closed:
                raise RuntimeError("TcpProxy is closed")
            if not self._started:
                self._listen()
                self._started = True
        return self

    def close(self) -> None:
        """Reset every connection, stop every thread (within about a second). Idempotent."""
        with self._control:
            if self._closed:
                return
            self._closed = True
            with self._cond:
                self._closing = True
                self._cond.notify_all()
            with contextlib.suppress(OSError):
                self._wake_w.send(b"x")  # never read: every wait wakes up from now on
            self._unlisten()
            deadline = time.monotonic() + 1.0
            for conn in self._live_conns():
                if conn.thread is not None:
                    conn.thread.join(max(0.0, deadline - time.monotonic()))
            if not any(c.thread is not None and c.thread.is_alive() for c in self._live_conns()):
                self._wake_r.close()
                self._wake_w.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<TcpProxy {self._listen_host}:{self._port} -> {self._target[0]}:{self._target[1]} mode={self.mode}>"

    # ------------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        return self._port

    @property
    def host(self) -> str:
        return self._listen_host

    @property
    def url(self) -> str:
        return f"http://{self._listen_host}:{self._port}"

    @property
    def target(self) -> tuple[str, int]:
        return self._target

    def retarget(self, port: int, host: str | None = None) -> None:
        """Send the next requests (live connections too) to ``host``:``port``."""
        with self._lock:
            self._target = (host or self._target[0], int(port))

    # ------------------------------------------------------------------ modes

    @property
    def mode(self) -> str:
        return self._mode.name

    def passthrough(self) -> None:
        self._set_mode(_Mode("pass"))

    def delay(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        self._set_mode(_Mode("delay", seconds=float(seconds)))

    def drop(self) -> None:
        self._set_mode(_Mode("drop"))

    def blackhole(self) -> None:
        self._set_mode(_Mode("blackhole"))

    def reset_mid_response(self, cut_after: int | None = None, match: Match = None) -> None:
        self._set_mode(_Mode("reset_mid_response", cut_after=cut_after, match=match))

    def drop_response_ratio(
        self, p: float, seed: int = 0, cut_after: int | None = None, match: Match = None
    ) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError("p must be within [0, 1]")
        self._set_mode(_Mode("drop_response_ratio", p=float(p), cut_after=cut_after, match=match), seed=seed)

    def set_mode(self, name: str, *args, **kwargs) -> None:
        """Generic form: ``set_mode("delay", 0.5)``, ``set_mode("pass")``, ..."""
        methods = {
            "pass": self.passthrough,
            "delay": self.delay,
            "drop": self.drop,
            "blackhole": self.blackhole,
            "reset_mid_response": self.reset_mid_response,
            "drop_response_ratio": self.drop_response_ratio,
            "refuse": self.refuse,
        }
        if name not in methods:
            raise ValueError(f"unknown mode {name!r}")
        methods[name](*args, **kwargs)

    def refuse(self, kill_existing: bool = True) -> None:
        """Stop listening (connects are refused); by default also reset live connections."""
        with self._control:
            self._check_open()
            with self._cond:
                self._mode = _Mode("refuse")
                self._cond.notify_all()
            self._unlisten()
        if kill_existing:
            self.abort_connections()

    def resume(self) -> None:
        """Listen again on the same port (if refused) and go back to "pass"."""
        self.passthrough()

    def abort_connections(self, timeout: float = 1.0) -> None:
        """Reset every live client connection (and its upstream); wait until they are gone."""
        conns = self._live_conns()
        for conn in conns:
            conn.abort = True
        with self._cond:
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for conn in conns:
            if conn.thread is not None and conn.thread is not threading.current_thread():
                conn.thread.join(max(0.0, deadline - time.monotonic()))

    def _set_mode(self, mode: _Mode, seed: int | None = None) -> None:
        with self._control:
            self._check_open()
            with self._cond:
                self._mode = mode
                if seed is not None:
                    self._rng = random.Random(seed)
                self._cond.notify_all()
            if self._listener is None and self._started:
                self._listen()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("TcpProxy is closed")

    # ------------------------------------------------------------------ counters

    def stats(self) -> dict[str, int]:
        with self._lock:
            out = dict(self._stats)
            out["active_connections"] = len(self._conns)
            return out

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = dict.fromkeys(_COUNTERS, 0)
            self._records = []

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return [RequestRecord(**vars(r)) for r in self._records]

    def _counter(name: str):
        return property(lambda self: self._read_counter(name), doc=f"Count of {name.replace('_', ' ')}.")

    connections = _counter("connections")
    connections_dropped = _counter("connections_dropped")
    connections_blackholed = _counter("connections_blackholed")
    requests_seen = _counter("requests_seen")
    requests_forwarded = _counter("requests_forwarded")
    requests_dropped = _counter("requests_dropped")
    requests_blackholed = _counter("requests_blackholed")
    responses_completed = _counter("responses_completed")
    responses_cut = _counter("responses_cut")
    upstream_errors = _counter("upstream_errors")
    client_errors = _counter("client_errors")
    del _counter

    def _read_counter(self, name: str) -> int:
        with self._lock:
            return self._stats[name]

    @property
    def active_connections(self) -> int:
        with self._lock:
            return len(self._conns)

    def _count(self, name: str, record: RequestRecord | None = None, outcome: str | None = None) -> None:
        with self._lock:
            self._stats[name] += 1
            if record is not None and record.outcome is None:
                record.outcome = outcome

    def _live_conns(self) -> list[_Conn]:
        with self._lock:
            return list(self._conns.values())

    # ------------------------------------------------------------------ listening

    def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self._listen_host, self._port))
            sock.listen(128)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        self._listener = sock
        self._accept_stop = threading.Event()
        self._acceptor = threading.Thread(
            target=self._accept_loop,
            args=(sock, self._accept_stop),
            name=f"tcp-proxy-accept-{self._port}",
            daemon=True,
        )
        self._acceptor.start()

    def _unlisten(self) -> None:
        if self._acceptor is not None:
            self._accept_stop.set()
            self._acceptor.join(2.0)
            self._acceptor = None
        if self._listener is not None:
            self._listener.close()  # pending, unaccepted connections get a RST
            self._listener = None

    def _accept_loop(self, listener: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set() and not self._closing:
            if not self._ready(listener, write=False, timeout=_POLL_INTERVAL):
                continue
            try:
                client, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                time.sleep(_POLL_INTERVAL)  # e.g. EMFILE; try again
                continue
            self._on_accept(client)

    def _on_accept(self, client: socket.socket) -> None:
        client.setblocking(False)
        with contextlib.suppress(OSError):
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._stats["connections"] += 1
            self._conn_index += 1
            mode = self._mode.name
            if self._closing or mode == "drop":
                self._stats["connections_dropped"] += 1
                conn = None
            else:
                conn = _Conn(self._conn_index, client, blackholed=(mode == "blackhole"))
                if conn.blackholed:
                    self._stats["connections_blackholed"] += 1
                self._conns[conn.id] = conn
        if conn is None:
            _rst(client)
            return
        conn.thread = threading.Thread(
            target=self._handle, args=(conn,), name=f"tcp-proxy-{self._port}-conn-{conn.id}", daemon=True
        )
        conn.thread.start()

    # ------------------------------------------------------------------ socket primitives

    def _ready(self, sock: socket.socket, write: bool, timeout: float) -> bool:
        """Wait up to ``timeout`` for ``sock``; False on timeout or when woken by close()."""
        poll = getattr(select, "poll", None)  # eventlet's monkey-patching removes poll
        if poll is not None:
            poller = poll()
            fd = sock.fileno()
            poller.register(fd, select.POLLOUT if write else select.POLLIN)
            poller.register(self._wake_r.fileno(), select.POLLIN)
            return any(ready_fd == fd for ready_fd, _ in poller.poll(timeout * 1000))
        # select() fallback. eventlet allows only one green thread to wait on a socket,
        # so the shared wake-up socket stays out; the short timeout notices close().
        if write:
            _, writable, _ = select.select([], [sock], [], timeout)
            return bool(writable)
        readable, _, _ = select.select([sock], [], [], timeout)
        return bool(readable)

    def _wait(self, conn: _Conn, sock: socket.socket, write: bool, deadline: float | None = None) -> None:
        while True:
            if self._closing or conn.abort:
                raise _Abort()
            if self._ready(sock, write, _POLL_INTERVAL):
                return
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError()

    def _recv(self, conn: _Conn, sock: socket.socket, side: str) -> bytes:
        while True:
            self._wait(conn, sock, write=False)
            try:
                return sock.recv(_IO_CHUNK)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as cause:
                raise _PeerGone(side) from cause

    def _send(self, conn: _Conn, sock: socket.socket, data: bytes, side: str) -> None:
        view = memoryview(data)
        while view:
            self._wait(conn, sock, write=True)
            try:
                sent = sock.send(view)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as cause:
                raise _PeerGone(side) from cause
            view = view[sent:]

    def _sender(self, conn: _Conn, sock: socket.socket, side: str) -> Callable[[bytes], None]:
        return lambda data: self._send(conn, sock, data, side)

    def _connect_upstream(self, conn: _Conn) -> socket.socket:
        with self._lock:
            host, port = self._target
        try:
            family, type_, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        except OSError as cause:
            raise _PeerGone("upstream") from cause
        sock = socket.socket(family, type_, proto)
        conn.upstream = sock
        sock.setblocking(False)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        err = sock.connect_ex(addr)
        if err not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN, errno.EALREADY):
            raise _PeerGone("upstream")
        try:
            self._wait(conn, sock, write=True, deadline=time.monotonic() + self._connect_timeout)
        except TimeoutError as cause:
            raise _PeerGone("upstream") from cause
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            raise _PeerGone("upstream")
        return sock

    def _close_upstream(self, conn: _Conn, reset: bool = False) -> None:
        sock, conn.upstream = conn.upstream, None
        if sock is None:
            return
        if reset:
            _rst(sock)
        else:
            with contextlib.suppress(OSError):
                sock.close()

    # ------------------------------------------------------------------ per connection

    def _handle(self, conn: _Conn) -> None:
        client_open = True
        try:
            if conn.blackholed:
                self._swallow(conn)
            else:
                self._serve(conn)
            client_open = False  # _serve/_swallow closed it, or the client did
        except _Abort:
            pass
        except _PeerGone as gone:
            if gone.side == "upstream":
                self._count("upstream_errors", conn.record, "upstream_error")
            elif conn.record is not None and conn.record.outcome is None:  # gone mid-exchange
                self._count("client_errors", conn.record, "client_gone")
        except _BadMessage as bad:
            name = "upstream_errors" if bad.side == "upstream" else "client_errors"
            self._count(name, conn.record, "upstream_error" if bad.side == "upstream" else "client_gone")
        except Exception:  # noqa: BLE001 - a bug here must be shown, not hang the test
            import traceback

            traceback.print_exc()
        finally:
            self._close_upstream(conn, reset=True)
            if client_open:
                _rst(conn.client)
            else:
                with contextlib.suppress(OSError):
                    conn.client.close()
            with self._lock:
                self._conns.pop(conn.id, None)

    def _swallow(self, conn: _Conn) -> None:
        """Black hole: read and discard until the client gives up."""
        conn.blackholed = True
        while self._recv(conn, conn.client, "client"):
            pass

    def _decide(self, conn: _Conn, req: _Request) -> tuple[str, _Mode, RequestRecord]:
        with self._lock:
            self._stats["requests_seen"] += 1
            self._request_index += 1
            mode = self._mode
            action = "pass"
            if mode.name == "drop":
                action = "drop"
            elif mode.name == "blackhole":
                action = "blackhole"
            elif mode.name == "reset_mid_response" and _matches(mode.match, req.method, req.target):
                action = "cut"
            elif mode.name == "drop_response_ratio" and _matches(mode.match, req.method, req.target):
                action = "cut" if self._rng.random() < mode.p else "pass"
            record = RequestRecord(self._request_index, conn.id, req.method, req.target, mode.name)
            self._records.append(record)
            return action, mode, record

    def _serve(self, conn: _Conn) -> None:
        client = conn.client
        creader = _Reader(self, conn, client, "client")
        while True:
            conn.record = None
            head = creader.read_head(allow_eof=True)
            if head is None:
                _graceful_close(client)
                return
            try:
                req = _parse_request(head)
            except _BadMessage:
                self._count("client_errors")
                self._send(
                    conn,
                    client,
                    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    "client",
                )
                _graceful_close(client)
                return
            action, mode, record = self._decide(conn, req)
            conn.record = record

            if action == "drop":
                self._count("requests_dropped", record, "dropped")
                _rst(client)
                return
            if action == "blackhole":
                self._count("requests_blackholed", record, "blackholed")
                with self._lock:
                    self._stats["connections_blackholed"] += 1
                self._swallow(conn)
                client.close()
                return

            upstream = self._connect_upstream(conn)
            self._send(conn, upstream, head, "upstream")
            self._copy_body(creader, req.framing, self._sender(conn, upstream, "upstream"))
            self._count("requests_forwarded")
            ureader = _Reader(self, conn, upstream, "upstream")

            if action == "cut":
                buffer = _Buffer()
                self._read_response(conn, ureader, req, buffer, delayed=False)
                self._close_upstream(conn)
                data = bytes(buffer.data)
                if mode.cut_after is None:
                    # Inside the status line ("HTTP/1.1 2"): fails every client, also one
                    # that sees the RST as a clean EOF (eventlet's green sockets do).
                    space = data.find(b" ")
                    keep = min(space + 2, len(data) - 1) if space > 0 else len(data) // 2
                else:
                    keep = max(0, min(int(mode.cut_after), len(data) - 1))
                self._count("responses_cut", record, "cut")
                if keep:
                    try:
                        self._send(conn, client, data[:keep], "client")
                        time.sleep(0.005)  # let the partial bytes land before the RST
                    except _PeerGone:
                        pass
                _rst(client)
                return

            sink = _Held(self._sender(conn, client, "client"))
            resp_close = self._read_response(conn, ureader, req, sink, delayed=True)
            self._close_upstream(conn)
            self._count("responses_completed", record, "completed")
            sink.flush()
            if resp_close or _wants_close(req.version, req.headers):
                _graceful_close(client)
                return

    def _read_response(self, conn: _Conn, reader: _Reader, req: _Request, sink, delayed: bool) -> bool:
        """Copy one response (and any 1xx before it) into ``sink``; True if the connection must close."""
        while True:
            head = reader.read_head()
            start, headers = _parse_head(head, "upstream")
            if len(start) < 2 or not start[0].upper().startswith("HTTP/"):
                raise _BadMessage("upstream")
            try:
                status = int(start[1])
            except ValueError as cause:
                raise _BadMessage("upstream") from cause
            if delayed:
                self._hold(conn)
            sink.write(head)
            if 100 <= status < 200:
                if status == 101:  # upgrades are not supported: end the exchange here
                    return True
                sink.flush()
                continue
            if req.method == "HEAD" or status in (204, 304):
                framing = ("none", 0)
            else:
                framing = _body_framing(headers, "upstream", "close")
            self._copy_body(reader, framing, sink.write)
            return framing[0] == "close" or _wants_close(start[0], headers)

    def _copy_body(self, reader: _Reader, framing: tuple[str, int], write: Callable[[bytes], None]) -> None:
        kind, length = framing
        if kind == "none":
            return
        if kind == "length":
            self._copy_exact(reader, length, write)
            return
        if kind == "close":
            while True:
                data = reader.read_some(_IO_CHUNK)
                if not data:
                    return
                write(data)
        # chunked
        while True:
            line = reader.read_line()
            write(line)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError as cause:
                raise _BadMessage(reader.side) from cause
            if size == 0:
                while True:  # trailers, up to the blank line
                    trailer = reader.read_line()
                    write(trailer)
                    if trailer in (b"\r\n", b"\n"):
                        return
            self._copy_exact(reader, size, write)
            write(reader.read_line())  # CRLF after the chunk data

    @staticmethod
    def _copy_exact(reader: _Reader, length: int, write: Callable[[bytes], None]) -> None:
        while length:
            data = reader.read_some(min(length, _IO_CHUNK))
            if not data:
                raise _PeerGone(reader.side)
            write(data)
            length -= len(data)

    def _hold(self, conn: _Conn) -> None:
        """In "delay" mode, hold a response for the configured time (released by a mode change)."""
        started = time.monotonic()
        with self._cond:
            while True:
                if self._closing or conn.abort:
                    raise _Abort()
                if self._mode.name != "delay":
                    return
                remaining = started + self._mode.seconds - time.monotonic()
                if remaining <= 0:
                    return
                self._cond.wait(min(remaining, _POLL_INTERVAL))
