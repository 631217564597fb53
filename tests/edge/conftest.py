"""An enrolled edge per test: a cloud seeded with the demo tenant (in process), an edge
app with its own SQLite data dir, enrolled and pulled through the real sync client."""
from __future__ import annotations

import filecmp
import shutil
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from flask_migrate import stamp

from cloud import create_app as create_cloud
from cloud.extensions import db as cloud_db
from cloud.models import Base as CloudBase
from cloud.models import Outlet
from cloud.services import demo
from cloud.services import enrollment as cloud_enrollment
from edge import create_app as create_edge
from edge.extensions import db as edge_db
from edge.services.syncing import enrollment, puller
from sync.client import CloudClient
from tests.conftest import TEST_SECRET
from tests.support.flask_transport import FlaskSession

CLOUD_URL = "http://cloud.test"


def cloud_config(path) -> dict:
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "JWT_SECRET_KEY": TEST_SECRET,
            "PASSWORD_HASH_PROFILE": "fast", "LOGIN_RATE_LIMIT": "10000 per minute",
            "RATELIMIT_PUBLIC": "100000 per hour", "RATELIMIT_AUTHENTICATED": "100000 per hour"}


@pytest.fixture(scope="session")
def seeded_cloud_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("seeded-cloud") / "cloud.sqlite3"
    app = create_cloud(cloud_config(path))
    with app.app_context():
        CloudBase.metadata.create_all(cloud_db.engine)
        demo.seed(cloud_db.session)
        cloud_db.session.commit()
        cloud_db.engine.dispose()
    return path


@pytest.fixture
def cloud_app(seeded_cloud_file, tmp_path):
    path = tmp_path / "cloud.sqlite3"
    shutil.copyfile(seeded_cloud_file, path)
    app = create_cloud(cloud_config(path))
    yield app
    with app.app_context():
        cloud_db.session.remove()
        cloud_db.engine.dispose()


def cloud_client(cloud_app, credential=None) -> CloudClient:
    """A sync client that reaches `cloud_app` in process, as the device of `credential` if any."""
    return CloudClient(CLOUD_URL, device_id=credential.device_id if credential else None,
                       device_token=credential.device_token if credential else None,
                       session=FlaskSession(cloud_app))


@pytest.fixture
def cloud_client_factory(cloud_app):
    return partial(cloud_client, cloud_app)


def issue_key(cloud_app, code="YOG") -> str:
    with cloud_app.app_context():
        outlet = cloud_db.session.query(Outlet).filter_by(code=code).one()
        key, _ = cloud_enrollment.issue_key(cloud_db.session, outlet, None)
        cloud_db.session.commit()
        return key


def edge_config(data_dir, **overrides) -> dict:
    return {"DATA_DIR": str(data_dir), "ASYNC_MODE": "threading", "TESTING": True, "SCHEDULER_ENABLED": False,
            "PRINTING_ENABLED": False, "LOGIN_RATE_LIMIT": "10000 per minute", **overrides}


def make_edge(data_dir, **overrides):
    app = create_edge(edge_config(data_dir, **overrides))
    with app.app_context():
        edge_db.create_all()
        stamp()  # the schema is the migrations' head: `pos` commands on this data dir find it current
    return app


def _enroll_and_pull(edge, cloud):
    """Enroll `edge` to `cloud` (in process) and pull the whole catalog; its credential."""
    with edge.app_context():
        credential = enrollment.enroll(edge_db.session, edge.config["DATA_DIR"], CLOUD_URL, issue_key(cloud),
                                       "test edge", client=cloud_client(cloud))
        puller.pull_all(cloud_client(cloud, credential))
    return credential


def _close(app, db) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@dataclass
class EnrolledPair:
    """The seeded cloud's database after an edge enrolled and pulled, and that edge's data dir."""

    cloud_file: Path
    edge_dir: Path
    credential: object


