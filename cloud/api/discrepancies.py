"""What head office must look at in the outlets' records (read-only): a till whose
database went back behind the cloud, a stale snapshot from a second copy of a till, more
paid on an order than was due, an order number another order already held."""
from apiflask import APIBlueprint

from cloud.api.access import require
from cloud.api.schemas.common import list_schema
from cloud.api.schemas.sync import DiscrepancyOut, DiscrepancyQuery
from cloud.extensions import db
from cloud.models import SyncDiscrepancy
from cloud.services import continuity
from sync.web.lists import order_by, ordered_by, paginate

bp = APIBlueprint("discrepancies", __name__, url_prefix="/api/sync/discrepancies", tag="Sync discrepancies")
ORDERING = {"detected_at": SyncDiscrepancy.detected_at, "kind": SyncDiscrepancy.kind}


@bp.get("/")
@require("manager")
@bp.input(ordered_by(DiscrepancyQuery, ORDERING), location="query")
@bp.output(list_schema(DiscrepancyOut, "DiscrepancyList"))
def list_discrepancies(query_data, actor):
    """Newest first; filter by `outlet_id` and `kind`."""
    stmt = continuity.discrepancies_query(actor)
    if query_data.get("outlet_id"):
        stmt = stmt.where(SyncDiscrepancy.outlet_id == query_data["outlet_id"])
    if query_data.get("kind"):
        stmt = stmt.where(SyncDiscrepancy.kind == query_data["kind"])
    stmt = order_by(stmt, query_data.get("ordering") or "-detected_at", ORDERING, [SyncDiscrepancy.id.desc()])
    return paginate(db.session, stmt, query_data)
