"""Fake ESC/POS printers for tests without hardware: one on a pseudo-terminal, one on TCP.

Both record every byte they receive and answer DLE EOT status queries from a state a
test sets, and both can misbehave the way real printers do:

    with FakeSerialPrinter() as printer:          # a pty pair; pyserial opens .device
        port = serial.Serial(printer.device)
        printer.state = "paper_out"               # online, offline, paper_out,
                                                  # paper_near_end, cover_open, error,
                                                  # silent (never answers DLE EOT)
        printer.silent = True                     # the same as state "silent", kept separately
        printer.stop_reading()                    # stalled: buffers fill, writes time out
        printer.stop_reading_after(4096)          # ... after taking this many more bytes
        printer.resume_reading()
        printer.received                          # every byte so far
        printer.jobs()                            # received, split where each job's ESC @ starts
        printer.wait_for_bytes(n, timeout=2)

    with FakeNetworkPrinter() as printer:         # listens on 127.0.0.1:printer.port
        printer.refuse_connections()              # switched off: connect is refused
        printer.accept_connections()              # back on, same port
        printer.drop_after(1000)                  # reset the connection after 1000 more bytes

DLE EOT queries are found in the byte stream the way a printer finds them (anywhere,
even across reads), and are recorded in `received` like everything else. A stalled
printer answers nothing, because it reads nothing.
"""
from __future__ import annotations

import contextlib
import os
import select
import socket
import struct
import threading
import time
import tty
from typing import Self

STATES = ("online", "offline", "paper_out", "paper_near_end", "cover_open", "error", "silent")
INIT = b"\x1b@"


def status_byte(n: int, state: str) -> int:
    """The answer a printer in `state` gives to DLE EOT n (see printers/status.py)."""
    value = 0x12
    stopped = state in ("offline", "paper_out", "cover_open", "error")
    if n == 1 and stopped:
        value |= 0x08
    elif n == 2:
        value |= {"cover_open": 0x04, "paper_out": 0x20, "error": 0x40}.get(state, 0)
    elif n == 3 and state == "error":
        value |= 0x40
    elif n == 4:
        value |= {"paper_out": 0x60 | 0x0C, "paper_near_end": 0x0C}.get(state, 0)
    return value


