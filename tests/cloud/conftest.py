"""A fresh cloud app and database per test, on SQLite and (when POS_TEST_POSTGRES_URL is
set) on PostgreSQL: every cloud test runs on both."""
from __future__ import annotations

import os
import shutil

import pytest
from sqlalchemy import create_engine, make_url, text

from cloud import create_app
from cloud.extensions import db
from cloud.models import Base
from tests.cloud.snapshots import empty, restored
from tests.conftest import TEST_SECRET
from tests.support.needs import NO_POSTGRES


def _worker_database(url: str | None) -> str | None:
    """Each pytest-xdist worker gets a database of its own on the test server (the cloud
    tests truncate between tests, so two workers must never share one)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN = "test-whatsapp-app-secret", "test-whatsapp-verify-token"
POSTGRES_URL = _worker_database(os.environ.get("POS_TEST_POSTGRES_URL"))


def _ensure_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                        {"name": parsed.database}).first()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


def _base_config(url: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "JWT_SECRET_KEY": TEST_SECRET,
        "PASSWORD_HASH_PROFILE": "fast",
        "LOGIN_RATE_LIMIT": "10000 per minute",
        "REGISTER_RATE_LIMIT": "10000 per minute",
        "NOTIFY_TEST_RATE_LIMIT": "10000 per minute",
        "NOTIFY_BULK_RATE_LIMIT": "10000 per minute",
        "RATELIMIT_PUBLIC": "100000 per hour",
        "RATELIMIT_AUTHENTICATED": "100000 per hour",
        "RATELIMIT_EXPORT": "100000 per hour",
        "WHATSAPP_APP_SECRET": WHATSAPP_APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": WHATSAPP_VERIFY_TOKEN,
    }


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("cloud-template") / "cloud.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_schema():
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    _ensure_database(POSTGRES_URL)
    engine = create_engine(POSTGRES_URL)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def cloud_db_url(request, tmp_path):
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "cloud.sqlite3"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    engine = request.getfixturevalue("postgres_schema")
    empty(engine)
    return POSTGRES_URL


@pytest.fixture
def make_cloud_app(cloud_db_url):
    apps = []

    def make(**overrides):
        app = create_app({**_base_config(cloud_db_url), **overrides})
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_cloud_app):
    return make_cloud_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app):
    """Two tenants with an outlet each and one user of every role (see factories)."""
    from tests.cloud.factories import build_world

    return restored(app, "world", lambda: build_world(app))


@pytest.fixture
def redis_server(tmp_path):
    """Debian's redis-server on a free port (a skip without it; a failure under CI=true)."""
    from tests.support.processes import RedisServer

    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()
