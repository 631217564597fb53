"""One worker per printer: sends its jobs in order, waits out problems, never prints twice.

    stop = threading.Event()
    worker = PrintWorker(config, store)
    threading.Thread(target=worker.run_forever, args=(stop,), daemon=True).start()
    ...
    worker.wake()            # right after committing a new job
    stop.set(); worker.wake()

For each job, in queue order:

1. A cash-drawer kick older than 15 s (or dated in the future by more than that, when
   the clock jumped) is expired: a drawer that springs open long after the sale is
   worse than one that does not open.
2. The link is opened (re-opened if the printer dropped it while idle). If that fails,
   nothing was sent: the attempt counts, and the job is retried after a backoff,
   until `max_attempts`, when it ends `failed` with the reason.
3. Where the link can carry answers, the printer is asked for its status (DLE EOT).
   Offline, paper out, cover open or an error: the job is not sent, it waits (queued,
   attempts unchanged) and the printer is asked again after a backoff, for as long as
   it takes. A printer that never answers is printed to anyway; one that answered
   before and has gone quiet is treated as away and waited for.
4. The job is marked `sending` and written. Success: `done`. If the write fails and no
   byte can have reached the printer, it is an ordinary failed attempt (step 2). If
   any byte may have reached it, sending it again could print it twice: the job ends
   `failed` ("interrupted") and the store records a COPY in its place, re-rendered
   with the COPY banner, so a person can tell the reprint from an original. (Drawer
   kicks and test pages are not reprinted.)

Every step has a timeout (connect, write stall, status answer), the loop sleeps at most
a fraction of a second between checks of `stop_event`, and no database or device call
is made while holding anything another thread waits for: the worker runs in a plain
OS thread (or `eventlet.tpool`) and never imports eventlet.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from .backoff import Backoff
from .config import PrinterConfig
from .jobs import JobStore, PrintJob, utc_now
from .render import render_stored
from .status import PrinterStatus
from .transports import Transport, TransportError, transport_for

log = logging.getLogger(__name__)

NOT_REPRINTED_KINDS = ("drawer", "test")
MAX_SLEEP_SLICE_S = 0.25  # how often a sleeping worker looks at its stop event


@dataclass(frozen=True)
class WorkerPolicy:
    """How patient a worker is. The defaults suit a restaurant; tests use short ones."""

    max_attempts: int = 20
    retry: Backoff = field(default_factory=lambda: Backoff(1.0, 60.0))  # after link failures
    wait: Backoff = field(default_factory=lambda: Backoff(1.0, 30.0))   # while the printer reports a problem
    idle_poll_s: float = 2.0  # how often to look for jobs when nobody calls wake()
    drawer_max_age_s: float = 15.0
    close_when_idle: bool = True  # frees a network printer for other clients, a port for `pos printer test`
    recheck_silent_printer_s: float = 60.0  # a printer that never answered DLE EOT is asked again this often

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")


class PrintWorker:
    """Sends one printer's jobs. Use from one thread; `wake()` may be called from any."""

    def __init__(
        self,
        config: PrinterConfig,
        store: JobStore,
        *,
        transport: Transport | None = None,
        policy: WorkerPolicy | None = None,
        clock=utc_now,
        monotonic=time.monotonic,
        rng: random.Random | None = None,
    ):
        self.config = config
        self.store = store
        self.transport = transport or transport_for(config)
        self.policy = policy or WorkerPolicy()
        self._clock = clock
        self._monotonic = monotonic
        self._rng = rng or random.Random()
        self._wake = threading.Event()
        self._resume_at = 0.0  # monotonic: no attempt before this (backoff)
        self._idle_until = 0.0  # monotonic: no polling before this, unless woken
        self._failures = 0  # consecutive failed attempts, across jobs
        self._waits = 0  # consecutive status waits
        self._recovered = False
        self._answered_before = False
        self._silent_until = 0.0  # monotonic: skip status queries to a printer that never answered
        self.last_status: PrinterStatus | None = None
        self.last_error = ""
        self.waiting_for = ""  # why the head job is not printing, for people

    @property
    def name(self) -> str:
        return self.config.name

    def wake(self) -> None:
        """A job was just committed (or stop was set): look now instead of at the next poll."""
        self._idle_until = 0.0
        self._wake.set()

    # --- the loop ------------------------------------------------------------------------

    def run_forever(self, stop_event: threading.Event) -> None:
        log.info("print worker %s started (%r)", self.name, self.transport)
        try:
            while not stop_event.is_set():
                try:
                    delay = self.run_once()
                except Exception:  # a store or render bug must not kill the printer's thread
                    log.exception("print worker %s: unexpected error", self.name)
                    self._close()
                    self._failures += 1
                    delay = self._schedule(self.policy.retry.delay(self._failures, self._rng))
                if delay > 0 and not stop_event.is_set():
                    self._wake.wait(min(delay, MAX_SLEEP_SLICE_S))
                    self._wake.clear()
        finally:
            self._close()
            log.info("print worker %s stopped", self.name)

    def run_once(self) -> float:
        """Do the next step for the head job; return seconds until the next step is due."""
        now = self._monotonic()
        if now < self._resume_at:
            return self._resume_at - now
        if now < self._idle_until:
            return self._idle_until - now
        if not self._recovered:
            self._recover_interrupted()
            self._recovered = True
        job = self.store.next_job(self.name)
        if job is None:
            self.waiting_for = ""
            if self.policy.close_when_idle:
                self._close()
            self._idle_until = now + self.policy.idle_poll_s
            return self.policy.idle_poll_s
        if job.kind == "drawer" and self._drawer_too_old(job):
            return 0.0
        try:
            self._open()
        except TransportError as exc:
            return self._attempt_failed(job, f"cannot reach printer: {exc.public}", exc)
        try:
            status = self._status()
        except TransportError as exc:
            self._close()
            return self._attempt_failed(job, f"printer link failed during status check: {exc.public}", exc)
        problem = self._problem(status)
        if problem:
            return self._wait(job, problem)
        if job.kind == "drawer" and self._drawer_too_old(job):
            return 0.0
        return self._send(job)

    # --- steps ---------------------------------------------------------------------------

    def _open(self) -> None:
        if self.transport.is_open and not self.transport.link_alive():
            log.info("print worker %s: link was closed by the printer, reconnecting", self.name)
            self._close()
        if not self.transport.is_open:
            self.transport.open()

    def _status(self) -> PrinterStatus:
        now = self._monotonic()
        if not self._answered_before and now < self._silent_until:
            # It has never answered: do not pay the status timeout on every job.
            return self.last_status or PrinterStatus.unknown()
        status = self.transport.status()
        if status.answered:
            self._answered_before = True
        elif not self._answered_before:
            self._silent_until = now + self.policy.recheck_silent_printer_s
        self.last_status = status
        return status

    def _problem(self, status: PrinterStatus) -> str | None:
        if status.problem:
            return status.problem
        if not status.answered and self._answered_before and self.transport.bidirectional:
            return "printer stopped answering (switched off or stalled?)"
        return None

    def _wait(self, job: PrintJob, problem: str) -> float:
        self._waits += 1
        delay = self.policy.wait.delay(self._waits, self._rng)
        if self.waiting_for != problem:
            log.warning("print worker %s: not sending job %s: %s", self.name, job.id, problem)
        self.waiting_for = problem
        self.store.mark_waiting(job, problem, self._clock() + timedelta(seconds=delay))
        if self.config.kind == "network":
            self._close()  # do not hold the printer's only connection while waiting
        return self._schedule(delay)

    def _send(self, job: PrintJob) -> float:
        self.waiting_for = ""
        self._waits = 0
        job = self.store.mark_sending(job)
        try:
            self.transport.write(job.data)
        except TransportError as exc:
            self._close()
            if exc.started:
                return self._interrupted(job, exc)
            return self._attempt_failed(job, f"write failed: {exc.public}", exc)
        except BaseException as exc:
            # Unknown failure mid-write: assume bytes went, never risk a silent duplicate.
            self._close()
            error = TransportError(f"{type(exc).__name__}: {exc}", uncertain=True,
                                   public="an unexpected error while sending (see the print worker log)")
            self._interrupted(job, error)
            if not isinstance(exc, Exception):
                raise
            return 0.0
        self.store.mark_done(job)
        self._failures = 0
        self.last_error = ""
        log.info("print worker %s: job %s printed (%d bytes)", self.name, job.id, len(job.data))
        return 0.0

    def _attempt_failed(self, job: PrintJob, reason: str, error: TransportError | None = None) -> float:
        """`reason` goes on the job (people read it); the log also gets `error` in full."""
        self._failures += 1
        self.last_error = reason
        delay = self.policy.retry.delay(self._failures, self._rng)
        detail = f"{reason} ({error})" if error is not None and error.public != str(error) else reason
        if job.attempts + 1 >= self.policy.max_attempts:
            log.error("print worker %s: job %s failed after %d attempts: %s", self.name, job.id,
                      job.attempts + 1, detail)
            self.store.mark_failed(job, f"{reason} (gave up after {job.attempts + 1} attempts)", None)
        else:
            log.warning("print worker %s: job %s attempt %d failed: %s", self.name, job.id, job.attempts + 1, detail)
            self.store.mark_failed(job, reason, self._clock() + timedelta(seconds=delay))
        return self._schedule(delay)

    def _interrupted(self, job: PrintJob, error: TransportError) -> float:
        self._failures += 1
        how_far = f"after {error.bytes_written} of {len(job.data)} bytes" + (" or more" if error.uncertain else "")
        reason = f"interrupted {how_far}: {error.public}"
        self.last_error = reason
        log.error("print worker %s: job %s interrupted %s: %s", self.name, job.id, how_far, error)
        self._reprint_as_copy(job, reason)
        return self._schedule(self.policy.retry.delay(self._failures, self._rng))

    def _reprint_as_copy(self, job: PrintJob, reason: str) -> None:
        if job.kind in NOT_REPRINTED_KINDS or not job.document:
            self.store.mark_failed(job, f"{reason}; not reprinted", None)
            return
        document = {**job.document, "copy": True}
        try:
            data = render_stored(document, self.config)
        except Exception as exc:  # noqa: BLE001 - any render failure is reported on the job
            self.store.mark_failed(job, f"{reason}; the COPY could not be rendered: {exc}", None)
            return
        copy = self.store.requeue_as_copy(job, reason, document, data)
        log.warning("print worker %s: job %s will be reprinted as COPY (job %s)", self.name, job.id, copy.id)

    def _drawer_too_old(self, job: PrintJob) -> bool:
        age = (self._clock() - job.created_at).total_seconds()
        if abs(age) <= self.policy.drawer_max_age_s:
            return False
        reason = (f"drawer kick is {age:.0f}s old (limit {self.policy.drawer_max_age_s:.0f}s): not fired late"
                  if age > 0 else f"drawer kick is dated {-age:.0f}s in the future (clock changed): not fired")
        log.warning("print worker %s: job %s %s", self.name, job.id, reason)
        self.store.expire(job, reason)
        return True

    def _recover_interrupted(self) -> None:
        """Jobs a previous run left `sending` may have printed in part: handle as interrupted."""
        for job in self.store.stuck_sending(self.name):
            reason = "interrupted: the print service stopped while sending"
            if job.kind == "drawer":
                self.store.expire(job, f"{reason}; a drawer kick is never fired late")
            else:
                self._reprint_as_copy(job, reason)

    def _schedule(self, delay: float) -> float:
        self._resume_at = self._monotonic() + delay
        return delay

    def _close(self) -> None:
        try:
            self.transport.close()
        except Exception:  # closing must never take the worker down
            log.exception("print worker %s: error while closing the link", self.name)


def probe_status(config: PrinterConfig) -> PrinterStatus:
    """Open the printer's link, ask its status, close (for `pos printer list`).

    Do not call this for a printer whose worker runs in the same process: they would
    share one serial port or the printer's one TCP connection.
    """
    transport = transport_for(config)
    try:
        transport.open()
    except TransportError as exc:
        return PrinterStatus(online=False, detail=f"unreachable: {exc}")
    try:
        return transport.status()
    except TransportError as exc:
        return PrinterStatus(online=False, detail=f"link failed: {exc}")
    finally:
        transport.close()

