"""The print worker process: one `printers.PrintWorker` thread per active printer, fed
from the edge's SQLite, reporting each printer's state back to it.

`pos edge run` starts it as a separate process (`pos edge print-worker`), so device I/O
(a printer that stops reading, a wedged USB driver) can never stall the API's event
loop or the kitchen screens. The API writes jobs; this process finds them by polling
(a fraction of a second) and writes job states and printer states back.
"""
from __future__ import annotations

import logging
import os
import threading
import time

from sqlalchemy import func, select

from edge.extensions import db
from edge.models import Printer, PrinterState, PrintJobRow
from edge.services.printing.jobs import config_of
from edge.services.printing.store import SqliteJobStore
from edge.services.storage.uow import write_transaction
from printers import PrintWorker
from printers.worker import WorkerPolicy
from sync.timeutil import utcnow

log = logging.getLogger(__name__)
POLL_S = 0.3


class PrintService:
    def __init__(self, app, policy: WorkerPolicy | None = None, poll_s: float = POLL_S):
        self.app = app
        self.policy = policy or WorkerPolicy(idle_poll_s=1.0)
        self.poll_s = poll_s
        self.store = SqliteJobStore()
        self.workers: dict[int, tuple[PrintWorker, threading.Thread, threading.Event, object]] = {}
        self.stop_event = threading.Event()
        self._seen_jobs = 0

    # --- workers -------------------------------------------------------------------------

    def _start_worker(self, printer: Printer) -> None:
        config = config_of(printer)
        worker = PrintWorker(config, self.store, policy=self.policy)
        stop = threading.Event()

        def run():
            with self.app.app_context():
                worker.run_forever(stop)

        thread = threading.Thread(target=run, name=f"print-{printer.name}", daemon=True)
        thread.start()
        self.workers[printer.id] = (worker, thread, stop, printer.updated_at)
        log.info("print worker started for %s (%s)", printer.name, config.kind)

    def _stop_worker(self, printer_id: int) -> None:
        worker, thread, stop, _ = self.workers.pop(printer_id)
        stop.set()
        worker.wake()
        thread.join(timeout=5)

    def reconcile(self) -> None:
        """Start, restart or stop workers to match the printers table."""
        printers = {p.id: p for p in db.session.execute(select(Printer).where(Printer.is_active.is_(True))).scalars()}
        db.session.rollback()
        for printer_id in list(self.workers):
            if printer_id not in printers or printers[printer_id].updated_at != self.workers[printer_id][3]:
                self._stop_worker(printer_id)
        for printer_id, printer in printers.items():
            if printer_id not in self.workers:
                self._start_worker(printer)

    # --- the loop ------------------------------------------------------------------------

    def _wake_on_new_jobs(self) -> None:
        latest = db.session.execute(select(func.coalesce(func.max(PrintJobRow.id), 0))).scalar_one()
        db.session.rollback()
        if latest != self._seen_jobs:
            self._seen_jobs = latest
            for worker, _, _, _ in self.workers.values():
                worker.wake()

    def report_states(self) -> None:
        with write_transaction() as session:
            for printer_id, (worker, _, _, _) in self.workers.items():
                row = session.get(PrinterState, printer_id) or PrinterState(printer_id=printer_id)
                status = worker.last_status
                row.online = None if status is None or not status.answered else not status.problem
                row.problem = (status.problem or "") if status is not None else ""
                row.waiting_for = (worker.waiting_for or "")[:200]
                row.checked_at = utcnow()
                session.add(row)

    def run(self, parent_pid: int | None = None) -> None:
        last_reconcile = last_report = 0.0
        last_failure = None
        with self.app.app_context():
            while not self.stop_event.is_set():
                if parent_pid and os.getppid() != parent_pid:
                    log.info("the edge process is gone; print worker exits")
                    break
                now = time.monotonic()
                try:
                    if now - last_reconcile > 2.0:
                        self.reconcile()
                        last_reconcile = now
                    self._wake_on_new_jobs()
                    if now - last_report > 1.0:
                        self.report_states()
                        last_report = now
                    if last_failure is not None:
                        log.info("print service cycles work again")
                    last_failure = None
                except Exception as error:  # keep printing whatever one bad cycle did
                    said = f"{error.__class__.__name__}: {error}"
                    if said != last_failure:  # once, not every second (a full disk, a damaged file)
                        log.exception("print service cycle failed (said once until it changes or recovers)")
                    last_failure = said
                    db.session.rollback()
                self.stop_event.wait(self.poll_s)
            for printer_id in list(self.workers):
                self._stop_worker(printer_id)

    def stop(self) -> None:
        self.stop_event.set()
