"""Is the edge up, its database sound and its disk not full, and how far behind is sync?

`status` and the status code (200 ok, 503 degraded) say whether the till can sell;
`checks` reports each part (database, storage, scheduler, print workers, sync breaker),
and a part that needs a look without stopping the sale (the print worker gone, the sync
breaker open) shows in `warnings` and leaves it 200."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Dict, List, String
from flask import current_app, send_from_directory
from sqlalchemy import text
from swagger_ui_bundle import swagger_ui_path

from edge.api.access import public
from edge.extensions import db
from edge.models import SyncState
from edge.services import continuity
from edge.services.printing import jobs as printing
from edge.services.storage import database as storage
from edge.services.syncing import status as sync_status

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
    checks = Dict(metadata={"description": "Each part: database, storage, scheduler, print_workers, sync_breaker"})
    warnings = List(String(), metadata={"description": "Parts that need a look but do not stop the sale"})


BACKGROUND = "pos_background"  # edge.services.runtime.BackgroundServices, in `pos edge run`
PRINT_PROCESS = "pos_print_process"  # the print worker's process, in `pos edge run`


def _scheduler() -> dict:
    services = current_app.extensions.get(BACKGROUND)
    if services is None:
        return {"status": "off"}
    loops = {name: ("running" if loop.running else "stopped") for name, loop in services.loops.items()}
    return {"status": "ok" if all(state == "running" for state in loops.values()) else "stopped", "loops": loops}


def _print_workers(database_ok: bool) -> dict:
    process = current_app.extensions.get(PRINT_PROCESS)
    if not current_app.config.get("PRINTING_ENABLED", True) or process is None:
        return {"status": "off"}
    state = "ok" if process.poll() is None else "stopped"
    answer = {"status": state}
    if database_ok:
        printers = printing.problems(db.session)
        answer.update(printers=len(printers), problems=[p["name"] for p in printers if p["problem"]],
                      queued=sum(p["queued"] for p in printers))
    return answer


def _breaker() -> dict:
    row = db.session.get(SyncState, 1)
    threshold = current_app.config["BREAKER_THRESHOLD"]
    return {"status": sync_status.breaker(row, threshold),
            "consecutive_failures": row.consecutive_failures if row else 0}


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
    checks = {"database": {"status": database}, "storage": {"status": room["state"]}, "scheduler": _scheduler(),
              "print_workers": _print_workers(database == "ok")}
    if database == "ok":
        checks["sync_breaker"] = _breaker()
    body["checks"] = checks
    warnings = [f"{part}: {checks[part]['status']}" for part in ("scheduler", "print_workers")
                if checks[part]["status"] == "stopped"]
    if checks.get("sync_breaker", {}).get("status", "closed") != "closed":
        warnings.append(f"sync_breaker: {checks['sync_breaker']['status']} (the cloud refused or did not answer "
                        f"{checks['sync_breaker']['consecutive_failures']} pushes in a row)")
    if warnings:
        body["warnings"] = warnings
    return body, 200 if ok else 503


@bp.get("/docs/assets/<path:filename>")
@public
@bp.doc(hide=True)
def docs_asset(filename):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