class _PrinterCore:
    """Recording, status answers and read pausing shared by both fakes."""

    def __init__(self, state: str):
        self._lock = threading.Lock()
        self._received = bytearray()
        self._tail = b""
        self._state = state
        self.silent = False
        self.status_queries = 0
        self._reading = threading.Event()
        self._reading.set()
        self._read_budget: int | None = None  # bytes to take before stalling
        self._stop = threading.Event()

    @property
    def state(self) -> str:
        return self._state

    @state.setter
    def state(self, value: str) -> None:
        if value not in STATES:
            raise ValueError(f"state must be one of {STATES}")
        self._state = value

    @property
    def received(self) -> bytes:
        with self._lock:
            return bytes(self._received)

    def jobs(self) -> list[bytes]:
        """What was received, cut where each job's ESC @ starts (status queries dropped)."""
        data = self.received
        parts = data.split(INIT)
        return [INIT + part for part in parts[1:]]

    def clear(self) -> None:
        with self._lock:
            self._received.clear()

    def stop_reading(self) -> None:
        self._reading.clear()

    def stop_reading_after(self, count: int) -> None:
        with self._lock:
            self._read_budget = count

    def resume_reading(self) -> None:
        with self._lock:
            self._read_budget = None
        self._reading.set()

    def wait_for_bytes(self, count: int, timeout: float = 5.0) -> bytes:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            data = self.received
            if len(data) >= count:
                return data
            time.sleep(0.005)
        raise AssertionError(f"fake printer got {len(self.received)} bytes, expected {count}")

    def wait_until(self, predicate, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return
            time.sleep(0.005)
        raise AssertionError("fake printer never reached the expected state")

    def _read_size(self, wanted: int) -> int:
        """How many bytes the printer is willing to read now (0: stalled)."""
        if not self._reading.is_set():
            return 0
        with self._lock:
            if self._read_budget is None:
                return wanted
            if self._read_budget <= 0:
                self._reading.clear()
                return 0
            return min(wanted, self._read_budget)

    def _took(self, data: bytes) -> bytes:
        """Record `data`; return the status answers it asks for."""
        with self._lock:
            self._received += data
            if self._read_budget is not None:
                self._read_budget -= len(data)
            stream = self._tail + data
            self._tail = stream[-2:]
        answers = bytearray()
        start = 0
        while True:
            index = stream.find(b"\x10\x04", start)
            if index < 0 or index + 2 >= len(stream):
                break
            if index + 2 >= len(stream) - len(data):  # the query's n is in this read
                answers.append(status_byte(stream[index + 2], self._state))
                self.status_queries += 1
            start = index + 3
        return b"" if self.silent or self._state == "silent" else bytes(answers)

    def _wait_while_stalled(self) -> None:
        self._reading.wait(0.02)


class FakeSerialPrinter(_PrinterCore):
    """A serial printer on a pseudo-terminal; pyserial opens `device` like a real port."""

    def __init__(self, state: str = "online"):
        super().__init__(state)
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.device = os.ttyname(self._slave)
        self._thread = threading.Thread(target=self._run, name="fake-serial-printer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            size = self._read_size(4096)
            if size == 0:
                self._wait_while_stalled()
                continue
            readable, _, _ = select.select([self._master], [], [], 0.02)
            if not readable:
                continue
            try:
                data = os.read(self._master, size)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                return
            answers = self._took(data)
            if answers:
                with contextlib.suppress(OSError):
                    os.write(self._master, answers)

    def close(self) -> None:
        self._stop.set()
        self._reading.set()
        self._thread.join(timeout=2)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class FakeNetworkPrinter(_PrinterCore):
    """A raw-TCP (port 9100 style) printer on 127.0.0.1, one connection at a time."""

    def __init__(self, state: str = "online", receive_buffer: int = 4096):
        super().__init__(state)
        self.host = "127.0.0.1"
        self.receive_buffer = receive_buffer
        self.port = 0
        self.connections = 0
        self._drop_after: int | None = None
        self._listener: socket.socket | None = None
        self._listen_lock = threading.Lock()
        self._clients: list[socket.socket] = []
        self.accept_connections()
        self._thread = threading.Thread(target=self._accept_loop, name="fake-network-printer", daemon=True)
        self._thread.start()

    def accept_connections(self) -> None:
        """Listen (again, on the same port after `refuse_connections`)."""
        with self._listen_lock:
            if self._listener is not None:
                return
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            # A small receive window, like a printer's: a stalled printer stalls the sender.
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.receive_buffer)
            listener.bind((self.host, self.port))
            listener.listen(4)
            listener.settimeout(0.02)
            self.port = listener.getsockname()[1]
            self._listener = listener

    def refuse_connections(self) -> None:
        """Stop listening: new connections are refused (the printer is off)."""
        with self._listen_lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # stop listening now, even mid-accept()
            listener.close()

    def drop_connections(self) -> None:
        """Reset every open connection now."""
        for client in list(self._clients):
            _reset(client)

    def drop_after(self, count: int) -> None:
        """Reset the connection once it has received `count` more bytes."""
        with self._lock:
            self._drop_after = count

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            with self._listen_lock:
                listener = self._listener
            if listener is None:
                time.sleep(0.01)
                continue
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            client.settimeout(0.02)
            self.connections += 1
            self._clients.append(client)
            threading.Thread(target=self._serve, args=(client,), name="fake-network-client", daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            while not self._stop.is_set():
                size = self._read_size(4096)
                with self._lock:
                    drop = self._drop_after
                if drop is not None:
                    size = min(size, drop)
                    if drop <= 0:
                        with self._lock:
                            self._drop_after = None
                        _reset(client)
                        return
                if size == 0:
                    self._wait_while_stalled()
                    continue
                try:
                    data = client.recv(size)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                with self._lock:
                    if self._drop_after is not None:
                        self._drop_after -= len(data)
                answers = self._took(data)
                if answers:
                    try:
                        client.sendall(answers)
                    except OSError:
                        return
        finally:
            if client in self._clients:
                self._clients.remove(client)
            with contextlib.suppress(OSError):
                client.close()

    def close(self) -> None:
        self._stop.set()
        self._reading.set()
        self.refuse_connections()
        self.drop_connections()
        self._thread.join(timeout=2)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _reset(client: socket.socket) -> None:
    """Close with RST (SO_LINGER 0), as a printer that is switched off mid-job looks."""
    try:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
    except OSError:
        pass
