"""Printers of this outlet (manager+): settings, status, jobs, retry and cancel, test page."""
from apiflask import APIBlueprint
from sqlalchemy import select

from edge.api.access import require
from edge.api.schemas.printers import (
    JobListQuery,
    PrinterIn,
    PrinterOut,
    PrinterPatchIn,
    PrintJobOut,
)
from edge.api.tx import writes
from edge.extensions import db
from edge.models import Printer
from edge.services.printing import jobs as printing
from printers import make_test_page
from sync.timeutil import isoformat
from sync.web.lists import ListQuery, list_schema, paginate, paginate_rows
from sync.web.openapi import refuses

bp = APIBlueprint("printers", __name__, url_prefix="/api/printers", tag="Printers")

INVALID_PRINTER_WHY = ("the settings cannot work together (the field and why are given): a kind without its device,"
                       " an unknown profile or code page, a host off the LAN")


def printer_out(printer: Printer) -> dict:
    state = printing.states(db.session).get(printer.id)
    problems = {p["id"]: p for p in printing.problems(db.session)}
    counts = problems.get(printer.id, {"queued": 0, "failed": 0})
    return {"id": printer.id, "name": printer.name, "role": printer.role, "station": printer.station,
            "is_active": printer.is_active, "config": printer.config,
            "status": {"online": state.online if state else None, "problem": state.problem if state else "",
                       "waiting_for": state.waiting_for if state else "",
                       "checked_at": isoformat(state.checked_at) if state else None},
            "queued": counts["queued"], "failed": counts["failed"]}


@bp.get("/")
@require("manager")
@bp.input(ListQuery, location="query")
@bp.output(list_schema(PrinterOut, "PrinterList"))
def list_printers(query_data, actor):
    """Printers with their last reported status and queue."""
    rows = db.session.execute(select(Printer).order_by(Printer.id)).scalars().all()
    return paginate_rows([printer_out(p) for p in rows], query_data)


@bp.post("/")
@writes
@require("manager")
@bp.input(PrinterIn)
@bp.output(PrinterOut, status_code=201)
@refuses(INVALID_PRINTER=INVALID_PRINTER_WHY)
def add_printer(json_data, actor):
    """Add a printer: serial (a device under /dev/, baudrate, flow control), USB
    (vendor:product), network (an address on the outlet's LAN, port 9100) or file (a file
    name in the edge's printers folder); its profile sets the paper width. Other hosts
    and ports are the machine owner's to set, with `pos printer add`."""
    return printer_out(printing.create_printer(db.session, json_data, by_manager=True, user_id=actor.user_id))


@bp.get("/<int:printer_id>/")
@require("manager")
@bp.output(PrinterOut)
def get_printer(printer_id, actor):
    return printer_out(printing.get_printer(db.session, printer_id))


@bp.patch("/<int:printer_id>/")
@writes
@require("manager")
@bp.input(PrinterPatchIn)
@bp.output(PrinterOut)
@refuses(INVALID_PRINTER=INVALID_PRINTER_WHY)
def update_printer(printer_id, json_data, actor):
    printer = printing.get_printer(db.session, printer_id)
    return printer_out(printing.update_printer(db.session, printer, json_data, by_manager=True,
                                                  user_id=actor.user_id))


@bp.get("/<int:printer_id>/jobs/")
@require("manager")
@bp.input(JobListQuery, location="query")
@bp.output(list_schema(PrintJobOut, "PrintJobList"))
def list_jobs(printer_id, query_data, actor):
    """The printer's jobs, newest first."""
    printer = printing.get_printer(db.session, printer_id)
    return paginate(db.session, printing.jobs_of(db.session, printer, query_data.get("state")), query_data)


@bp.post("/<int:printer_id>/jobs/<int:job_id>/retry/")
@writes
@require("manager")
@bp.output(PrintJobOut)
def retry_job(printer_id, job_id, actor):
    """Send a failed (or cancelled) job again."""
    printer = printing.get_printer(db.session, printer_id)
    return printing.retry_job(db.session, printing.get_job(db.session, printer, job_id), actor.user_id)


@bp.post("/<int:printer_id>/jobs/<int:job_id>/cancel/")
@writes
@require("manager")
@bp.output(PrintJobOut)
def cancel_job(printer_id, job_id, actor):
    """Drop a queued or failed job."""
    printer = printing.get_printer(db.session, printer_id)
    return printing.cancel_job(db.session, printing.get_job(db.session, printer, job_id), actor.user_id)


@bp.post("/<int:printer_id>/test/")
@writes
@require("manager")
@bp.output(PrintJobOut, status_code=201)
def print_test_page(printer_id, actor):
    """Queue a test page (link, width, code page, QR and barcode)."""
    printer = printing.get_printer(db.session, printer_id)
    job = printing.enqueue(db.session, printer, "test", make_test_page(printing.config_of(printer)).to_dict())
    db.session.flush()
    return job


