"""The outlet's view of sync: backlog, dead letters, cursor, breaker; push or pull now."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Dict, List, String
from apiflask.validators import OneOf
from flask import current_app

from edge.api.access import require
from edge.api.tx import writes
from edge.extensions import db
from edge.services import runtime
from edge.services.syncing import puller
from edge.services.syncing import relay as relay_service
from edge.services.syncing import status as sync_status
from sync.client import CloudError
from sync.web.errors import ServiceUnavailable
from sync.web.fields import WholeNumber

bp = APIBlueprint("sync", __name__, url_prefix="/api/sync", tag="Sync")


class StatusOut(Schema):
    """CONTRACT section 4 (and 8): the fields at the top level."""

    pending = WholeNumber(required=True, metadata={"description": "Events waiting to be pushed"})
    oldest_pending_age_s = WholeNumber(allow_none=True, required=True)
    pending_records = Dict(metadata={"description": "Records waiting: {sales, shifts, customers}; a sale is one "
                                                    "order with its payments and refunds"})
    dead = List(Dict(), required=True, metadata={"description": "Dead letters with their reasons"})
    dead_count = WholeNumber(required=True)
    cursor = WholeNumber(required=True)
    last_success_at = String(allow_none=True, required=True)
    breaker = String(required=True, validate=OneOf(("closed", "open", "half_open")))
    consecutive_failures = WholeNumber()
    next_attempt_at = String(allow_none=True)
    last_push_at = String(allow_none=True)
    last_push_error = String(allow_none=True)
    last_pull_at = String(allow_none=True)
    last_pull_error = String(allow_none=True)
    clock_skew_s = WholeNumber(allow_none=True, required=True)
    storage = Dict(metadata={"description": "The data dir's disk: {state: ok|low|full|damaged, free_bytes, "
                                            "database_bytes, ...} (docs/api-extensions.md)"})
    device_id = WholeNumber(allow_none=True, metadata={"description": "This till's device id at the cloud"})
    number_space = WholeNumber(metadata={"description": "Its order numbering space (terminal shown as "
                                                        "(space - 1) * 100 + terminal)"})
    incidents = List(Dict(), metadata={"description": "What the manager must know about this till's records, "
                                                      "newest first: database_behind, order_renumbered, ..."})


class NowOut(Schema):
    result = Dict(required=True)
    status = Dict(required=True)


class ResolveOut(Schema):
    seq = WholeNumber(required=True)
    status = String(required=True, validate=OneOf(("pending", "dismissed")))
    resolution = String(required=True)


def _status() -> dict:
    return sync_status.full(db.session, current_app.config["BREAKER_THRESHOLD"])


def _client():
    client = runtime.client_for(current_app)
    if client is None:
        raise ServiceUnavailable("This edge is not enrolled; run `pos edge enroll`", "NOT_ENROLLED")
    return client


@bp.get("/status/")
@require("manager")
@bp.output(StatusOut)
def status(actor):
    """Pending count, oldest pending age, dead letters with reasons, cursor, last success,
    breaker state and the device's clock skew as the cloud sees it."""
    return _status()


@bp.post("/push/")
@require("manager")
@bp.output(NowOut)
def push_now(actor):
    """Push the backlog now (ignores a running backoff)."""
    outcome = runtime.make_relay(current_app, _client()).drain(force=True)
    return {"result": {"sent": outcome.sent, "dead": outcome.dead, "error": outcome.error}, "status": _status()}


@bp.post("/pull/")
@require("manager")
@bp.output(NowOut)
def pull_now(actor):
    """Pull master data now."""
    try:
        outcome = puller.pull_all(_client())
        result = {"changes": outcome.changes, "cursor": outcome.cursor, "error": None}
    except CloudError as error:
        result = {"changes": 0, "cursor": None, "error": str(error)}
    return {"result": result, "status": _status()}


@bp.post("/dead-letters/<int:seq>/retry/")
@writes
@require("manager")
@bp.output(ResolveOut)
def retry_dead_letter(seq, actor):
    """Send a dead letter again (after the cause was fixed); recorded with who and when."""
    event = relay_service.resolve_dead_letter(db.session, seq, actor.user_id, "retry")
    return {"seq": event.seq, "status": event.status, "resolution": event.resolution}


@bp.post("/dead-letters/<int:seq>/dismiss/")
@writes
@require("manager")
@bp.output(ResolveOut)
def dismiss_dead_letter(seq, actor):
    """Give up on a dead letter; it stays in the log, recorded with who and when."""
    event = relay_service.resolve_dead_letter(db.session, seq, actor.user_id, "dismiss")
    return {"seq": event.seq, "status": event.status, "resolution": event.resolution}
