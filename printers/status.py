"""Printer status from ESC/POS real-time queries (DLE EOT n).

The printer answers each query with one byte whose bits 1 and 4 are set and bits 0
and 7 clear (so 0x12 means "all fine"); the other bits say:

    n=1 printer status     bit 3  offline
    n=2 offline cause      bit 2  cover open          bit 3  paper fed by the button
                           bit 5  stopped: paper end  bit 6  error
    n=3 error cause        bit 3  autocutter error    bit 5  unrecoverable error
                           bit 6  auto-recoverable error (e.g. head too hot)
    n=4 roll paper sensor  bits 2-3  paper near end   bits 5-6  paper end

Many printers (and every cheap clone's serial port without a return line) never
answer. No answer within a short timeout therefore means "unknown", not "offline":
such a printer is still sent its jobs.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

DLE_EOT = b"\x10\x04"
STATUS_FIXED_MASK = 0x93
STATUS_FIXED_BITS = 0x12


def is_status_byte(value: int) -> bool:
    return value & STATUS_FIXED_MASK == STATUS_FIXED_BITS


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said about itself; None for anything it did not say."""

    online: bool | None
    paper_out: bool | None = None
    paper_near_end: bool | None = None
    cover_open: bool | None = None
    error: bool | None = None
    detail: str = ""

    @classmethod
    def unknown(cls, detail: str = "no answer to DLE EOT") -> PrinterStatus:
        return cls(online=None, detail=detail)

    @classmethod
    def always_online(cls, detail: str) -> PrinterStatus:
        return cls(online=True, paper_out=False, paper_near_end=False, cover_open=False, error=False, detail=detail)

    @property
    def answered(self) -> bool:
        return self.online is not None

    @property
    def problem(self) -> str | None:
        """Why a job must not be sent now (None: send it)."""
        reasons = [
            name
            for name, flag in (("cover open", self.cover_open), ("paper out", self.paper_out),
                               ("printer error", self.error))
            if flag
        ]
        if reasons:
            return ", ".join(reasons)
        if self.online is False:
            return "offline"
        return None

    @property
    def ready(self) -> bool:
        return self.problem is None

    def to_dict(self) -> dict:
        return asdict(self)


def parse_status(answers: dict[int, int | None]) -> PrinterStatus:
    """Status bytes for queries 1..4 (None where a query got no valid answer)."""
    printer = answers.get(1)
    if printer is None:
        return PrinterStatus.unknown()
    offline_cause, error_cause, paper = answers.get(2), answers.get(3), answers.get(4)

    def bit(value: int | None, mask: int) -> bool | None:
        return None if value is None else bool(value & mask)

    cover_open = bit(offline_cause, 0x04)
    paper_out = _any(bit(paper, 0x60), bit(offline_cause, 0x20))
    near_end = bit(paper, 0x0C)
    error = _any(bit(offline_cause, 0x40), bit(error_cause, 0x08 | 0x20 | 0x40))
    status = PrinterStatus(
        online=not printer & 0x08,
        paper_out=paper_out,
        paper_near_end=near_end,
        cover_open=cover_open,
        error=error,
    )
    return PrinterStatus(**{**asdict(status), "detail": _describe(status)})


def _any(*flags: bool | None) -> bool | None:
    known = [flag for flag in flags if flag is not None]
    return any(known) if known else None


def _describe(status: PrinterStatus) -> str:
    if status.problem:
        return status.problem
    return "online, paper near end" if status.paper_near_end else "online"


def query_status(exchange: Callable[[bytes], int | None]) -> PrinterStatus:
    """Ask the four DLE EOT questions through `exchange` (request -> status byte or None).

    Stops after the first unanswered question, so a printer that never answers costs
    one timeout, not four.
    """
    first = exchange(DLE_EOT + b"\x01")
    if first is None:
        return PrinterStatus.unknown()
    answers: dict[int, int | None] = {1: first}
    for n in (2, 3, 4):
        answers[n] = exchange(DLE_EOT + bytes([n]))
    return parse_status(answers)
