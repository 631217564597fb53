"""The audit trail (manager+: a manager sees their outlet, an owner the tenant): who did
what at every till and at head office, filtered, exported, and its hash chains checked."""
from apiflask import APIBlueprint
from flask import Response

from cloud.api.access import require
from cloud.api.schemas.audit import AuditEntryOut, AuditExportQuery, AuditListQuery, VerifyOut, VerifyQuery
from cloud.api.schemas.common import list_schema
from cloud.api.tx import writes
from cloud.extensions import db
from cloud.services import audit, spreadsheets
from sync.web.lists import paginate

bp = APIBlueprint("audit", __name__, url_prefix="/api/audit", tag="Audit")


@bp.get("/")
@require("manager")
@bp.input(AuditListQuery, location="query")
@bp.output(list_schema(AuditEntryOut, "AuditEntryList"))
def list_entries(query_data, actor):
    """Sensitive actions, newest first, filtered by actor, action, outlet, object and day."""
    return paginate(db.session, audit.entries_query(actor, query_data), query_data, serialize=audit.as_dict)


@bp.get("/export/")
@writes
@require("manager")
@bp.input(AuditExportQuery, location="query")
@bp.doc(responses={200: {"description": "The filtered trail as CSV or Excel",
                         "content": {"text/csv": {"schema": {"type": "string"}},
                                     spreadsheets.XLSX_MIME: {"schema": {"type": "string", "format": "binary"}}}}})
def export_entries(query_data, actor):
    """Download the filtered trail (`?format=csv|xlsx`); the export itself is audited."""
    stmt = audit.entries_query(actor, query_data)
    body, mimetype, filename = audit.export(db.session, stmt, query_data["format"])
    audit.record_export(db.session, actor, "audit", query_data)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/verify/")
@require("manager")
@bp.input(VerifyQuery, location="query")
@bp.output(VerifyOut)
def verify(query_data, actor):
    """Recompute every device's chain of an outlet as head office holds it: where the
    first break is (device, seq, record, expected vs found)."""
    return audit.verify(db.session, actor, query_data["outlet"])
