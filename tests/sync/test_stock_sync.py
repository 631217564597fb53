"""The stock ledger syncs like sales: each movement document reaches the cloud exactly
once, and the cloud's on-hand per outlet equals the edge's."""
from __future__ import annotations

import json
import random
import time
from collections import Counter

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


# --- a day of 200 orders -------------------------------------------------------------------

REGULAR, LARGE, EXTRA_CHEESE = {"Dough": 200, "Mozzarella": 100}, {"Dough": 300, "Mozzarella": 150}, 40
PIZZAS = ("PZ-MARG", "PZ-PEPP", "PZ-HAWA", "PZ-VEGI")


def _random_line(menu: dict, rng: random.Random) -> tuple[dict, Counter]:
    """A pizza (a size, extra cheese three times in ten) or a can, and what it uses by hand."""
    quantity = rng.randint(1, 3)
    if rng.random() < 0.2:
        return {"product_id": menu["DR-COLA"]["id"], "quantity": quantity}, Counter({"Cola can": quantity})
    pizza = menu[rng.choice(PIZZAS)]
    size = rng.choice(("Regular", "Large"))
    uses = Counter(REGULAR if size == "Regular" else LARGE)
    modifiers = [size] + (["Extra cheese"] if rng.random() < 0.3 else [])
    if "Extra cheese" in modifiers:
        uses["Mozzarella"] += EXTRA_CHEESE
    ids = [m["id"] for g in pizza["modifier_groups"] for m in g["modifiers"] if m["name"] in modifiers]
    return {"product_id": pizza["id"], "quantity": quantity, "modifier_ids": ids}, \
        Counter({name: amount * quantity for name, amount in uses.items()})


def test_two_hundred_orders_sold_offline_reach_the_cloud_equal_to_the_edge_and_to_a_hand_count(
        edge_app, cloud_app, device_client, cashier, manager):
    """The edge sells 200 orders through its API (in process; nothing reaches the cloud
    until the relay runs), receives a delivery and records waste; one drain later the
    cloud's on-hand per item equals the edge's and the demo recipes worked by hand."""
    rng = random.Random(200)
    menu = {p["sku"]: p for p in cashier.get("/api/products/?page_size=500").json["results"]}
    ids = {row["name"]: row["stock_item_id"] for row in manager.get("/api/stock/").json["results"]}
    hand = Counter({"Dough": 150_000, "Mozzarella": 80_000, "Cola can": 240})
    received = manager.post("/api/stock/receive/", {"reason": "PT Roti & Keju, DO-200", "lines": [
        {"stock_item_id": ids[name], "quantity": quantity, "cost": "250000.00"} for name, quantity in hand.items()]})
    assert received.status_code == 201, received.json
    started = time.perf_counter()
    for _ in range(200):
        lines = [_random_line(menu, rng) for _ in range(rng.randint(1, 3))]
        order = cashier.post("/api/orders/", {"items": [body for body, _ in lines]})
        assert order.status_code == 201, order.json
        assert cashier.post(f"/api/orders/{order.json['id']}/confirm/").status_code == 200
        for _, uses in lines:
            hand.subtract(uses)
    selling = time.perf_counter() - started
    wasted = manager.post("/api/stock/waste/", {"reason": "burnt in the oven", "lines": [
        {"stock_item_id": ids["Dough"], "quantity": 1_250}, {"stock_item_id": ids["Mozzarella"], "quantity": 300}]})
    assert wasted.status_code == 201, wasted.json
    hand.subtract({"Dough": 1_250, "Mozzarella": 300})
    expected = {name: hand[name] for name in ("Dough", "Mozzarella", "Cola can")}
    assert edge_on_hand(manager) == expected
    assert cloud_on_hand(cloud_app) == {"Dough": 0, "Mozzarella": 0, "Cola can": 0}  # offline: nothing there yet

    started = time.perf_counter()
    with edge_app.app_context():
        outcome = Relay(device_client, rng=lambda: 1.0).drain()
    draining = time.perf_counter() - started
    assert outcome.dead == 0
    assert cloud_on_hand(cloud_app) == edge_on_hand(manager) == expected
    print(f"200 orders sold and confirmed in process in {selling:.1f} s ({selling / 200 * 1000:.0f} ms an order); "
          f"the drain to the cloud took {draining:.1f} s")
