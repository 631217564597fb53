"""`GET /api/performance/`: the last hour of the API at a glance (brief 004)."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Float, Integer, Nested, String

from cloud.api.access import require
from cloud.extensions import db
from cloud.services import performance

bp = APIBlueprint("performance", __name__, url_prefix="/api/performance", tag="Security")


class QueriesOut(Schema):
    avg_per_request = Float(required=True)
    slow_queries = Integer(required=True, metadata={"description": "Statements slower than POS_SLOW_QUERY_MS"})


class PerformanceOut(Schema):
    window_minutes = Integer(required=True)
    requests = Integer(required=True)
    avg_response_time = Float(required=True, metadata={"description": "Milliseconds"})
    requests_per_minute = Float(required=True)
    error_rate = Float(required=True, metadata={"description": "Percent of answers that were 5xx"})
    database_queries = Nested(QueriesOut, required=True)
    memory_usage = String(allow_none=True, metadata={"description": "The host's, e.g. 68%; platform admins only"})
    cpu_usage = String(allow_none=True, metadata={"description": "The host's, e.g. 25%; platform admins only"})


@bp.get("/")
@require("tenant_owner")
@bp.output(PerformanceOut)
def last_hour(actor):
    """The last hour of the requests the security log holds: the tenant's for its owner,
    every tenant's (and the host's memory and CPU) for a platform admin without X-Tenant-ID."""
    return performance.last_hour(db.session, actor)
