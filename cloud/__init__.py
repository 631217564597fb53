"""The cloud (head office) application: `create_app(config=None)`."""
from __future__ import annotations

from pathlib import Path

from apiflask import APIFlask

from cloud.config import Config
from sync.web.routing import build_urls_lazily

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(config: dict | None = None) -> APIFlask:
    settings = Config(**(config or {}))
    settings.check_secret()
    _keep_database_private(settings.SQLALCHEMY_DATABASE_URI)
    app = APIFlask(
        "cloud", title="Outlet POS cloud", version="0.1.0",
        spec_path="/api/openapi.json", docs_path="/api/docs/", docs_ui="swagger-ui",
    )
    app.config.from_mapping(settings.as_dict())
    app.json.sort_keys = False  # answers keep their fields in the contract's order (and skip a sort)
    app.url_map.strict_slashes = True
    build_urls_lazily(app)

    from cloud import (
        models,  # noqa: F401  (registers the tables)
        rate_limits,
    )
    from cloud.api import health, metrics, register_blueprints
    from cloud.api.access import install_jwt_handlers
    from cloud.extensions import db, jwt, limiter, migrate
    from cloud.services import versions
    from cloud.web import register_pages
    from sync import sqlite
    from sync.web.errors import install_error_handlers
    from sync.web.headers import install_response_headers
    from sync.web.json_body import install_json_guard
    from sync.web.openapi import install_spec_processor

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    jwt.init_app(app)
    limiter.init_app(app)
    rate_limits.install(app)
    install_jwt_handlers()
    install_error_handlers(app)
    register_blueprints(app)
    metrics.install(app)
    health.mark_started(app)
    install_json_guard(app)
    install_response_headers(app)
    register_pages(app)
    from cloud.api.schemas.common import MAX_ID

    install_spec_processor(app, max_id=MAX_ID, user_headers=({
        "name": "X-Tenant-ID", "in": "header", "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "description": "The tenant a super_admin or admin acts on (others: their own, or omit)"},))
    with app.app_context():
        versions.install(db.session)
        sqlite.configure(db.engine, synchronous="FULL", busy_timeout_ms=15000)
    return app


def _keep_database_private(url: str) -> None:
    """A SQLite database (users' hashes, customers) is its OS user's alone, also when an
    older version left it readable (sync/private_files.py)."""
    from sync.private_files import make_private, sqlite_files, sqlite_path

    database = sqlite_path(url)
    if database is not None:
        make_private(files=sqlite_files(database))
