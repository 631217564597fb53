"""Shifts per terminal: open with a float, cash in/out, X report, close into a Z report."""
from apiflask import APIBlueprint
from flask import current_app
from sqlalchemy import select

from edge.api.access import require
from edge.api.schemas.orders import PrintedOut
from edge.api.schemas.shifts import (
    CloseShiftIn,
    DrawerOpenIn,
    MovementIn,
    MovementOut,
    OpenShiftIn,
    ReportOut,
    ShiftOut,
)
from edge.api.tx import writes
from edge.extensions import db
from edge.models import Shift
from edge.services.printing import jobs as printing
from edge.services.selling import shifts
from sync.web.errors import NotFound
from sync.web.lists import ListQuery, list_schema, paginate

bp = APIBlueprint("shifts", __name__, url_prefix="/api/shifts", tag="Shifts")


@bp.post("/open/")
@writes
@require("cashier")
@bp.input(OpenShiftIn)
@bp.output(ShiftOut, status_code=201)
def open_shift(json_data, actor):
    """Open this terminal's shift with the cash float in the drawer."""
    return shifts.open_shift(db.session, actor.user_id, actor.terminal, json_data["opening_cash"])


@bp.get("/current/")
@require("cashier")
@bp.output(ShiftOut)
def current_shift(actor):
    """The open shift of this terminal (X-Terminal-ID), 404 when none."""
    shift = shifts.current(db.session, actor.terminal)
    if shift is None:
        raise NotFound("Open shift", "NO_OPEN_SHIFT")
    return shift


@bp.get("/")
@require("manager")
@bp.input(ListQuery, location="query")
@bp.output(list_schema(ShiftOut, "ShiftList"))
def list_shifts(query_data, actor):
    return paginate(db.session, select(Shift).order_by(Shift.id.desc()), query_data)


@bp.get("/<int:shift_id>/")
@require("cashier")
@bp.output(ShiftOut)
def get_shift(shift_id, actor):
    return shifts.get(db.session, shift_id)


@bp.post("/<int:shift_id>/cash-movements/")
@writes
@require("cashier")
@bp.input(MovementIn)
@bp.output(MovementOut, status_code=201)
def add_cash_movement(shift_id, json_data, actor):
    """Cash put into (in) or taken out of (out) the drawer, with a reason."""
    shift = shifts.get(db.session, shift_id)
    return shifts.add_movement(db.session, shift, actor.user_id, json_data["kind"], json_data["amount"],
                               json_data["reason"])


@bp.get("/<int:shift_id>/report/")
@require("cashier")
@bp.output(ReportOut)
def x_report(shift_id, actor):
    """The X report: the shift's figures so far, expected cash per method; a closed shift's Z as it
    was closed (counted and difference included)."""
    return {"report": shifts.report_wire(shifts.shown_report(db.session, shifts.get(db.session, shift_id)))}


@bp.post("/<int:shift_id>/close/")
@writes
@require("cashier")
@bp.input(CloseShiftIn)
@bp.output(ReportOut)
def close_shift(shift_id, json_data, actor):
    """Close with the counted cash (and, if counted, the card slips): the Z report of expected vs counted
    per method. A difference above the outlet's limit (`POS_EDGE_SHIFT_DIFFERENCE_LIMIT`) needs a manager's
    token (403 `MANAGER_APPROVAL_REQUIRED` otherwise); `expected_cash`, the figure the cashier confirmed,
    is checked against the drawer's (409 `EXPECTED_CHANGED`)."""
    counted = {"cash": json_data["counted_cash"]}
    if json_data.get("counted_card") is not None:
        counted["card"] = json_data["counted_card"]
    rules = shifts.CloseRules(difference_limit=current_app.config["SHIFT_DIFFERENCE_LIMIT"],
                              by_manager=actor.at_least("manager"))
    z = shifts.close(db.session, shifts.get(db.session, shift_id), actor.user_id, counted, rules,
                     expected_cash=json_data.get("expected_cash"))
    return {"report": shifts.report_wire(z)}


@bp.post("/<int:shift_id>/drawer/")
@writes
@require("cashier")
@bp.input(DrawerOpenIn)
@bp.output(PrintedOut, status_code=201)
def open_drawer(shift_id, json_data, actor):
    """Open the drawer with no sale ("no sale"), with a reason; recorded in the audit trail as
    `drawer_open` with who, when and why."""
    job = shifts.open_drawer(db.session, shifts.get(db.session, shift_id), actor.user_id, json_data["reason"])
    return {"jobs": [{"id": job.id, "printer_id": job.printer_id, "kind": job.kind, "copy": job.copy}]}


@bp.post("/<int:shift_id>/print/")
@writes
@require("cashier")
@bp.output(PrintedOut, status_code=201)
def print_shift_report(shift_id, actor):
    """Print the shift's report: X while open, Z (again, as COPY) once closed."""
    shift = shifts.get(db.session, shift_id)
    job = printing.print_report(db.session, shift, shifts.shown_report(db.session, shift), user_id=actor.user_id,
                                terminal=actor.terminal)
    db.session.flush()
    return {"jobs": [{"id": job.id, "printer_id": job.printer_id, "kind": job.kind, "copy": job.copy}]}
