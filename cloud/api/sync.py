"""The endpoints edges talk to: enroll, pull master data, promotion allowances."""
from apiflask import APIBlueprint
from flask import current_app

from cloud.api.access import public
from cloud.api.devices import require_device
from cloud.api.schemas.sync import AllowancesOut, EnrollIn, EnrollOut, PullOut, PullQuery
from cloud.api.tx import writes
from cloud.extensions import db
from cloud.models import Outlet, Tenant
from cloud.services import allowances, changefeed, enrollment

bp = APIBlueprint("sync", __name__, url_prefix="/api/sync", tag="Sync (devices)")


@bp.post("/enroll/")
@writes
@public
@bp.input(EnrollIn)
@bp.output(EnrollOut, status_code=201)
def enroll(json_data):
    """Exchange a one-time outlet enrollment key for this device's credential."""
    device, token = enrollment.enroll(db.session, json_data["enrollment_key"], json_data["device_name"])
    return {"device_id": device.id, "device_token": token,
            "outlet": db.session.get(Outlet, device.outlet_id), "tenant": db.session.get(Tenant, device.tenant_id)}


@bp.get("/pull/")
@require_device
@bp.input(PullQuery, location="query")
@bp.output(PullOut)
@bp.doc(responses={409: {"description": "must_refetch: the body carries a full `snapshot` to replace the mirror"}})
def pull(query_data, device):
    """Master-data changes after `since`, oldest first; follow `cursor` while `has_more`."""
    limit = min(query_data["limit"], current_app.config["SYNC_PULL_MAX_LIMIT"])
    return changefeed.pull(db.session, device, query_data["since"], limit)


@bp.post("/allowances/")
@writes
@require_device
@bp.output(AllowancesOut)
def top_up_allowances(device):
    """Top up this outlet's allowances of limited promotions it is running low on."""
    rows = allowances.top_up(db.session, device, current_app.config["PROMOTION_ALLOWANCE_CHUNK"])
    return {"allowances": rows}
