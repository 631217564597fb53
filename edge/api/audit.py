"""This till's audit trail for its manager: whether its hash chain still holds.

Head office reads the whole trail (the cloud's /api/audit/); what the till itself can
tell is whether a record was deleted or edited in its own database since it was written."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, List, Nested, String

from edge.api.access import require
from edge.extensions import db
from edge.services import audit
from sync.web.fields import WholeNumber


class ChainBreakOut(Schema):
    device_id = WholeNumber(allow_none=True)
    seq = WholeNumber(required=True, metadata={"description": "The first record whose link does not hold"})
    record_uuid = String(allow_none=True)
    problem = String(required=True, metadata={"description": "missing (records gone before seq), prev_hash (it "
                                                             "links to another record), hash (its fields edited)"})
    expected = String(required=True)
    found = String(required=True)


class VerifyOut(Schema):
    ok = Boolean(required=True)
    records = WholeNumber(required=True)
    breaks = List(Nested(ChainBreakOut), required=True)


bp = APIBlueprint("audit", __name__, url_prefix="/api", tag="Audit")


@bp.get("/audit/verify/")
@require("manager")
@bp.output(VerifyOut)
def verify(actor):
    """Walk this till's audit records, device by device: where a chain first breaks."""
    return audit.verify(db.session)