@pytest.fixture(scope="session")
def enrolled_pair(seeded_cloud_file, tmp_path_factory) -> EnrolledPair:
    """Built once per worker: enrolling and pulling the demo catalog is two thirds of an
    edge test's setup, and every `edge_app` over an untouched seeded cloud starts the same."""
    root = tmp_path_factory.mktemp("enrolled")
    cloud_file = root / "cloud.sqlite3"
    shutil.copyfile(seeded_cloud_file, cloud_file)
    cloud, edge = create_cloud(cloud_config(cloud_file)), make_edge(root / "edge")
    credential = _enroll_and_pull(edge, cloud)
    _close(edge, edge_db)
    _close(cloud, cloud_db)
    return EnrolledPair(cloud_file, root / "edge", credential)


def _database_file(app) -> Path:
    return Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))


@pytest.fixture
def edge_app(tmp_path, cloud_app, seeded_cloud_file, enrolled_pair):
    """An edge enrolled to `cloud_app` and pulled. Over a cloud still as seeded (the usual
    case), both databases are copies of `enrolled_pair`'s; otherwise it enrolls for real."""
    cloud_file, data_dir = _database_file(cloud_app), tmp_path / "edge"
    if filecmp.cmp(cloud_file, seeded_cloud_file, shallow=False):
        _close(cloud_app, cloud_db)
        shutil.copyfile(enrolled_pair.cloud_file, cloud_file)
        shutil.copytree(enrolled_pair.edge_dir, data_dir)
        app = create_edge(edge_config(data_dir))
        app.config["TEST_CREDENTIAL"] = enrolled_pair.credential
    else:
        app = make_edge(data_dir)
        app.config["TEST_CREDENTIAL"] = _enroll_and_pull(app, cloud_app)
    yield app
    _close(app, edge_db)


@pytest.fixture
def device_client(edge_app, cloud_client_factory):
    return cloud_client_factory(edge_app.config["TEST_CREDENTIAL"])


@pytest.fixture
def client(edge_app):
    return edge_app.test_client()


class Till:
    """A cashier's view of the edge API: logged in, with a terminal and headers."""

    def __init__(self, client, token, terminal=1):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}", "X-Terminal-ID": str(terminal)}

    def get(self, path, **kw):
        return self.client.get(path, headers=self.headers, **kw)

    def post(self, path, json=None, **kw):
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.client.post(path, json=json if json is not None else {}, headers=headers, **kw)

    def patch(self, path, json=None, **kw):
        return self.client.patch(path, json=json or {}, headers=self.headers, **kw)

    def product(self, sku):
        rows = self.get(f"/api/products/?code={sku}").json["results"]
        assert rows, f"no product {sku}"
        return rows[0]

    def modifier(self, product, name):
        for group in product["modifier_groups"]:
            for modifier in group["modifiers"]:
                if modifier["name"] == name:
                    return modifier["id"]
        raise AssertionError(f"{product['name']} has no {name}")

    def item(self, sku, quantity=1, modifiers=(), note=None):
        product = self.product(sku)
        body = {"product_id": product["id"], "quantity": quantity,
                "modifier_ids": [self.modifier(product, m) for m in modifiers]}
        if note:
            body["note"] = note
        return body

    def order(self, *items, **fields):
        response = self.post("/api/orders/", {"items": list(items), **fields})
        assert response.status_code in (200, 201), response.json
        return response.json

    def open_shift(self, opening_cash="500000.00"):
        response = self.post("/api/shifts/open/", {"opening_cash": opening_cash})
        assert response.status_code == 201, response.json
        return response.json

    def pay(self, order_id, method="cash", **fields):
        return self.post("/api/payments/", {"order_id": order_id, "method": method, **fields})


def login(client, username, **secret):
    response = client.post("/api/auth/login/", json={"username": username, **secret})
    assert response.status_code == 200, response.json
    return response.json["access"]


@pytest.fixture
def cashier(client):
    return Till(client, login(client, "cashier", pin="1234"))


@pytest.fixture
def manager(client):
    return Till(client, login(client, "manager", password="manager123"))


@pytest.fixture
def cook(client):
    return Till(client, login(client, "kitchen", password="kitchen123"))
