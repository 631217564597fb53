"""Printing at the outlet, on the API's side: printers' settings, and print jobs written
in the same transaction as what caused them. Sending happens in the print worker
process (edge/services/print_runtime.py), never on the request path.

Triggers: an order confirmed -> a kitchen ticket per kitchen printer (its station's
items, or all of them); an order fully paid -> a receipt if the outlet auto-prints, and a
drawer kick after cash; a refund -> a refund slip (and the drawer for cash); a shift
closed -> its Z report. Reprints are COPY jobs.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from printers import ConfigError, DrawerKick, PrinterConfig, render_text

from edge.models import Order, Printer, PrinterState, PrintJobRow, Shift
from edge.services import mirror_cache, print_documents, rows
from edge.services import outlet as outlet_settings
from edge.services.uow import after_commit
from sync.timeutil import utcnow
from sync.web.errors import Conflict, NotFound, ValidationFailed

DEFAULT_COLUMNS = 48


# --- printers ------------------------------------------------------------------------------

def config_of(printer) -> PrinterConfig:
    return PrinterConfig.from_dict({**printer.config, "name": printer.name})


def _validated(data: dict) -> PrinterConfig:
    try:
        return PrinterConfig.from_dict(data)
    except ConfigError as error:
        field = str(error).split(":", 1)[0] if ":" in str(error) else None
        raise ValidationFailed(str(error), "INVALID_PRINTER", field) from None
    except (TypeError, ValueError) as error:
        raise ValidationFailed(f"Invalid printer settings: {error}", "INVALID_PRINTER") from None


def create_printer(session, data: dict) -> Printer:
    if session.execute(select(Printer.id).where(Printer.name == data["name"])).first():
        raise Conflict(f"A printer named {data['name']} exists", "PRINTER_EXISTS", "name")
    config = _validated(data)
    printer = Printer(name=config.name, config=config.to_dict(), role=config.role, station=config.station or None,
                      is_active=data.get("is_active", True))
    session.add(printer)
    session.flush()
    after_commit(mirror_cache.clear)
    return printer


def update_printer(session, printer: Printer, changes: dict) -> Printer:
    if "name" in changes and changes["name"] != printer.name:
        if session.execute(select(Printer.id).where(Printer.name == changes["name"])).first():
            raise Conflict(f"A printer named {changes['name']} exists", "PRINTER_EXISTS", "name")
    merged = {**printer.config, "name": printer.name,
              **{k: v for k, v in changes.items() if k != "is_active"}}
    config = _validated(merged)
    printer.name, printer.config, printer.role = config.name, config.to_dict(), config.role
    printer.station = config.station or None
    if "is_active" in changes:
        printer.is_active = changes["is_active"]
    printer.updated_at = utcnow()
    session.flush()
    after_commit(mirror_cache.clear)
    return printer


def get_printer(session, printer_id: int) -> Printer:
    printer = session.get(Printer, printer_id)
    if printer is None:
        raise NotFound("Printer")
    return printer


def find_printer(session, name: str) -> Printer | None:
    return session.execute(select(Printer).where(Printer.name == name)).scalar_one_or_none()


@dataclass(frozen=True)
class PrinterInfo:
    """A configured printer as plain values (kept in memory between requests)."""

    id: int
    name: str
    role: str
    station: str | None
    config: dict


def active_printers(session, role: str | None = None) -> list[PrinterInfo]:
    printers = mirror_cache.get("printers", lambda: [
        PrinterInfo(p.id, p.name, p.role, p.station, p.config) for p in session.execute(
            select(Printer).where(Printer.is_active.is_(True)).order_by(Printer.id)).scalars()])
    return [p for p in printers if role is None or p.role == role]


def receipt_printer(session) -> PrinterInfo | None:
    printers = active_printers(session, "receipt")
    return printers[0] if printers else None


# --- jobs --------------------------------------------------------------------------------

def enqueue(session, printer, kind: str, document: dict, *, order_id: int | None = None,
            shift_id: int | None = None, copy: bool = False) -> PrintJobRow:
    now = utcnow()
    job = PrintJobRow(printer_id=printer.id, queue_position=now.timestamp(), kind=kind, order_id=order_id,
                      shift_id=shift_id, document=document, data=None, state="queued", copy=copy,
                      created_at=now, updated_at=now)
    return rows.insert(session, job)  # written at once: the caller answers with its id


def on_confirmed(session, order: Order) -> list[PrintJobRow]:
    """Kitchen tickets for a confirmed order, one per kitchen printer that has its items."""
    printers = active_printers(session, "kitchen")
    if not printers:
        return []
    tickets = print_documents.kitchen_tickets(session, order, sorted({p.station for p in printers},
                                                                      key=lambda s: s or ""))
    return [enqueue(session, p, "kitchen", tickets[p.station].to_dict(), order_id=order.id)
            for p in printers if p.station in tickets]


def on_paid(session, order: Order, cash: bool) -> list[PrintJobRow]:
    """The receipt once the order is fully paid (if the outlet auto-prints); the drawer after cash."""
    printer = receipt_printer(session)
    if printer is None:
        return []
    jobs = []
    if cash:
        jobs.append(enqueue(session, printer, "drawer", DrawerKick().to_dict(), order_id=order.id))
    if order.is_fully_paid and outlet_settings.outlet(session).auto_print_receipt:
        jobs.append(enqueue(session, printer, "receipt", print_documents.receipt(session, order).to_dict(),
                            order_id=order.id))
    return jobs


def on_refunded(session, order: Order, given: list) -> list[PrintJobRow]:
    """A refund slip for every refund, and the drawer opened when cash goes back."""
    printer = receipt_printer(session)
    if printer is None:
        return []
    jobs = []
    if any(record.method == "cash" for record in given):
        jobs.append(enqueue(session, printer, "drawer", DrawerKick().to_dict(), order_id=order.id))
    jobs.append(enqueue(session, printer, "refund", print_documents.refund_slip(session, order, given).to_dict(),
                        order_id=order.id))
    return jobs


def reprint(session, order: Order, kind: str) -> list[PrintJobRow]:
    """Print again on demand; anything printed before for this order comes out as COPY."""
    printed = session.execute(select(func.count(PrintJobRow.id)).where(
        PrintJobRow.order_id == order.id, PrintJobRow.kind == kind, PrintJobRow.state != "cancelled")).scalar_one()
    copy = printed > 0
    if kind == "receipt":
        printer = receipt_printer(session)
        if printer is None:
            raise Conflict("No receipt printer is set up at this outlet", "NO_PRINTER")
        return [enqueue(session, printer, "receipt", print_documents.receipt(session, order, copy=copy).to_dict(),
                        order_id=order.id, copy=copy)]
    if order.confirmed_at is None:
        raise Conflict("The order has not gone to the kitchen yet; confirm it first", "NOT_CONFIRMED")
    printers = active_printers(session, "kitchen")
    if not printers:
        raise Conflict("No kitchen printer is set up at this outlet", "NO_PRINTER")
    tickets = print_documents.kitchen_tickets(session, order, sorted({p.station for p in printers},
                                                                      key=lambda s: s or ""), copy=copy)
    return [enqueue(session, p, "kitchen", tickets[p.station].to_dict(), order_id=order.id, copy=copy)
            for p in printers if p.station in tickets]


def on_shift_closed(session, shift: Shift, figures: dict) -> list[PrintJobRow]:
    printer = receipt_printer(session)
    if printer is None:
        return []
    return [enqueue(session, printer, "report", print_documents.shift_report(session, shift, figures).to_dict(),
                    shift_id=shift.id)]


def print_report(session, shift: Shift, figures: dict) -> PrintJobRow:
    printer = receipt_printer(session)
    if printer is None:
        raise Conflict("No receipt printer is set up at this outlet", "NO_PRINTER")
    return enqueue(session, printer, "report", print_documents.shift_report(session, shift, figures).to_dict(),
                   shift_id=shift.id)


def receipt_text(session, order: Order) -> list[str]:
    """The receipt as it prints, line by line (same layout, width and code page)."""
    printer = receipt_printer(session)
    document = print_documents.receipt(session, order)
    if printer is None:
        return render_text(document, DEFAULT_COLUMNS)
    config = config_of(printer)
    paper = config.paper()
    return render_text(document, paper.columns, config.code_page, images=paper.image_impl is not None)


def jobs_of(session, printer: Printer, state: str | None = None):
    stmt = select(PrintJobRow).where(PrintJobRow.printer_id == printer.id)
    if state:
        stmt = stmt.where(PrintJobRow.state == state)
    return stmt.order_by(PrintJobRow.id.desc())


def get_job(session, printer: Printer, job_id: int) -> PrintJobRow:
    job = session.get(PrintJobRow, job_id)
    if job is None or job.printer_id != printer.id:
        raise NotFound("Print job")
    return job


def retry_job(session, job: PrintJobRow, user_id: int) -> PrintJobRow:
    """A manager sends a failed job again (as COPY if it may have printed in part)."""
    if job.state not in ("failed", "cancelled"):
        raise Conflict(f"A {job.state} job cannot be retried", "JOB_NOT_RETRYABLE")
    if job.kind == "drawer":
        raise Conflict("A cash drawer kick is never fired late", "JOB_NOT_RETRYABLE")
    job.state, job.attempts, job.last_error, job.retry_at = "queued", 0, "", None
    job.queue_position, job.resolved_by, job.updated_at = utcnow().timestamp(), user_id, utcnow()
    session.flush()
    return job


def cancel_job(session, job: PrintJobRow, user_id: int) -> PrintJobRow:
    if job.state not in ("queued", "failed"):
        raise Conflict(f"A {job.state} job cannot be cancelled", "JOB_NOT_CANCELLABLE")
    job.state, job.resolved_by, job.updated_at = "cancelled", user_id, utcnow()
    session.flush()
    return job


def states(session) -> dict[int, PrinterState]:
    return {s.printer_id: s for s in session.execute(select(PrinterState)).scalars()}


def problems(session) -> list[dict]:
    """Every active printer with what is wrong with it, for the status bar."""
    counts = dict(session.execute(
        select(PrintJobRow.printer_id, func.count(PrintJobRow.id))
        .where(PrintJobRow.state.in_(("queued", "sending"))).group_by(PrintJobRow.printer_id)).all())
    failed = dict(session.execute(
        select(PrintJobRow.printer_id, func.count(PrintJobRow.id))
        .where(PrintJobRow.state == "failed").group_by(PrintJobRow.printer_id)).all())
    known = states(session)
    result = []
    for printer in active_printers(session):
        state = known.get(printer.id)
        problem = (state.problem or state.waiting_for) if state else ""
        if failed.get(printer.id):
            problem = problem or f"{failed[printer.id]} job(s) failed"
        result.append({"id": printer.id, "name": printer.name, "role": printer.role,
                       "online": state.online if state else None, "problem": problem,
                       "queued": counts.get(printer.id, 0), "failed": failed.get(printer.id, 0)})
    return result
