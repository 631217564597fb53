"""A transfer between two outlets, each offline during part of it (two edges, in process,
against one cloud): the sender's stock leaves its ledger at once and the transfer is in
transit from the moment the cloud hears of it; the receiver takes it in offline, once;
after both sync, nothing doubles and nothing vanishes: the cloud's and both edges'
on-hand agree, and what was sent is exactly what was received."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from cloud.extensions import db as cloud_db
from cloud.models import Outlet
from edge.extensions import db as edge_db
from edge.models import OutboxEvent
from edge.services.syncing import enrollment, puller
from edge.services.syncing.relay import Relay
from tests.edge.conftest import CLOUD_URL, Till, issue_key, login, make_edge


@pytest.fixture
def solo(tmp_path, cloud_app, cloud_client_factory):
    """A second outlet of the demo tenant with its own enrolled edge, and its owner's till."""
    cloud = cloud_app.test_client()
    owner = cloud.post("/api/auth/login/", json={"username": "owner", "password": "owner123"}).json["access"]
    made = cloud.post("/api/outlets/", json={"code": "SOL", "name": "Solo Square"},
                      headers={"Authorization": f"Bearer {owner}"})
    assert made.status_code == 201, made.json
    app = make_edge(tmp_path / "edge-solo")
    with app.app_context():
        credential = enrollment.enroll(edge_db.session, app.config["DATA_DIR"], CLOUD_URL, issue_key(cloud_app, "SOL"),
                                       "solo till", client=cloud_client_factory())
        puller.pull_all(cloud_client_factory(credential))
    client = app.test_client()
    yield app, cloud_client_factory(credential), Till(client, login(client, "owner", password="owner123")), \
        made.json["id"]
    with app.app_context():
        edge_db.session.remove()
        edge_db.engine.dispose()


def drain(app, client) -> int:
    with app.app_context():
        return Relay(client, rng=lambda: 1.0).drain().dead


def pull(app, client) -> None:
    with app.app_context():
        puller.pull_all(client)


def dough(till) -> int:
    return next(r["on_hand"] for r in till.get("/api/stock/").json["results"] if r["name"] == "Dough")


def cloud_dough(cloud_app, outlet_code) -> int:
    client = cloud_app.test_client()
    token = client.post("/api/auth/login/", json={"username": "owner", "password": "owner123"}).json["access"]
    with cloud_app.app_context():
        outlet_id = cloud_db.session.execute(select(Outlet.id).where(Outlet.code == outlet_code)).scalar_one()
    rows = client.get("/api/stock/", query_string={"outlet_id": outlet_id},
                      headers={"Authorization": f"Bearer {token}"}).json["results"]
    return next(r["on_hand"] for r in rows if r["name"] == "Dough")


def cloud_transfers(cloud_app) -> list[dict]:
    client = cloud_app.test_client()
    token = client.post("/api/auth/login/", json={"username": "owner", "password": "owner123"}).json["access"]
    return client.get("/api/transfers/", headers={"Authorization": f"Bearer {token}"}).json["results"]


def replay(app, client) -> set[str]:
    with app.app_context():
        events = edge_db.session.execute(select(OutboxEvent)).scalars().all()
        raw = [{"seq": e.seq, "event_id": e.event_id, "type": e.type, "occurred_at": e.occurred_at.isoformat() + "Z",
                "payload": json.loads(e.payload), "payload_sha256": e.payload_sha256} for e in events]
    return {r["status"] for r in client.push(raw).body["results"]}


