"""The endpoints edges talk to: enroll, pull master data, promotion allowances."""
import logging

from apiflask import APIBlueprint
from flask import current_app, request

from cloud.api import metrics
from cloud.api.access import public
from cloud.api.devices import require_device
from cloud.api.schemas.sync import (
    AllowancesOut,
    DeviceOut,
    DeviceTokenIn,
    DeviceTokenOut,
    EnrollIn,
    EnrollOut,
    ForkIn,
    ForkOut,
    PullOut,
    PullQuery,
    PushIn,
    PushOut,
    RecoveryOut,
    RecoveryQuery,
)
from cloud.api.tx import secret_answer, writes
from cloud.extensions import db
from cloud.models import Outlet, Tenant
from cloud.services import allowances, changefeed, continuity, device_contact, enrollment, ingest
from sync import sqlite
from sync.timeutil import parse_iso, utcnow
from sync.web.errors import APIError
from sync.web.openapi import refuses

log = logging.getLogger(__name__)

bp = APIBlueprint("sync", __name__, url_prefix="/api/sync", tag="Sync (devices)")


@bp.post("/enroll/")
@writes
@public
@secret_answer
@bp.input(EnrollIn)
@bp.output(EnrollOut, status_code=201)
@refuses(OUTLET_INACTIVE="the key's outlet is closed")
def enroll(json_data):
    """Exchange a one-time outlet enrollment key for this device's credential."""
    device, token = enrollment.enroll(db.session, json_data["enrollment_key"], json_data["device_name"])
    return _credential(device, token)


def _credential(device, token: str) -> dict:
    return {"device_id": device.id, "device_token": token, "number_space": device.number_space,
            "forked_from_id": device.forked_from_id,
            "outlet": db.session.get(Outlet, device.outlet_id), "tenant": db.session.get(Tenant, device.tenant_id)}


@bp.get("/device/")
@require_device
@bp.output(DeviceOut)
def device_state(device):
    """What the cloud knows of this device: its numbering space and the highest seq it has
    seen from it (a database holding less went back: see POST /api/sync/device/fork/)."""
    return {"device_id": device.id, "name": device.name, "outlet_id": device.outlet_id,
            "number_space": device.number_space, "last_pushed_seq": device.last_pushed_seq,
            "forked_from_id": device.forked_from_id}


@bp.get("/recovery/")
@require_device
@bp.input(RecoveryQuery, location="query")
@bp.output(RecoveryOut)
def recovery(query_data, device):
    """This device's (and its forebears') orders, with payments and refunds, and shifts, that
    the cloud received after the first event past `after_seq`: what a database that went
    back lost, or holds in an older state. Page with `after_id` while `next_after_id`."""
    return continuity.recovery_page(db.session, device, query_data["after_seq"], query_data["after_id"],
                                    query_data["limit"])


@bp.post("/device/fork/")
@writes
@require_device
@bp.input(ForkIn)
@bp.output(ForkOut, status_code=201)
@bp.doc(responses={409: {"description": "NOT_BEHIND: the database is not behind the cloud"}})
def fork_device(json_data, device):
    """A new identity (device, credential, numbering space) for a copy of this device's
    database that went back behind the cloud; recorded for head office. The old identity
    stays valid for a copy still running under it."""
    twin, token = continuity.fork(db.session, device, json_data["seq_high"], json_data.get("device_name"))
    return _credential(twin, token)


@bp.post("/token/")
@public
@secret_answer
@bp.input(DeviceTokenIn)
@bp.output(DeviceTokenOut)
def device_token(json_data):
    """A short-lived access token for push and pull, for the device's credential."""
    device = enrollment.authenticate_device(db.session, json_data["device_id"], json_data["device_token"])
    token, expires_in = enrollment.issue_access_token(device)
    return {"access_token": token, "expires_in": expires_in}


@bp.get("/pull/")
@require_device
@bp.input(PullQuery, location="query")
@bp.output(PullOut)
@bp.doc(responses={409: {"description": "must_refetch: the body carries a full `snapshot` to replace the mirror"}})
def pull(query_data, device):
    """Master-data changes after `since`, oldest first; follow `cursor` while `has_more`."""
    limit = min(query_data["limit"], current_app.config["SYNC_PULL_MAX_LIMIT"])
    device_contact.note_pull(db.session, device.id)  # an outlet that pulls is not offline
    return changefeed.pull(db.session, device, query_data["since"], limit)


@bp.post("/allowances/")
@writes
@require_device
@bp.output(AllowancesOut)
def top_up_allowances(device):
    """Top up this outlet's allowances of limited promotions it is running low on."""
    rows = allowances.top_up(db.session, device, current_app.config["PROMOTION_ALLOWANCE_CHUNK"])
    return {"allowances": rows}


@bp.post("/push/")
@require_device
@bp.input(PushIn)
@bp.output(PushOut)
@bp.doc(responses={413: {"description": "BATCH_TOO_LARGE or the body is over the size limit"}})
def push(json_data, device):
    """Apply this outlet's events in order, each exactly once; per event:
    applied, duplicate (same id and content), conflict (same id, other content) or
    rejected (with the reason). Tenant and outlet come from the device."""
    events = json_data["events"]
    limit = current_app.config["SYNC_PUSH_MAX_EVENTS"]
    if len(events) > limit:
        raise APIError(f"At most {limit} events per push; send the rest in the next one", "BATCH_TOO_LARGE",
                       "events", status=413)
    received_at, device_time = utcnow(), _device_time()
    device_id, outlet_id = device.id, device.outlet_id
    db.session.rollback()  # end the read that authenticated the device: writes begin IMMEDIATE
    with sqlite.immediate():
        answer = ingest.push(db.session, device, events, device_time, received_at)
    _warn_of_skew(device_id, outlet_id, device_time, received_at)
    metrics.count_ingested(answer["results"])
    return answer


def _warn_of_skew(device_id: int, outlet_id: int, device_time, received_at) -> None:
    """A device clock far off stamps orders on the wrong business day: tell operations."""
    if device_time is None:
        return
    skew = int((device_time - received_at).total_seconds())
    if abs(skew) > current_app.config["SYNC_CLOCK_SKEW_WARN_S"]:
        log.warning("device %s (outlet %s) clock is %+d s off the cloud's", device_id, outlet_id, skew)


def _device_time():
    raw = request.headers.get("X-Device-Time")
    if not raw:
        return None
    try:
        return parse_iso(raw)
    except ValueError:
        return None
