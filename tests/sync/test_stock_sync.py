"""The stock ledger syncs like sales: each movement document reaches the cloud exactly
once, and the cloud's on-hand per outlet equals the edge's."""
from __future__ import annotations

import json

from sqlalchemy import select

from cloud.extensions import db as cloud_db
from cloud.models import Outlet, StockMovement
from edge.extensions import db
from edge.models import OutboxEvent
from edge.services.syncing.relay import Relay


def cloud_on_hand(cloud_app) -> dict[str, int]:
    client = cloud_app.test_client()
    token = client.post("/api/auth/login/", json={"username": "manager", "password": "manager123"}).json["access"]
    with cloud_app.app_context():
        outlet_id = cloud_db.session.execute(select(Outlet.id).where(Outlet.code == "YOG")).scalar_one()
    listed = client.get("/api/stock/", query_string={"outlet_id": outlet_id},
                        headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200, listed.json
    return {row["name"]: row["on_hand"] for row in listed.json["results"]}


def edge_on_hand(till) -> dict[str, int]:
    return {row["name"]: row["on_hand"] for row in till.get("/api/stock/").json["results"]}


def _day_of_stock(cashier, manager):
    ids = {row["name"]: row["stock_item_id"] for row in manager.get("/api/stock/").json["results"]}
    manager.post("/api/stock/receive/", {"reason": "morning delivery", "lines": [
        {"stock_item_id": ids["Dough"], "quantity": 10_000, "cost": "100000.00"},
        {"stock_item_id": ids["Cola can"], "quantity": 24, "cost": "144000.00"}]})
    for items in ((cashier.item("PZ-MARG", 2, ["Large"]),), (cashier.item("DR-COLA", 3),
                                                             cashier.item("PZ-HAWA", 1, ["Regular", "Extra cheese"]))):
        order = cashier.order(*items)
        assert cashier.post(f"/api/orders/{order['id']}/confirm/").status_code == 200
    manager.post("/api/stock/waste/", {"reason": "dropped", "lines": [{"stock_item_id": ids["Mozzarella"],
                                                                         "quantity": 60}]})


def test_after_sync_the_clouds_on_hand_equals_the_edges(edge_app, cloud_app, device_client, cashier, manager):
    _day_of_stock(cashier, manager)
    with edge_app.app_context():
        outcome = Relay(device_client, rng=lambda: 1.0).drain()
    assert outcome.dead == 0
    expected = {"Dough": 10_000 - 2 * 300 - 200, "Mozzarella": -(2 * 150 + 100 + 40) - 60, "Cola can": 24 - 3}
    assert edge_on_hand(manager) == expected
    assert cloud_on_hand(cloud_app) == expected


def test_a_replayed_stock_event_moves_nothing_twice(edge_app, cloud_app, device_client, cashier, manager):
    _day_of_stock(cashier, manager)
    with edge_app.app_context():
        Relay(device_client, rng=lambda: 1.0).drain()
        events = db.session.execute(select(OutboxEvent).where(OutboxEvent.type == "stock.moved")).scalars().all()
        raw = [{"seq": e.seq, "event_id": e.event_id, "type": e.type, "occurred_at": e.occurred_at.isoformat() + "Z",
                "payload": json.loads(e.payload), "payload_sha256": e.payload_sha256} for e in events]
    results = device_client.push(raw).body["results"]
    assert {r["status"] for r in results} == {"duplicate"}
    with cloud_app.app_context():
        rows = cloud_db.session.query(StockMovement).count()
    assert rows == sum(len(event["payload"]["lines"]) for event in raw)
    assert cloud_on_hand(cloud_app) == edge_on_hand(manager)


def test_an_86_at_the_till_reaches_the_cloud_after_sync(edge_app, cloud_app, device_client, cashier, manager):
    tiramisu = cashier.product("DS-TIRA")["id"]
    for sold_out in (True, False, True):
        put = manager.client.put("/api/sold-out/", json={"target": "product", "id": tiramisu, "sold_out": sold_out},
                                 headers=manager.headers)
        assert put.status_code == 200, put.json
    client = cloud_app.test_client()
    token = client.post("/api/auth/login/", json={"username": "manager", "password": "manager123"}).json["access"]
    with cloud_app.app_context():
        outlet_id = cloud_db.session.execute(select(Outlet.id).where(Outlet.code == "YOG")).scalar_one()

    def cloud_list():
        return [(r["target"], r["id"], r["name"]) for r in client.get(
            "/api/stock/sold-out/", query_string={"outlet_id": outlet_id},
            headers={"Authorization": f"Bearer {token}"}).json["results"]]

    assert cloud_list() == []  # not synced yet
    with edge_app.app_context():
        assert Relay(device_client, rng=lambda: 1.0).drain().dead == 0
    assert cloud_list() == [("product", tiramisu, "Tiramisu")]


def test_a_stocktake_posted_offline_reaches_the_cloud_with_its_variance_and_on_hand_agrees(
        edge_app, cloud_app, device_client, cashier, manager):
    _day_of_stock(cashier, manager)
    ids = {row["name"]: row["stock_item_id"] for row in manager.get("/api/stock/").json["results"]}
    sheet = manager.post("/api/stocktakes/", {"blind": True}).json
    held = edge_on_hand(manager)
    counts = {"Dough": held["Dough"] - 150, "Mozzarella": 0, "Cola can": held["Cola can"]}
    answer = manager.client.put(f"/api/stocktakes/{sheet['id']}/counts/", headers=manager.headers, json={
        "lines": [{"stock_item_id": ids[name], "counted": counted} for name, counted in counts.items()]})
    assert answer.status_code == 200, answer.json
    posted = manager.post(f"/api/stocktakes/{sheet['id']}/post/").json
    assert edge_on_hand(manager) == counts
    with edge_app.app_context():
        assert Relay(device_client, rng=lambda: 1.0).drain().dead == 0
    assert cloud_on_hand(cloud_app) == counts
    client = cloud_app.test_client()
    token = client.post("/api/auth/login/", json={"username": "manager", "password": "manager123"}).json["access"]
    listed = client.get("/api/stocktakes/", query_string={"has_variance": "true"},
                        headers={"Authorization": f"Bearer {token}"}).json["results"]
    assert [s["uuid"] for s in listed] == [posted["uuid"]]
    by_name = {line["name"]: line for line in listed[0]["lines"]}
    assert by_name["Dough"]["variance"] == -150 and by_name["Mozzarella"]["variance"] == -held["Mozzarella"]
    assert listed[0]["variance_value"] == posted["variance_value"]
