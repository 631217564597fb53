"""The edge node of one outlet: `create_app(config=None)`.

Serves the cashier kiosk, the kitchen display (Socket.IO) and the edge API from a local
SQLite database, and keeps working with the cloud gone.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from apiflask import APIFlask

from edge.config import EdgeConfig
from sync.web.routing import build_urls_lazily

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(config: dict | None = None) -> APIFlask:
    settings = EdgeConfig(**(config or {}))
    Path(settings.DATA_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)
    _keep_data_private(settings)
    app = APIFlask("edge", title="Outlet POS edge", version="0.1.0",
                   spec_path="/api/openapi.json", docs_path="/api/docs/", docs_ui="swagger-ui")
    app.config.from_mapping(settings.as_dict())
    app.json.sort_keys = False  # answers keep their fields in the contract's order (and skip a sort)
    build_urls_lazily(app)

    from edge import (
        models,  # noqa: F401  (registers the tables)
        sockets,
    )
    from edge.api import failures, metrics, register_blueprints
    from edge.api.access import install_jwt_handlers
    from edge.extensions import db, jwt, limiter, migrate, socketio
    from edge.services.printing import receipt_links
    from edge.services.syncing import credentials
    from edge.web import register_pages
    from sync import sqlite
    from sync.web.errors import install_error_handlers
    from sync.web.headers import install_response_headers
    from sync.web.json_body import bounded_socketio_packet, install_json_guard
    from sync.web.openapi import install_spec_processor

    app.config["RECEIPT_BASE_URL"] = receipt_links.public_base(app.config.get("RECEIPT_BASE_URL") or "")
    app.config.setdefault("JWT_SECRET_KEY", None)
    if not app.config["JWT_SECRET_KEY"]:
        app.config["JWT_SECRET_KEY"] = credentials.jwt_secret(settings.DATA_DIR)
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(minutes=settings.ACCESS_TOKEN_MINUTES)
    app.config["JWT_REFRESH_TOKEN_EXPIRES"] = timedelta(hours=settings.REFRESH_TOKEN_HOURS)
    # The edge signs and checks its tokens by its own clock, which may step back (a dead
    # RTC battery, an NTP step): a token it issued "in the future" by up to this much stays
    # valid, so a step back signs nobody out; the expiry is checked without slack.
    app.config["JWT_DECODE_LEEWAY"] = settings.TOKEN_CLOCK_LEEWAY_S
    app.config["JWT_EXPIRY_LEEWAY_S"] = 0
    app.config["JWT_ERROR_MESSAGE_KEY"] = "message"
    app.config["VALIDATION_ERROR_STATUS_CODE"] = 400
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    app.config["SWAGGER_UI_CSS"] = "/api/docs/assets/swagger-ui.css"
    app.config["SWAGGER_UI_BUNDLE_JS"] = "/api/docs/assets/swagger-ui-bundle.js"
    app.config["SWAGGER_UI_STANDALONE_PRESET_JS"] = "/api/docs/assets/swagger-ui-standalone-preset.js"
    app.config["DOCS_FAVICON"] = "/api/docs/assets/favicon-32x32.png"
    app.config["INFO"] = {"description": "The outlet's own API: selling, payments, shifts, customers, kitchen "
                                         "and sync, offline included."}

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    jwt.init_app(app)
    limiter.init_app(app)
    socketio.init_app(app, async_mode=settings.ASYNC_MODE, cors_allowed_origins=[], logger=False,
                      engineio_logger=False, serializer=bounded_socketio_packet())
    sockets.init_app(app)
    install_jwt_handlers()
    install_error_handlers(app)
    failures.install(app)
    register_blueprints(app)
    metrics.install(app, lambda: len(app.extensions[sockets.HUB_KEY].screens))
    install_json_guard(app)
    install_response_headers(app)
    register_pages(app)
    install_spec_processor(app, max_id=sqlite.MAX_INT, user_headers=({
        "name": "X-Terminal-ID", "in": "header", "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 99},
        "description": "The till making the request (shifts, order numbers); default 1"},))
    with app.app_context():
        # INCREMENTAL: space freed by pruning can be given back to the disk (edge.services.storage.upkeep)
        sqlite.configure(db.engine, synchronous="FULL", busy_timeout_ms=5000, auto_vacuum="INCREMENTAL")
    _report_printers(app)
    _report_storage(app)
    return app


def _report_storage(app) -> None:
    """A full disk or a damaged database on every screen's status bar."""
    from edge.services import outlet_status
    from edge.services.storage import database as storage

    outlet_status.provide("storage", lambda: storage.usage(app))


def _keep_data_private(settings: EdgeConfig) -> None:
    """The data dir holds staff PIN and password hashes, customers, the device credential
    and the signing secret: its user's alone, also on installs an older version left
    readable (sync/private_files.py)."""
    from edge.services.syncing import credentials
    from sync.private_files import make_private, sqlite_files, sqlite_path

    data_dir = Path(settings.DATA_DIR)
    database = sqlite_path(settings.SQLALCHEMY_DATABASE_URI)
    printers = data_dir / "printers"
    make_private(data_dir, (*(sqlite_files(database) if database else ()), data_dir / credentials.SECRET_FILE,
                            data_dir / credentials.DEVICE_FILE))
    if printers.is_dir():
        make_private(printers, tuple(p for p in printers.iterdir() if p.is_file()))


def _report_printers(app) -> None:
    """Printer problems on every screen's status bar (GET /api/status/)."""
    from edge.extensions import db
    from edge.services import outlet_status
    from edge.services.printing import jobs as printing

    def printers_status():
        items = printing.problems(db.session)
        return {"count": len(items), "problems": [{"name": i["name"], "problem": i["problem"]}
                                                  for i in items if i["problem"]], "items": items}

    outlet_status.provide("printers", printers_status)
