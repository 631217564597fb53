"""Static QRIS payments and the settlement reports that verify them (issue 19, part 4).
The work is in cloud.services.static_payments; these views only translate."""
from apiflask import APIBlueprint

from cloud.api.access import require
from cloud.api.schemas.common import ListQuery, list_schema
from cloud.api.schemas.settlements import (
    SettlementImportDetailOut,
    SettlementImportForm,
    SettlementImportOut,
    StaticPaymentOut,
    StaticPaymentQuery,
)
from cloud.api.tx import writes
from cloud.extensions import db
from cloud.services import static_payments
from sync.web.lists import paginate
from sync.web.openapi import refuses

bp = APIBlueprint("settlements", __name__, url_prefix="/api/payments", tag="Payments (static QRIS)")


@bp.get("/static/")
@require("manager")
@bp.input(StaticPaymentQuery, location="query")
@bp.output(list_schema(StaticPaymentOut, "StaticPaymentList"))
def list_static(query_data, actor):
    """Static QRIS payments the tills recorded on the payer's reference, newest first:
    unverified ones by default (`state`), your outlet's for an outlet-bound manager."""
    stmt = static_payments.static_query(actor, outlet_id=query_data.get("outlet_id"),
                                        date_from=query_data.get("date_from"), date_to=query_data.get("date_to"),
                                        state=query_data["state"])
    return paginate(db.session, stmt, query_data, serialize=static_payments.present, scalars=False)


@bp.post("/settlements/")
@writes
@require("manager")
@bp.input(SettlementImportForm, location="form_and_files")
@bp.output(SettlementImportOut, status_code=201)
@bp.doc(responses={200: {"description": "This file was imported before: that import, unchanged"}})
@refuses(INVALID_CSV="not a UTF-8 CSV with the provider's header", INVALID_ROWS="a line is invalid (listed in rows, "
         "by line number); nothing was imported", INVALID_DATE_RANGE="date_to before date_from, or over 62 days",
         TOO_MANY_ROWS="more than 20000 lines", FILE_TOO_LARGE="more than 5 MB")
def import_settlement(form_and_files_data, actor):
    """Match a Midtrans settlement CSV or a Xendit transactions report CSV against the static
    QRIS payments, by reference and amount: a match verifies the payment; an amount that
    differs, a reference no till recorded, and an unverified payment of the covered days the
    file lacks are flagged (listed in `differences`), never changed. All in one transaction;
    the same file again answers the first import (200) and changes nothing."""
    form = form_and_files_data
    upload = form["file"]
    request = static_payments.ImportRequest(provider=form["provider"], data=upload.read(),
                                            filename=upload.filename or "", date_from=form["date_from"],
                                            date_to=form["date_to"], outlet_id=form.get("outlet_id"))
    record, created = static_payments.import_report(db.session, actor, request, actor.user_id)
    return static_payments.summary(db.session, record, replayed=not created), 201 if created else 200


@bp.get("/settlements/")
@require("manager")
@bp.input(ListQuery, location="query")
@bp.output(list_schema(SettlementImportOut, "SettlementImportList"))
def list_imports(query_data, actor):
    """The settlement files imported, newest first (an outlet-bound manager: their outlet's)."""
    return paginate(db.session, static_payments.imports_query(actor), query_data,
                    serialize=lambda record: static_payments.summary(db.session, record))


@bp.get("/settlements/<int:import_id>/")
@require("manager")
@bp.output(SettlementImportDetailOut)
def get_import(import_id, actor):
    """One import: its counts, its differences, and every line with what it came out as."""
    record = static_payments.get_import(db.session, actor, import_id)
    return {**static_payments.summary(db.session, record), "rows": static_payments.lines_of(db.session, record)}
