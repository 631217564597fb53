"""A printer on the LAN: raw TCP to port 9100 ("JetDirect"), with connect and write timeouts.

The socket's send buffer is kept small (16 KiB by default) and, after a job, the
transport waits until the printer has acknowledged every byte (Linux SIOCOUTQ).
Otherwise the kernel would swallow a whole receipt for a printer that stopped reading,
and the job would look done while nothing printed.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import select
import socket
import struct
import termios

from .base import ConnectionLost, OpenError, Transport, WriteTimeout, wait_for_drain

DEFAULT_SEND_BUFFER = 16 * 1024
# What a job shows: one text whatever the socket said, so a printer's error never tells
# whether some host's port is closed, filtered or missing (the log has the details).
NO_CONNECTION = "no connection to the network printer"
LINK_LOST = "the connection to the network printer was lost"
STALLED = "the network printer stopped taking data"
_SIOCOUTQ = getattr(termios, "TIOCOUTQ", None)  # same request number on Linux


class NetworkTransport(Transport):
    bidirectional = True

    def __init__(
        self,
        host: str,
        port: int = 9100,
        *,
        connect_timeout_s: float = 3.0,
        write_timeout_s: float = 5.0,
        status_timeout_s: float = 0.5,
        send_buffer_bytes: int = DEFAULT_SEND_BUFFER,
    ):
        super().__init__(write_timeout_s=write_timeout_s, status_timeout_s=status_timeout_s)
        self.host = host
        self.port = port
        self.connect_timeout_s = connect_timeout_s
        self.send_buffer_bytes = send_buffer_bytes
        self._sock: socket.socket | None = None

    def __repr__(self) -> str:
        return f"NetworkTransport({self.host!r}, {self.port})"

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def open(self) -> None:
        if self._sock is not None:
            return
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout_s)
        except TimeoutError as exc:
            raise OpenError(f"no answer from {self.host}:{self.port} within {self.connect_timeout_s}s",
                            public=NO_CONNECTION) from exc
        except OSError as exc:
            raise OpenError(f"cannot connect to {self.host}:{self.port}: {exc}", public=NO_CONNECTION) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.send_buffer_bytes)
        sock.settimeout(self.write_timeout_s)
        self._sock = sock

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    def link_alive(self) -> bool:
        """False if the printer closed the connection while it sat idle."""
        if self._sock is None:
            return False
        try:
            readable, _, _ = select.select([self._sock], [], [], 0)
            if not readable:
                return True
            return self._sock.recv(1, socket.MSG_PEEK) != b""
        except OSError:
            return False

    def _write_chunk(self, chunk: memoryview) -> int:
        try:
            return self._sock.send(chunk)
        except TimeoutError as exc:
            raise WriteTimeout(f"{self.host}:{self.port} took no data for {self.write_timeout_s}s",
                               public=STALLED) from exc
        except OSError as exc:
            raise ConnectionLost(f"connection to {self.host}:{self.port} lost: {exc}", public=LINK_LOST) from exc

    def _drain(self, total: int) -> None:
        if _SIOCOUTQ is None:
            return
        wait_for_drain(self._unacknowledged, self.write_timeout_s, total)

    def _unacknowledged(self) -> int:
        try:
            raw = fcntl.ioctl(self._sock.fileno(), _SIOCOUTQ, b"\0\0\0\0")
        except OSError:
            return 0  # not supported here: nothing to wait for
        return struct.unpack("i", raw)[0]

    def _read(self, timeout_s: float) -> bytes:
        sock = self._sock
        try:
            sock.settimeout(timeout_s)
            data = sock.recv(64)
        except TimeoutError:
            return b""
        except OSError as exc:
            raise ConnectionLost(f"connection to {self.host}:{self.port} lost: {exc}", public=LINK_LOST) from exc
        finally:
            if self._sock is sock:
                sock.settimeout(self.write_timeout_s)
        if data == b"":
            raise ConnectionLost(f"{self.host}:{self.port} closed the connection", public=LINK_LOST)
        return data

    def _discard_input(self) -> None:
        sock = self._sock
        try:
            while select.select([sock], [], [], 0)[0]:
                if sock.recv(4096, socket.MSG_DONTWAIT) == b"":
                    raise ConnectionLost(f"{self.host}:{self.port} closed the connection", public=LINK_LOST)
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                return
            raise ConnectionLost(f"connection to {self.host}:{self.port} lost: {exc}", public=LINK_LOST) from exc
