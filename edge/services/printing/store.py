"""The print worker's `JobStore` on the edge's SQLite: short write transactions only,
never device I/O inside one."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from edge.extensions import db
from edge.models import Printer, PrintJobRow
from edge.services.printing.jobs import config_of
from edge.services.storage.uow import write_transaction
from printers import PrintJob, render_stored, render_text
from printers.jobs import InvalidTransition
from printers.values import load_document
from sync.timeutil import utcnow


def _naive(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


class SqliteJobStore:
    def _printer(self, session, name: str) -> Printer | None:
        return session.execute(select(Printer).where(Printer.name == name)).scalar_one_or_none()

    def _job(self, row: PrintJobRow, printer: Printer) -> PrintJob:
        data = row.data
        if not data:
            data = render_stored(row.document, config_of(printer))
        return PrintJob(id=row.id, printer_name=printer.name, kind=row.kind, document=row.document, data=data,
                        created_at=row.created_at.replace(tzinfo=UTC), attempts=row.attempts,
                        copy=row.copy, state=row.state, last_error=row.last_error or "",
                        retry_at=row.retry_at.replace(tzinfo=UTC) if row.retry_at else None,
                        copy_of=row.copy_of)

    def next_job(self, printer_name: str) -> PrintJob | None:
        session = db.session
        try:
            printer = self._printer(session, printer_name)
            if printer is None:
                return None
            row = session.execute(
                select(PrintJobRow).where(PrintJobRow.printer_id == printer.id, PrintJobRow.state == "queued")
                .order_by(PrintJobRow.queue_position, PrintJobRow.id).limit(1)).scalar_one_or_none()
            return None if row is None else self._job(row, printer)
        finally:
            session.rollback()  # end the read: nothing is held between calls

    def _update(self, job: PrintJob, allowed: tuple[str, ...], **values) -> PrintJobRow:
        with write_transaction() as session:
            row = session.get(PrintJobRow, job.id)
            if row is None or row.state not in allowed:
                raise InvalidTransition(f"job {job.id} is {row.state if row else 'gone'}, not {'/'.join(allowed)}")
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            return row

    def mark_sending(self, job: PrintJob) -> PrintJob:
        self._update(job, ("queued",), state="sending", retry_at=None)
        return replace(job, state="sending", retry_at=None)

    def mark_done(self, job: PrintJob) -> None:
        row = self._update(job, ("sending",), state="done", last_error="")
        _transcribe(row.printer_id, job)

    def mark_waiting(self, job: PrintJob, reason: str, retry_at: datetime) -> None:
        self._update(job, ("queued",), last_error=reason[:500], retry_at=_naive(retry_at))

    def mark_failed(self, job: PrintJob, reason: str, retry_at: datetime | None) -> None:
        with write_transaction() as session:
            row = session.get(PrintJobRow, job.id)
            if row is None or row.state not in ("queued", "sending"):
                raise InvalidTransition(f"job {job.id} cannot fail from {row.state if row else 'gone'}")
            row.attempts += 1
            row.state = "queued" if retry_at is not None else "failed"
            row.last_error, row.retry_at, row.updated_at = reason[:500], _naive(retry_at), utcnow()

    def requeue_as_copy(self, job: PrintJob, reason: str, document: dict, data: bytes) -> PrintJob:
        with write_transaction() as session:
            row = session.get(PrintJobRow, job.id)
            if row is None or row.state != "sending":
                raise InvalidTransition(f"job {job.id} is not sending")
            row.state, row.attempts, row.last_error = "failed", row.attempts + 1, reason[:500]
            now = utcnow()
            row.updated_at = now
            copy = PrintJobRow(printer_id=row.printer_id, queue_position=row.queue_position, kind=row.kind,
                               order_id=row.order_id, shift_id=row.shift_id, document=document, data=data,
                               state="queued", copy=True, copy_of=row.id, created_at=now, updated_at=now)
            session.add(copy)
            session.flush()
            printer = session.get(Printer, row.printer_id)
            return self._job(copy, printer)

    def expire(self, job: PrintJob, reason: str) -> None:
        self._update(job, ("queued",), state="expired", last_error=reason[:500])

    def stuck_sending(self, printer_name: str) -> list[PrintJob]:
        session = db.session
        try:
            printer = self._printer(session, printer_name)
            if printer is None:
                return []
            rows = session.execute(select(PrintJobRow).where(PrintJobRow.printer_id == printer.id,
                                                             PrintJobRow.state == "sending")
                                   .order_by(PrintJobRow.queue_position, PrintJobRow.id)).scalars().all()
            return [self._job(row, printer) for row in rows]
        finally:
            session.rollback()


def _transcribe(printer_id: int, job: PrintJob) -> None:
    """A file printer (the demo's) also keeps what it printed as plain text beside its
    ESC/POS file, so a person can read the receipts and tickets without a printer."""
    session = db.session
    printer = session.get(Printer, printer_id)
    session.rollback()
    if printer is None or printer.config.get("kind") != "file" or job.kind == "drawer":
        return
    config = config_of(printer)
    paper = config.paper()
    lines = render_text(load_document(job.document), paper.columns, config.code_page,
                        images=paper.image_impl is not None)
    rule = "=" * paper.columns
    with open(f"{config.device}.txt", "a", encoding="utf-8") as transcript:
        transcript.write(f"{rule}\n" + "\n".join(lines) + "\n\n")
