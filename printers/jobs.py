"""Print jobs and the store the worker takes them from.

A job is created in the same transaction as the order it prints (the edge stores it in
SQLite), so what the worker sends is exactly what was committed. States:

    queued --> sending --> done
       ^  \\        \\
       |   \\        +--> failed     (interrupted: a COPY job takes its place)
       +----+-------+--> failed     (gave up after max attempts; a manager may retry)
    queued --> expired              (a drawer kick older than 15 s: never fired late)

`JobStore` is what the worker needs from the edge; `InMemoryJobStore` implements it
for tests and examples.
"""
from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal, Protocol, runtime_checkable

JobKind = Literal["receipt", "refund", "kitchen", "report", "test", "drawer", "payment_qr"]
JobState = Literal["queued", "sending", "done", "failed", "expired"]

# The document "type" each job kind prints (see printers.values).
DOCUMENT_TYPE_FOR_KIND: dict[str, str] = {
    "receipt": "receipt",
    "refund": "receipt",  # a refund slip is a receipt with refund=True
    "kitchen": "kitchen_ticket",
    "report": "shift_report",
    "test": "test_page",
    "drawer": "drawer_kick",
    "payment_qr": "payment_qr",
}
KIND_FOR_DOCUMENT_TYPE = {doc_type: kind for kind, doc_type in reversed(DOCUMENT_TYPE_FOR_KIND.items())}


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PrintJob:
    """One thing to print on one printer: the rendered bytes and the document they came from."""

    id: int | str
    printer_name: str
    kind: JobKind
    document: dict
    data: bytes
    created_at: datetime
    attempts: int = 0  # failed attempts so far
    copy: bool = False
    state: JobState = "queued"
    last_error: str = ""
    retry_at: datetime | None = None  # for display: when the worker means to try again
    copy_of: int | str | None = None  # the interrupted job this COPY replaces

    def __post_init__(self) -> None:
        if self.kind not in DOCUMENT_TYPE_FOR_KIND:
            raise ValueError(f"kind must be one of {', '.join(DOCUMENT_TYPE_FOR_KIND)}")
        if not isinstance(self.data, (bytes, bytearray)):
            raise TypeError("data must be bytes")
        if self.created_at.tzinfo is None:
            object.__setattr__(self, "created_at", self.created_at.replace(tzinfo=UTC))


@runtime_checkable
class JobStore(Protocol):
    """Where one or more workers take their jobs from (the edge implements it on SQLite).

    Every method is called by the printer's worker thread only, for jobs of that
    printer, and must return promptly (a short transaction, no device I/O).
    """

    def next_job(self, printer_name: str) -> PrintJob | None:
        """The first `queued` job for this printer in queue order, or None.

        Queue order is the order jobs were created, except that a COPY made by
        `requeue_as_copy` takes the place of the job it replaces. Jobs in any other
        state are never returned, so a later job never overtakes an earlier one that
        is still queued (waiting or retrying): printing stays in order.
        """

    def mark_sending(self, job: PrintJob) -> PrintJob:
        """queued -> sending, right before the first byte goes out; returns the stored job."""

    def mark_done(self, job: PrintJob) -> None:
        """sending -> done: every byte was handed to the printer."""

    def mark_waiting(self, job: PrintJob, reason: str, retry_at: datetime) -> None:
        """The printer cannot print now (offline, paper out, cover open). The job stays
        queued with its attempts unchanged; `reason` and `retry_at` are for people."""

    def mark_failed(self, job: PrintJob, reason: str, retry_at: datetime | None) -> None:
        """An attempt failed before any byte could reach the printer; attempts += 1.

        With `retry_at`, the job goes back to queued and will be tried again. With
        None it is `failed` for good, with `reason`; a manager may retry or cancel it.
        """

    def requeue_as_copy(self, job: PrintJob, reason: str, document: dict, data: bytes) -> PrintJob:
        """The job was interrupted after some bytes may have printed.

        In ONE transaction: mark `job` failed with `reason` (attempts += 1), and record
        a NEW queued job for the same printer and kind with copy=True, `document`
        (whose "copy" is true) and `data` (rendered with the COPY banner), taking
        `job`'s place at the head of the queue. Returns the new job.
        """

    def expire(self, job: PrintJob, reason: str) -> None:
        """A cash-drawer kick too old to fire: -> expired. Never retried."""

    def stuck_sending(self, printer_name: str) -> list[PrintJob]:
        """Jobs a previous process left `sending` (it stopped mid-job), oldest first."""


class InvalidTransition(RuntimeError):
    """A store call that does not fit the job's state (a bug in the caller)."""


