"""The outlet's status for every screen's status bar (any logged-in user)."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Dict, String
from flask import current_app

from edge.api.access import require
from edge.extensions import db
from edge.services import outlet_status

bp = APIBlueprint("status", __name__, url_prefix="/api", tag="Status")


class OutletStatusOut(Schema):
    cloud = Dict(required=True)
    sync = Dict(required=True)
    printers = Dict()
    kitchen = Dict()
    storage = Dict()
    payments = Dict(metadata={"description": "late_to_give_back: QRIS / e-wallet payments made after their QR was "
                                             "cancelled or expired whose order still holds the overpayment"})
    time = String()


@bp.get("/status/")
@require("kitchen")
@bp.output(OutletStatusOut)
def outlet_status_view(actor):
    """Cloud online/offline, sync backlog (count and age), printer problems, kitchen screens,
    and the storage (a full disk, a damaged database, the database's size)."""
    return outlet_status.snapshot(db.session, current_app.config["PULL_INTERVAL_S"])
