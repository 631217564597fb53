"""Printing at the outlet, on the API's side: printers' settings, and print jobs written
in the same transaction as what caused them. Sending happens in the print worker
process (edge/services/printing/runtime.py), never on the request path.

Triggers: an order confirmed -> a kitchen ticket per kitchen printer (its station's
items, or all of them); an order fully paid -> a receipt if the outlet auto-prints, and a
drawer kick after cash; a refund -> a refund slip (and the drawer for cash); a shift
closed -> its Z report. Reprints are COPY jobs.
"""
from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from edge.context import running_app
from edge.models import Order, Printer, PrinterState, PrintJobRow, Shift
from edge.services import audit
from edge.services.printing import documents as print_documents
from edge.services.storage import rows
from edge.services.storage.uow import after_commit
from edge.services.syncing import mirror_cache
from edge.services.syncing import outlet as outlet_settings
from printers import ConfigError, DrawerKick, PrinterConfig, render_text
from sync.errors import Conflict, Invalid, NotFound
from sync.timeutil import utcnow
from sync.vocab import cash_like

DEFAULT_COLUMNS = 48

# Where printers may reach. A file printer is a file *name* in the data dir's printers
# folder, for everyone. What a manager sets through the API stays on the outlet's LAN:
# a network printer at a private address on port 9100, a serial printer under /dev/.
# Other hosts and ports are the machine owner's to set, with `pos printer add`.
PRINTERS_FOLDER = "printers"
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
LAN = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))
PRINTER_PORT = 9100
TRANSPORT_FIELDS = ("kind", "device", "host", "port")


# --- printers ------------------------------------------------------------------------------

def printers_folder() -> Path:
    return Path(running_app().config["DATA_DIR"]) / PRINTERS_FOLDER


def config_of(printer) -> PrinterConfig:
    """The printer's settings as its link needs them: a file printer's name becomes its
    path in the printers folder (a path stored before names were the rule keeps only
    its last part, so it too stays in the folder)."""
    values = {**printer.config, "name": printer.name}
    if values.get("kind") == "file" and values.get("device"):
        values["device"] = str(printers_folder() / os.path.basename(values["device"]))
    return PrinterConfig.from_dict(values)


def _validated(data: dict) -> PrinterConfig:
    try:
        return PrinterConfig.from_dict(data)
    except ConfigError as error:
        field = str(error).split(":", 1)[0] if ":" in str(error) else None
        raise Invalid(str(error), "INVALID_PRINTER", field) from None
    except (TypeError, ValueError) as error:
        raise Invalid(f"Invalid printer settings: {error}", "INVALID_PRINTER") from None


def _refuse(field: str, message: str):
    raise Invalid(f"{field}: {message}", "INVALID_PRINTER", field)


def _check_file_name(config: PrinterConfig) -> None:
    if config.kind == "file" and (not FILE_NAME.match(config.device) or ".." in config.device):
        _refuse("device", "a file printer writes into the edge's printers folder: give a file name such as "
                          "'kitchen.escpos' (letters, digits, '.', '_' and '-'), not a path")


def _check_lan(config: PrinterConfig) -> None:
    """What a manager may set through the API: the outlet's LAN and the printer port."""
    if config.kind == "network":
        try:
            address = ipaddress.ip_address(config.host)
        except ValueError:
            address = None
        if address is None or not any(address in network for network in LAN):
            _refuse("host", "give the printer's address on the outlet's network (10.x.x.x, 172.16-31.x.x, "
                            "192.168.x.x or fc00::/7); other hosts are set with `pos printer add` on the edge")
        if config.port != PRINTER_PORT:
            _refuse("port", f"network printers take port {PRINTER_PORT} here; another port is set with "
                            "`pos printer add` on the edge")
    if config.kind == "serial" and (not config.device.startswith("/dev/") or ".." in config.device):
        _refuse("device", "a serial printer is a device under /dev/, such as /dev/ttyUSB0")


def create_printer(session, data: dict, *, by_manager: bool = False, user_id: int | None = None) -> Printer:
    """`by_manager`: set through the API, so held to the outlet's LAN (see above)."""
    if session.execute(select(Printer.id).where(Printer.name == data["name"])).first():
        raise Conflict(f"A printer named {data['name']} exists", "PRINTER_EXISTS", "name")
    config = _validated({k: v for k, v in data.items() if k != "is_active"})  # is_active is the row's, not the link's
    _check_file_name(config)
    if by_manager:
        _check_lan(config)
    printer = Printer(name=config.name, config=config.to_dict(), role=config.role, station=config.station or None,
                      is_active=data.get("is_active", True))
    session.add(printer)
    session.flush()
    after_commit(mirror_cache.clear)
    audit.record(session, "printer_change", user_id=user_id, object_type="printer", object_id=printer.id,
                 before=None, after=_audited(printer))
    return printer


