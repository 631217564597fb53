"""The outlet's zero-stock rule at the till (vocab.ZERO_STOCK_RULE): what a tracked product
(one with a recipe) does while one of its stock items is at or below zero. The rule is set
on the cloud's outlet and reaches the edge with the pull (demo recipes: a Regular pizza
uses 200 g Dough and 100 g Mozzarella, an Iced Cola one Cola can; the tiramisu has none)."""
from __future__ import annotations

import pytest

from cloud.extensions import db as cloud_db
from cloud.models import Outlet
from edge.services.syncing import puller


def set_rule(cloud_app, edge_app, device_client, rule: str) -> None:
    """The owner's choice at the cloud, then the edge's pull, as in the field."""
    with cloud_app.app_context():
        cloud_db.session.query(Outlet).filter_by(code="YOG").one().zero_stock = rule
        cloud_db.session.commit()
    with edge_app.app_context():
        puller.pull_all(device_client)


def receive(manager, name: str, quantity: int) -> None:
    ids = {row["name"]: row["stock_item_id"] for row in manager.get("/api/stock/").json["results"]}
    done = manager.post("/api/stock/receive/", {"lines": [{"stock_item_id": ids[name], "quantity": quantity}]})
    assert done.status_code == 201, done.json


def product(till, sku: str) -> dict:
    return next(p for p in till.get("/api/products/?page_size=500").json["results"] if p["sku"] == sku)


def test_the_rule_reaches_the_edge_with_the_pull_and_allow_is_the_default(cloud_app, edge_app, device_client,
                                                                          cashier):
    assert cashier.get("/api/outlet/").json["zero_stock"] == "allow"
    set_rule(cloud_app, edge_app, device_client, "block")
    assert cashier.get("/api/outlet/").json["zero_stock"] == "block"


def test_under_the_default_a_product_at_zero_sells_silently(cashier):
    marg = product(cashier, "PZ-MARG")
    assert (marg["is_available"], marg["out_of_stock"]) == (True, False)
    cashier.order(cashier.item("PZ-MARG", 1, ["Regular"]))


def test_warn_flags_the_product_and_still_sells_it(cloud_app, edge_app, device_client, cashier):
    set_rule(cloud_app, edge_app, device_client, "warn")
    marg = product(cashier, "PZ-MARG")
    assert (marg["is_available"], marg["out_of_stock"], marg["sold_out"]) == (True, True, False)
    cashier.order(cashier.item("PZ-MARG", 1, ["Regular"]))


def test_block_shows_it_sold_out_and_refuses_the_sale_naming_the_product(cloud_app, edge_app, device_client,
                                                                         cashier):
    set_rule(cloud_app, edge_app, device_client, "block")
    marg = product(cashier, "PZ-MARG")
    assert (marg["is_available"], marg["out_of_stock"]) == (False, True)
    refused = cashier.post("/api/orders/", {"items": [cashier.item("PZ-MARG", 1, ["Regular"])]})
    assert refused.status_code == 409
    assert refused.json["code"] == "OUT_OF_STOCK" and refused.json["field"] == "items.0.product_id"
    assert "Margherita" in refused.json["message"] and "Dough" in refused.json["message"]
    assert set(refused.json) >= {"error", "message", "field", "code"}


def test_block_sells_once_every_stock_item_is_above_zero(cloud_app, edge_app, device_client, cashier, manager):
    set_rule(cloud_app, edge_app, device_client, "block")
    receive(manager, "Dough", 1000)
    refused = cashier.post("/api/orders/", {"items": [cashier.item("PZ-MARG", 1, ["Regular"])]})
    assert refused.json["code"] == "OUT_OF_STOCK" and "Mozzarella" in refused.json["message"]
    assert "Dough" not in refused.json["message"]
    receive(manager, "Mozzarella", 1000)
    assert product(cashier, "PZ-MARG")["is_available"] is True
    cashier.order(cashier.item("PZ-MARG", 1, ["Regular"]))


def test_block_refuses_once_sales_take_an_item_to_zero(cloud_app, edge_app, device_client, cashier, manager):
    set_rule(cloud_app, edge_app, device_client, "block")
    receive(manager, "Cola can", 2)
    order = cashier.order(cashier.item("DR-COLA", 2))
    assert cashier.post(f"/api/orders/{order['id']}/confirm/").status_code == 200
    assert product(cashier, "DR-COLA")["is_available"] is False
    refused = cashier.post("/api/orders/", {"items": [cashier.item("DR-COLA", 1)]})
    assert (refused.status_code, refused.json["code"]) == (409, "OUT_OF_STOCK")


@pytest.mark.parametrize("rule", ["allow", "warn", "block"])
def test_a_product_without_a_recipe_is_not_tracked_and_always_sells(cloud_app, edge_app, device_client, cashier,
                                                                    rule):
    set_rule(cloud_app, edge_app, device_client, rule)
    tiramisu = product(cashier, "DS-TIRA")
    assert (tiramisu["is_available"], tiramisu["out_of_stock"]) == (True, False)
    cashier.order(cashier.item("DS-TIRA", 1))
