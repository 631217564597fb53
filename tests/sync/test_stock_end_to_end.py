"""A day of stock at an offline outlet, with real processes: the edge sells 50 orders
(pizzas in both sizes, some with extra cheese, cans of cola, tiramisu without a recipe),
voids and cancels some, receives a delivery and records waste while the cloud is down.
When the cloud comes up and the outbox drains, the cloud's on-hand per item equals the
edge's, and both equal the figures worked out by hand from the demo's recipes."""
from __future__ import annotations

import random
from collections import Counter

import pytest
import requests

from tests.sync.faults import Till, backend, make_outlet, templates, wait_drained  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REGULAR, LARGE, EXTRA_CHEESE = {"Dough": 200, "Mozzarella": 100}, {"Dough": 300, "Mozzarella": 150}, 40


def _modifier(product: dict, name: str) -> int:
    return next(m["id"] for g in product["modifier_groups"] for m in g["modifiers"] if m["name"] == name)


def _line(cashier: Till, rng: random.Random) -> tuple[dict, Counter]:
    """A random line and what one unit of it uses, worked out by hand."""
    products = {p["sku"]: p for p in cashier.catalog}
    quantity = rng.randint(1, 3)
    kind = rng.choice(("pizza", "pizza", "cola", "tiramisu"))
    if kind == "cola":
        return {"product_id": products["DR-COLA"]["id"], "quantity": quantity,
                "modifier_ids": []}, Counter({"Cola can": quantity})
    if kind == "tiramisu":
        return {"product_id": products["DS-TIRA"]["id"], "quantity": quantity, "modifier_ids": []}, Counter()
    pizza = products[rng.choice(("PZ-MARG", "PZ-PEPP", "PZ-HAWA", "PZ-VEGI"))]
    size = rng.choice(("Regular", "Large"))
    uses = Counter(REGULAR if size == "Regular" else LARGE)
    modifiers = [_modifier(pizza, size)]
    if rng.random() < 0.3:
        modifiers.append(_modifier(pizza, "Extra cheese"))
        uses["Mozzarella"] += EXTRA_CHEESE
    return {"product_id": pizza["id"], "quantity": quantity, "modifier_ids": modifiers}, \
        Counter({name: amount * quantity for name, amount in uses.items()})


def _on_hand(answer: dict) -> dict[str, int]:
    return {row["name"]: row["on_hand"] for row in answer["results"]}


def test_an_offline_day_of_stock_reaches_the_cloud_equal_to_the_edge_and_to_a_hand_count(make_outlet):  # noqa: F811
    rng = random.Random(20)
    outlet = make_outlet()
    edge = outlet.edge.start()  # the cloud stays down: the outlet is offline all day
    cashier, manager = Till(edge), Till(edge, "manager")
    cashier.open_shift()
    ids = {row["name"]: row["stock_item_id"] for row in manager.ok("GET", "/api/stock/")["results"]}
    hand = Counter({"Dough": 20_000, "Mozzarella": 10_000, "Cola can": 48})
    manager.ok("POST", "/api/stock/receive/", {"reason": "PT Roti & Keju, DO-77", "lines": [
        {"stock_item_id": ids[name], "quantity": quantity, "cost": "100000.00"} for name, quantity in hand.items()]})
    for index in range(50):
        lines = [_line(cashier, rng) for _ in range(rng.randint(1, 3))]
        order = cashier.ok("POST", "/api/orders/", {"items": [body for body, _ in lines]})
        if index % 10 == 9:  # cancelled before the kitchen: nothing was used
            cashier.ok("POST", f"/api/orders/{order['id']}/cancel/", {"reason": "customer left"})
            continue
        cashier.ok("POST", f"/api/orders/{order['id']}/confirm/")
        for _, uses in lines:
            hand.subtract(uses)
        if index % 10 == 4:  # the first line voided before the kitchen started it: its stock comes back
            first, uses = order["items"][0], lines[0][1]
            voided = manager.call("POST", f"/api/orders/{order['id']}/void/", {
                "reason": "changed mind", "lines": [{"item_id": first["id"], "quantity": first["quantity"]}]})
            if voided.status_code == 201:
                hand.update(uses)
            else:
                assert voided.json()["code"] == "VOID_EXCEEDS_BALANCE", voided.text
    manager.ok("POST", "/api/stock/waste/", {"reason": "dropped on the floor", "lines": [
        {"stock_item_id": ids["Mozzarella"], "quantity": 250}, {"stock_item_id": ids["Dough"], "quantity": 400}]})
    hand.subtract({"Mozzarella": 250, "Dough": 400})
    expected = {name: hand[name] for name in ("Dough", "Mozzarella", "Cola can")}
    assert _on_hand(manager.ok("GET", "/api/stock/")) == expected

    outlet.cloud.start()
    wait_drained(edge, timeout=120)
    token = outlet.owner_token()
    outlet_id = outlet.cloud_rows("SELECT id FROM outlets WHERE code = 'YOG'")[0]["id"]
    answer = requests.get(f"{outlet.cloud.url}/api/stock/", params={"outlet_id": outlet_id, "page_size": 100},
                          headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert _on_hand(answer.json()) == expected
    assert _on_hand(manager.ok("GET", "/api/stock/")) == expected