def _audited(printer: Printer) -> dict:
    return {"name": printer.name, "config": printer.config, "role": printer.role, "station": printer.station,
            "is_active": printer.is_active}


def update_printer(session, printer: Printer, changes: dict, *, by_manager: bool = False,
                   user_id: int | None = None) -> Printer:
    before = _audited(printer)
    renamed = "name" in changes and changes["name"] != printer.name
    if renamed and session.execute(select(Printer.id).where(Printer.name == changes["name"])).first():
        raise Conflict(f"A printer named {changes['name']} exists", "PRINTER_EXISTS", "name")
    merged = {**printer.config, "name": printer.name,
              **{k: v for k, v in changes.items() if k != "is_active"}}
    if merged.get("kind") == "file" and "device" not in changes:
        merged["device"] = os.path.basename(merged.get("device") or "")  # a path stored before names were the rule
    if "device" in changes or "kind" in changes:  # a new device (or kind) says where the printer is anew
        for derived in ("host", "port", "vendor_id", "product_id"):
            if derived not in changes:
                merged.pop(derived, None)
    config = _validated(merged)
    _check_file_name(config)
    if by_manager and any(field in changes for field in TRANSPORT_FIELDS):
        _check_lan(config)
    printer.name, printer.config, printer.role = config.name, config.to_dict(), config.role
    printer.station = config.station or None
    if "is_active" in changes:
        printer.is_active = changes["is_active"]
    printer.updated_at = utcnow()
    session.flush()
    after_commit(mirror_cache.clear)
    after = _audited(printer)
    if after != before:
        audit.record(session, "printer_change", user_id=user_id, object_type="printer", object_id=printer.id,
                     before=before, after=after)
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


def open_drawer(session, shift: Shift) -> PrintJobRow:
    """The drawer opened with no sale: its kick on the receipt printer (the drawer hangs on
    it), tied to the shift rather than an order."""
    printer = receipt_printer(session)
    if printer is None:
        raise Conflict("No receipt printer is set up, so there is no drawer to open", "NO_RECEIPT_PRINTER")
    return enqueue(session, printer, "drawer", DrawerKick().to_dict(), shift_id=shift.id)


def on_refunded(session, order: Order, given: list) -> list[PrintJobRow]:
    """A refund slip for every refund, and the drawer opened when cash goes back."""
    printer = receipt_printer(session)
    if printer is None:
        return []
    jobs = []
    if any(cash_like(record.method) for record in given):
        jobs.append(enqueue(session, printer, "drawer", DrawerKick().to_dict(), order_id=order.id))
    jobs.append(enqueue(session, printer, "refund", print_documents.refund_slip(session, order, given).to_dict(),
                        order_id=order.id))
    return jobs


def reprint(session, order: Order, kind: str, *, user_id: int | None = None,
            terminal: int | None = None) -> list[PrintJobRow]:
    """Print again on demand; anything printed before for this order comes out as COPY.
    Audited (`reprint`): a second receipt is how a paid order is passed off twice."""
    jobs = _reprint_jobs(session, order, kind)
    audit.record(session, "reprint", user_id=user_id, terminal=terminal, object_type="order", object_id=order.uuid,
                 after={"kind": kind, "order_number": order.order_number, "copy": any(job.copy for job in jobs)})
    return jobs


def _reprint_jobs(session, order: Order, kind: str) -> list[PrintJobRow]:
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


def print_report(session, shift: Shift, figures: dict, *, user_id: int | None = None,
                 terminal: int | None = None) -> PrintJobRow:
    """The shift's X report, or once closed its Z again: that one is a reprint and audited
    (`reprint` of the shift), like a receipt's."""
    printer = receipt_printer(session)
    if printer is None:
        raise Conflict("No receipt printer is set up at this outlet", "NO_PRINTER")
    job = enqueue(session, printer, "report", print_documents.shift_report(session, shift, figures).to_dict(),
                  shift_id=shift.id)
    if figures["status"] == "closed":
        session.flush()
        audit.record(session, "reprint", user_id=user_id, terminal=terminal if terminal is not None else shift.terminal,
                     object_type="shift", object_id=shift.uuid, after={"kind": "z_report", "print_job_id": job.id})
    return job


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
