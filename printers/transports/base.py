"""What every printer link does: open, write bytes, ask for status, close, with timeouts.

The one fact the worker needs from a failed write is whether any byte may have reached
the printer: if none did, the job can simply be sent again; if some did, sending it
again could print it twice, so it must be reprinted as a COPY instead. Each error
therefore says how many bytes are known to have left (`bytes_written`) and whether
more may have (`uncertain`), and `started` sums that up.
"""
from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import Self

from ..status import PrinterStatus, is_status_byte, query_status

WRITE_CHUNK_BYTES = 1024  # progress is tracked per chunk: a stall is noticed within one


class TransportError(Exception):
    """A printer link failure. `public` is what people see on the job (the API, the
    screens); the full message, which may quote the operating system's error, is for
    the log. A link whose errors would tell a caller about other hosts' ports (network)
    gives a plain `public` text."""

    def __init__(self, message: str, *, bytes_written: int = 0, uncertain: bool = False, public: str | None = None):
        super().__init__(message)
        self.bytes_written = bytes_written
        self.uncertain = uncertain
        self.public = public if public is not None else message

    @property
    def started(self) -> bool:
        """Whether part of the job may already be on paper."""
        return self.bytes_written > 0 or self.uncertain


class OpenError(TransportError):
    """Could not open or connect: nothing was sent."""


class WriteTimeout(TransportError):
    """The printer stopped taking bytes for longer than the write timeout."""


class ConnectionLost(TransportError):
    """The link broke (cable pulled, connection reset, device gone)."""


class Transport(ABC):
    """A link to one printer. Not thread-safe: one worker owns it."""

    #: whether status queries can be answered over this kind of link
    bidirectional: bool = True

    def __init__(self, *, write_timeout_s: float = 5.0, status_timeout_s: float = 0.5):
        self.write_timeout_s = write_timeout_s
        self.status_timeout_s = status_timeout_s

    @property
    @abstractmethod
    def is_open(self) -> bool: ...

    @abstractmethod
    def open(self) -> None:
        """Open the link; raises OpenError."""

    @abstractmethod
    def close(self) -> None:
        """Close the link, discarding anything not yet sent; never blocks for long."""

    @abstractmethod
    def _write_chunk(self, chunk: memoryview) -> int:
        """Send part of `chunk`; return how many bytes went. Raise TransportError on
        failure, with `uncertain=True` if some of this chunk may have gone."""

    def _drain(self, total: int) -> None:
        """Wait until written bytes have left this computer, where that can be known."""
        return None  # by default it cannot be known: nothing to wait for

    def _read(self, timeout_s: float) -> bytes:
        """Bytes the printer sent, waiting at most `timeout_s` (b"" if none)."""
        return b""

    def _discard_input(self) -> None:
        """Drop bytes the printer sent earlier (stale answers)."""
        return None  # by default the link keeps no answers

    def link_alive(self) -> bool:
        """Cheap check that an open link was not closed by the other end meanwhile."""
        return self.is_open

    def write(self, data: bytes) -> None:
        """Send all of `data` or raise TransportError saying how far it got."""
        if not self.is_open:
            raise ConnectionLost("link is not open")
        view = memoryview(data)
        written = 0
        stalled_since = None
        while written < len(view):
            try:
                sent = self._write_chunk(view[written:written + WRITE_CHUNK_BYTES])
            except TransportError as exc:
                exc.bytes_written += written
                raise
            written += sent
            if sent:
                stalled_since = None
            elif stalled_since is None:
                stalled_since = time.monotonic()
            elif time.monotonic() - stalled_since > self.write_timeout_s:
                raise WriteTimeout("printer takes no data", bytes_written=written)
        self._drain(written)

    def status(self) -> PrinterStatus:
        """The printer's status by DLE EOT, or `unknown` if it does not answer."""
        if not self.bidirectional:
            return PrinterStatus.unknown("this link cannot carry status answers")
        if not self.is_open:
            raise ConnectionLost("link is not open")
        return query_status(self._exchange)

    def _exchange(self, request: bytes) -> int | None:
        self._discard_input()
        self.write(request)
        deadline = time.monotonic() + self.status_timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            for byte in self._read(left):
                if is_status_byte(byte):
                    return byte

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def wait_for_drain(pending, timeout_s: float, total: int) -> None:
    """Poll `pending()` (bytes not yet sent) until 0; a stall longer than `timeout_s` raises.

    The timeout restarts whenever the count goes down, so a slow printer that keeps
    taking data is never cut off, only one that stopped.
    """
    last = pending()
    deadline = time.monotonic() + timeout_s
    while last > 0:
        time.sleep(0.01)
        now_pending = pending()
        if now_pending < last:
            last = now_pending
            deadline = time.monotonic() + timeout_s
        elif time.monotonic() > deadline:
            raise WriteTimeout(
                f"printer stopped taking data with {now_pending} bytes still queued",
                bytes_written=total,
                uncertain=True,
            )
