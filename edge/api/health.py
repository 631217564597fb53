"""Is the edge up, its database answering, and how far behind is sync?"""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Dict, String
from flask import send_from_directory
from sqlalchemy import text
from swagger_ui_bundle import swagger_ui_path

from edge.api.access import public
from edge.extensions import db
from edge.services import sync_status

bp = APIBlueprint("health", __name__, url_prefix="/api", tag="Health")
VERSION = "0.1.0"


class HealthOut(Schema):
    status = String(required=True)
    database = String(required=True)
    version = String()
    service = String()
    sync = Dict()


@bp.get("/health/")
@public
@bp.output(HealthOut)
@bp.doc(responses={503: {"description": "The database does not answer"}})
def health():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # reported, not raised
        db.session.rollback()
        database = "error"
    body = {"status": "ok" if database == "ok" else "degraded", "database": database, "version": VERSION,
            "service": "edge"}
    if database == "ok":
        body["sync"] = sync_status.summary(db.session)
    return body, 200 if database == "ok" else 503


@bp.get("/docs/assets/<path:filename>")
@public
@bp.doc(hide=True)
def docs_asset(filename):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
