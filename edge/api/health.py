"""Is the edge up, its database sound and its disk not full, and how far behind is sync?"""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Dict, String
from flask import send_from_directory
from sqlalchemy import text
from swagger_ui_bundle import swagger_ui_path

from edge.api.access import public
from edge.extensions import db
from edge.services import continuity, storage, sync_status

bp = APIBlueprint("health", __name__, url_prefix="/api", tag="Health")
VERSION = "0.1.0"


class HealthOut(Schema):
    status = String(required=True)
    database = String(required=True)
    version = String()
    service = String()
    message = String()
    storage = Dict()
    sync = Dict()


@bp.get("/health/")
@public
@bp.output(HealthOut)
@bp.doc(responses={503: {"description": "The database is damaged or does not answer, or the disk is full"}})
def health():
    """Red (503, `status: degraded`) when the database does not answer or is damaged
    (`database: error`), the disk is full (`storage.state: full`) or the database is
    catching up with the cloud before it sells (a restored backup); `storage` also says
    the database's size and the free space."""
    database, message, sync = "ok", None, None
    try:
        db.session.execute(text("SELECT 1"))
        sync = sync_status.summary(db.session)
    except Exception as error:  # noqa: BLE001 - reported, not raised
        db.session.rollback()
        storage.observe(error)
        database, message = "error", "the database does not answer"
    damaged = storage.state().damaged
    if damaged is not None:
        database, message = "error", f"the database is damaged ({damaged}); run `pos edge recover`"
    room = storage.usage()
    if room["state"] == "full" and message is None:
        message = room["message"]
    catching_up = continuity.catching_up()
    if catching_up and message is None:
        message = f"catching up with head office before selling: {catching_up}"
    ok = database == "ok" and room["state"] != "full" and not catching_up
    body = {"status": "ok" if ok else "degraded", "database": database, "version": VERSION, "service": "edge",
            "storage": room}
    if message:
        body["message"] = message
    if sync is not None:
        body["sync"] = sync
    return body, 200 if ok else 503


@bp.get("/docs/assets/<path:filename>")
@public
@bp.doc(hide=True)
def docs_asset(filename):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
