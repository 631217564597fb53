"""The owner's list of the tenant's enrolled edges, where one can be revoked (a lost or
replaced till, a closed outlet's box)."""
from apiflask import APIBlueprint

from cloud.api.access import require
from cloud.api.schemas.common import list_schema
from cloud.api.schemas.devices import DeviceListQuery, DeviceOut
from cloud.api.tx import writes
from cloud.extensions import db
from cloud.models import Device
from cloud.services import enrollment
from sync.web.lists import order_by, ordered_by, paginate, search_filter

bp = APIBlueprint("devices", __name__, url_prefix="/api/devices", tag="Devices")
ORDERING = {"name": Device.name, "created_at": Device.created_at, "last_seen_at": Device.last_seen_at}


@bp.get("/")
@require("tenant_owner")
@bp.input(ordered_by(DeviceListQuery, ORDERING), location="query")
@bp.output(list_schema(DeviceOut, "DeviceList"))
def list_devices(query_data, actor):
    """The tenant's enrolled edges, active and revoked (filters: outlet_id, is_active)."""
    stmt = enrollment.devices_query(actor, query_data.get("outlet_id"), query_data.get("is_active"))
    stmt = search_filter(stmt, query_data.get("search"), [Device.name])
    stmt = order_by(stmt, query_data.get("ordering"), ORDERING, [Device.id])
    return paginate(db.session, stmt, query_data)


@bp.post("/<int:device_id>/revoke/")
@writes
@require("tenant_owner")
@bp.output(DeviceOut)
def revoke_device(device_id, actor):
    """Revoke a device: its credential and access tokens stop working at once (enroll the
    outlet again with a new key)."""
    return enrollment.revoke_device(db.session, enrollment.get_device(db.session, actor, device_id), actor=actor)