@dataclass
class _Record:
    job: PrintJob
    position: int
    history: list[str] = field(default_factory=list)


class InMemoryJobStore:
    """A JobStore in a dict, thread-safe, for tests, examples and the demo."""

    def __init__(self, clock=utc_now):
        self._clock = clock
        self._lock = threading.Condition()
        self._records: dict[int, _Record] = {}
        self._ids = itertools.count(1)
        self._positions = itertools.count(1)

    # --- what the edge does --------------------------------------------------------------

    def add(self, printer_name: str, kind: JobKind, document: dict, data: bytes, *,
            created_at: datetime | None = None, copy: bool = False) -> PrintJob:
        with self._lock:
            job = PrintJob(
                id=next(self._ids), printer_name=printer_name, kind=kind, document=dict(document), data=bytes(data),
                created_at=created_at or self._clock(), copy=copy,
            )
            self._records[job.id] = _Record(job, next(self._positions), ["queued"])
            self._lock.notify_all()
            return job

    def get(self, job_id: int) -> PrintJob:
        with self._lock:
            return self._records[job_id].job

    def jobs(self, printer_name: str | None = None) -> list[PrintJob]:
        """All jobs (of one printer), in queue order."""
        with self._lock:
            records = sorted(self._records.values(), key=lambda r: (r.position, r.job.id))
            return [r.job for r in records if printer_name in (None, r.job.printer_name)]

    def history(self, job_id: int) -> list[str]:
        """Every state the job went through, with reasons (for assertions and debugging)."""
        with self._lock:
            return list(self._records[job_id].history)

    def wait_for(self, predicate, timeout: float = 5.0) -> bool:
        """Block until predicate(store) is true (re-checked on every change)."""
        with self._lock:
            return self._lock.wait_for(lambda: predicate(self), timeout)

    # --- JobStore -----------------------------------------------------------------------

    def next_job(self, printer_name: str) -> PrintJob | None:
        with self._lock:
            queued = [r for r in self._records.values()
                      if r.job.printer_name == printer_name and r.job.state == "queued"]
            if not queued:
                return None
            return min(queued, key=lambda r: (r.position, r.job.id)).job

    def mark_sending(self, job: PrintJob) -> PrintJob:
        return self._move(job, ("queued",), state="sending", retry_at=None)

    def mark_done(self, job: PrintJob) -> None:
        self._move(job, ("sending",), state="done", last_error="")

    def mark_waiting(self, job: PrintJob, reason: str, retry_at: datetime) -> None:
        self._move(job, ("queued",), state="queued", last_error=reason, retry_at=retry_at, note=f"waiting: {reason}")

    def mark_failed(self, job: PrintJob, reason: str, retry_at: datetime | None) -> None:
        with self._lock:  # re-entrant: _move takes it again
            attempts = self._records[job.id].job.attempts + 1
            state = "queued" if retry_at is not None else "failed"
            self._move(job, ("queued", "sending"), state=state, attempts=attempts, last_error=reason,
                       retry_at=retry_at, note=f"{'retry' if retry_at else 'failed'}: {reason}")

    def requeue_as_copy(self, job: PrintJob, reason: str, document: dict, data: bytes) -> PrintJob:
        with self._lock:
            original = self._records[job.id]
            self._move(job, ("sending",), state="failed", attempts=original.job.attempts + 1, last_error=reason,
                       note=f"failed: {reason}")
            copy = PrintJob(
                id=next(self._ids), printer_name=job.printer_name, kind=job.kind, document=dict(document),
                data=bytes(data), created_at=self._clock(), copy=True, copy_of=job.id,
            )
            self._records[copy.id] = _Record(copy, original.position, [f"queued: COPY of job {job.id}"])
            self._lock.notify_all()
            return copy

    def expire(self, job: PrintJob, reason: str) -> None:
        self._move(job, ("queued", "sending"), state="expired", last_error=reason, note=f"expired: {reason}")

    def stuck_sending(self, printer_name: str) -> list[PrintJob]:
        return [job for job in self.jobs(printer_name) if job.state == "sending"]

    def _move(self, job: PrintJob, allowed: tuple[str, ...], note: str | None = None, **changes) -> PrintJob:
        with self._lock:
            record = self._records[job.id]
            if record.job.state not in allowed:
                raise InvalidTransition(f"job {job.id} is {record.job.state}, expected {' or '.join(allowed)}")
            record.job = replace(record.job, **changes)
            record.history.append(note or record.job.state)
            self._lock.notify_all()
            return record.job