def test_a_transfer_with_each_side_offline_in_turn_neither_doubles_nor_vanishes(
        edge_app, cloud_app, device_client, manager, solo):
    solo_app, solo_client, solo_till, solo_id = solo
    ids = {r["name"]: r["stock_item_id"] for r in manager.get("/api/stock/").json["results"]}
    manager.post("/api/stock/receive/", {"lines": [{"stock_item_id": ids["Dough"], "quantity": 1000}]})

    # the sender, offline, sends 300 g: out of its ledger at once; nobody else knows yet
    sent = manager.post("/api/transfers/", {"to_outlet_id": solo_id, "note": "weekend rush",
                                            "lines": [{"stock_item_id": ids["Dough"], "quantity": 300}]})
    assert sent.status_code == 201, sent.json
    assert sent.json["kind"] == "transfer_out" and sent.json["lines"][0]["quantity"] == -300
    transfer = sent.json["uuid"]
    assert dough(manager) == 700
    pull(solo_app, solo_client)
    assert solo_till.get("/api/transfers/incoming/").json["results"] == []

    # the sender comes online: in transit in the cloud, and the receiver pulls it
    assert drain(edge_app, device_client) == 0
    assert [(t["uuid"], t["status"]) for t in cloud_transfers(cloud_app)] == [(transfer, "in_transit")]
    assert cloud_dough(cloud_app, "YOG") == 700 and cloud_dough(cloud_app, "SOL") == 0
    pull(solo_app, solo_client)
    incoming = solo_till.get("/api/transfers/incoming/").json["results"]
    assert [(t["uuid"], t["status"], t["from_outlet_name"]) for t in incoming] == [(transfer, "in_transit",
                                                                                     "Mall Yogya")]

    # the receiver, offline, takes it in once; a second receipt is refused and writes nothing
    taken = solo_till.post(f"/api/transfers/incoming/{transfer}/receive/")
    assert taken.status_code == 200 and taken.json["status"] == "received"
    again = solo_till.post(f"/api/transfers/incoming/{transfer}/receive/")
    assert again.status_code == 409 and again.json["code"] == "TRANSFER_RECEIVED"
    assert dough(solo_till) == 300
    assert cloud_transfers(cloud_app)[0]["status"] == "in_transit"  # the cloud has not heard yet

    # the receiver comes online; every push repeated changes nothing
    assert drain(solo_app, solo_client) == 0
    assert replay(solo_app, solo_client) == {"duplicate"} and replay(edge_app, device_client) == {"duplicate"}
    assert [(t["uuid"], t["status"]) for t in cloud_transfers(cloud_app)] == [(transfer, "received")]
    assert (cloud_dough(cloud_app, "YOG"), cloud_dough(cloud_app, "SOL")) == (dough(manager), dough(solo_till))
    assert cloud_dough(cloud_app, "YOG") + cloud_dough(cloud_app, "SOL") == 1000  # nothing doubled or vanished
    pull(solo_app, solo_client)
    assert solo_till.get("/api/transfers/incoming/").json["results"][0]["status"] == "received"
    assert solo_till.post(f"/api/transfers/incoming/{transfer}/receive/").status_code == 409


def test_a_transfer_to_this_outlet_or_of_an_unknown_item_is_refused(manager):
    ids = {r["name"]: r["stock_item_id"] for r in manager.get("/api/stock/").json["results"]}
    outlet_id = manager.get("/api/outlet/").json["outlet_id"]
    own = manager.post("/api/transfers/", {"to_outlet_id": outlet_id,
                                           "lines": [{"stock_item_id": ids["Dough"], "quantity": 1}]})
    assert own.status_code == 400 and own.json["code"] == "SAME_OUTLET"
    unknown = manager.post("/api/transfers/", {"to_outlet_id": 999, "lines": [{"stock_item_id": 999999,
                                                                                "quantity": 1}]})
    assert unknown.status_code == 400 and unknown.json["code"] == "INVALID_STOCK_ITEM"
    assert manager.post("/api/transfers/incoming/" + "0" * 36 + "/receive/").status_code == 404


def test_a_transfer_to_no_outlet_of_the_tenant_is_rejected_by_the_cloud_as_a_dead_letter(
        edge_app, device_client, manager):
    ids = {r["name"]: r["stock_item_id"] for r in manager.get("/api/stock/").json["results"]}
    sent = manager.post("/api/transfers/", {"to_outlet_id": 99999,
                                            "lines": [{"stock_item_id": ids["Dough"], "quantity": 5}]})
    assert sent.status_code == 201
    assert drain(edge_app, device_client) == 1
