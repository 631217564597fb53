"""Stock master data in the cloud: stock items and recipes (CRUD, refusals), their way to
the outlets by pull, and the on-hand read of an outlet's synced ledger."""
from __future__ import annotations

from cloud.extensions import db
from cloud.models import Device, Outlet
from cloud.services import catalog, changefeed, enrollment
from cloud.services.actor import Actor
from sync.ids import new_uuid
from tests.cloud.test_role_matrix import enroll_device, event, push


def _item(client, world, **fields):
    body = {"name": "Dough", "unit": "g", "cost": "10.00", **fields}
    return client.post("/api/stock-items/", json=body, headers=world.headers("manager"))


def _product(app, world) -> tuple[int, int]:
    """(product id, modifier id) of a fresh product of tenant a."""
    with app.app_context():
        owner = Actor(world.a.users["tenant_owner"], "owner", "tenant_owner", world.a.tenant_id, None)
        category = catalog.create_category(db.session, owner, {"name": "Stock-tested pizzas"})
        product = catalog.create_product(db.session, owner, {
            "sku": "PZ-STOCK", "name": "Stock pizza", "category_id": category.id, "price": 5_000_000,
            "modifier_groups": [{"name": "Size", "modifiers": [{"name": "Large", "price": 1_000_000}]}]})
        db.session.commit()
        return product.id, product.modifier_groups[0].modifiers[0].id


def test_a_stock_item_keeps_its_base_unit_cost_and_purchase_units(client, world):
    created = _item(client, world, purchase_units=[{"name": "sack", "multiple": 25000}])
    assert created.status_code == 201, created.json
    assert created.json | {"id": 0} == {"id": 0, "name": "Dough", "unit": "g", "cost": "10.00", "is_active": True,
                                        "purchase_units": [{"name": "sack", "multiple": 25000}]}


def test_a_base_unit_outside_g_ml_pcs_is_refused(client, world):
    refused = _item(client, world, unit="kg")
    assert refused.status_code == 400 and refused.json["field"] == "unit"


def test_a_purchase_unit_must_be_a_whole_multiple_of_the_base_unit(client, world):
    refused = _item(client, world, purchase_units=[{"name": "sack", "multiple": 2.5}])
    assert refused.status_code == 400


def test_a_stock_items_unit_cannot_change(client, world):
    item = _item(client, world).json
    refused = client.patch(f"/api/stock-items/{item['id']}/", json={"unit": "ml"}, headers=world.headers("manager"))
    assert refused.status_code == 409 and refused.json["code"] == "UNIT_FIXED"


def test_a_recipe_belongs_to_exactly_one_of_a_product_or_a_modifier(app, client, world):
    product_id, modifier_id = _product(app, world)
    item = _item(client, world).json
    both = client.post("/api/recipes/", json={"product_id": product_id, "modifier_id": modifier_id,
                                              "stock_item_id": item["id"], "quantity": 200},
                       headers=world.headers("manager"))
    neither = client.post("/api/recipes/", json={"stock_item_id": item["id"], "quantity": 200},
                          headers=world.headers("manager"))
    assert both.json["code"] == neither.json["code"] == "INVALID_RECIPE_OWNER"


def test_a_recipe_quantity_is_a_positive_whole_number_of_base_units(app, client, world):
    product_id, _ = _product(app, world)
    item = _item(client, world).json
    for quantity in (0, -5, 12.5):
        refused = client.post("/api/recipes/", json={"product_id": product_id, "stock_item_id": item["id"],
                                                     "quantity": quantity}, headers=world.headers("manager"))
        assert refused.status_code == 400 and refused.json["field"] == "quantity", quantity


def test_the_same_stock_item_twice_in_one_recipe_is_refused(app, client, world):
    product_id, _ = _product(app, world)
    item = _item(client, world).json
    body = {"product_id": product_id, "stock_item_id": item["id"], "quantity": 200}
    assert client.post("/api/recipes/", json=body, headers=world.headers("manager")).status_code == 201
    again = client.post("/api/recipes/", json=body, headers=world.headers("manager"))
    assert again.status_code == 409 and again.json["code"] == "RECIPE_EXISTS"


def test_another_tenants_product_or_stock_item_cannot_be_in_a_recipe(app, client, world):
    product_id, _ = _product(app, world)
    theirs = client.post("/api/stock-items/", json={"name": "Their flour", "unit": "g"},
                         headers=world.headers("manager", "b")).json
    refused = client.post("/api/recipes/", json={"product_id": product_id, "stock_item_id": theirs["id"],
                                                 "quantity": 1}, headers=world.headers("manager"))
    assert refused.status_code == 400 and refused.json["code"] == "INVALID_STOCK_ITEM"


def test_stock_items_and_recipes_reach_the_outlets_by_pull_and_deletes_as_tombstones(app, client, world):
    product_id, modifier_id = _product(app, world)
    item = _item(client, world).json
    recipe = client.post("/api/recipes/", json={"modifier_id": modifier_id, "stock_item_id": item["id"],
                                                "quantity": 100}, headers=world.headers("manager")).json
    with app.app_context():
        device = Device(tenant_id=world.a.tenant_id, outlet_id=world.a.outlet_id, name="till", token_hash="x")
        page = changefeed.pull(db.session, device, 0, 500)
        cursor = page["cursor"]
    by_entity = {(c["entity"], c["id"]): c for c in page["changes"]}
    assert by_entity[("stock_item", item["id"])]["data"]["unit"] == "g"
    assert by_entity[("recipe", recipe["id"])]["data"] | {"id": 0} == {
        "id": 0, "product_id": None, "modifier_id": modifier_id, "stock_item_id": item["id"], "quantity": 100}
    assert client.delete(f"/api/recipes/{recipe['id']}/", headers=world.headers("manager")).status_code == 204
    with app.app_context():
        later = changefeed.pull(db.session, device, cursor, 500)
    assert [(c["entity"], c["op"], c["id"]) for c in later["changes"]] == [("recipe", "delete", recipe["id"])]


def test_on_hand_of_another_tenants_outlet_is_not_found(client, world):
    _item(client, world)
    theirs = client.get("/api/stock/", query_string={"outlet_id": world.a.outlet_id},
                        headers=world.headers("manager", "b"))
    ours = client.get("/api/stock/", query_string={"outlet_id": world.a.outlet_id}, headers=world.headers("manager"))
    assert theirs.status_code == 404
    assert ours.status_code == 200
    assert ours.json["results"] == [{"stock_item_id": ours.json["results"][0]["stock_item_id"], "name": "Dough",
                                     "unit": "g", "on_hand": 0, "cost": "10.00", "value": "0.00"}]


def test_on_hand_needs_an_outlet(client, world):
    refused = client.get("/api/stock/", headers=world.headers("manager"))
    assert refused.status_code == 400 and refused.json["field"] == "outlet_id"


def _stock_event(seq: int, item_id: int, *quantities: int, kind: str = "receive") -> dict:
    return event(seq, "stock.moved", {"uuid": new_uuid(), "kind": kind, "created_at": "2026-11-20T10:00:00Z",
                                      "lines": [{"stock_item_id": item_id, "quantity": q} for q in quantities]})


def _enrolled(app, world) -> str:
    with app.app_context():
        key, _ = enrollment.issue_key(db.session, db.session.get(Outlet, world.a.outlet_id), None)
        db.session.commit()
    return enroll_device(app.test_client(), key, "till")[2]


def test_pushed_stock_movements_sum_to_the_outlets_on_hand_once_however_often_they_come(app, client, world):
    access = _enrolled(app, world)
    item = _item(client, world).json
    received, wasted = _stock_event(1, item["id"], 5000), _stock_event(2, item["id"], -120, kind="waste")
    assert [r["status"] for r in push(client, access, [received, wasted])] == ["applied", "applied"]
    assert [r["status"] for r in push(client, access, [received, wasted])] == ["duplicate", "duplicate"]
    listed = client.get("/api/stock/", query_string={"outlet_id": world.a.outlet_id}, headers=world.headers("manager"))
    assert listed.json["results"][0]["on_hand"] == 4880


def test_on_hand_is_valued_at_the_items_cost_and_a_negative_ledger_at_a_negative_value(app, client, world):
    access = _enrolled(app, world)
    dough = _item(client, world).json  # 10.00 a gram
    cheese = _item(client, world, name="Mozzarella", cost="150.00").json
    events = [_stock_event(1, dough["id"], 5000), _stock_event(2, dough["id"], -120, kind="waste"),
              _stock_event(3, cheese["id"], -100, kind="sale")]
    assert [r["status"] for r in push(client, access, events)] == ["applied"] * 3
    listed = client.get("/api/stock/", query_string={"outlet_id": world.a.outlet_id},
                        headers=world.headers("stockkeeper"))
    assert [(r["name"], r["on_hand"], r["cost"], r["value"]) for r in listed.json["results"]] == [
        ("Dough", 4880, "10.00", "48800.00"), ("Mozzarella", -100, "150.00", "-15000.00")]


def test_a_stock_event_naming_an_item_twice_is_rejected(app, client, world):
    access = _enrolled(app, world)
    item = _item(client, world).json
    results = push(client, access, [_stock_event(1, item["id"], 10, 20)])
    assert results[0]["status"] == "rejected" and "twice" in results[0]["reason"]


def _sold_out_event(seq: int, target_id: int, sold_out: bool, at: str) -> dict:
    return event(seq, "sold_out.changed", {"uuid": new_uuid(), "target": "product", "target_id": target_id,
                                           "name": "Tiramisu", "sold_out": sold_out, "changed_by": 3,
                                           "changed_at": at})


def _sold_out_listed(client, world) -> list:
    listed = client.get("/api/stock/sold-out/", query_string={"outlet_id": world.a.outlet_id},
                        headers=world.headers("manager"))
    assert listed.status_code == 200, listed.json
    return [(r["target"], r["id"], r["name"]) for r in listed.json["results"]]


def test_an_outlets_86_reaches_the_cloud_and_its_later_change_wins_by_seq_not_clock(app, client, world):
    access = _enrolled(app, world)
    marked = _sold_out_event(1, 77, True, "2026-11-20T10:00:00Z")
    assert push(client, access, [marked])[0]["status"] == "applied"
    assert _sold_out_listed(client, world) == [("product", 77, "Tiramisu")]
    back = _sold_out_event(3, 77, False, "2026-11-20T09:00:00Z")  # the edge's clock stepped back: still later
    assert push(client, access, [back])[0]["status"] == "applied"
    assert _sold_out_listed(client, world) == []
    late = _sold_out_event(2, 77, True, "2026-11-20T10:30:00Z")  # an earlier event arriving late changes nothing
    assert push(client, access, [late])[0]["status"] == "applied"
    assert _sold_out_listed(client, world) == []


def test_another_tenants_outlet_has_no_sold_out_list(client, world):
    refused = client.get("/api/stock/sold-out/", query_string={"outlet_id": world.a.outlet_id},
                         headers=world.headers("manager", "b"))
    assert refused.status_code == 404


def _stocktake_event(seq: int, item_id: int, expected: int, counted: int, cost: int = 2) -> dict:
    return event(seq, "stocktake.posted", {
        "uuid": new_uuid(), "blind": True, "note": "month end", "started_at": "2026-11-20T09:00:00Z",
        "posted_at": "2026-11-20T10:00:00Z", "movement_uuid": new_uuid(),
        "lines": [{"stock_item_id": item_id, "expected": expected, "counted": counted, "cost": cost}]})


def test_an_outlets_posted_stocktake_is_kept_once_with_its_variance_by_item_and_value(app, client, world):
    access = _enrolled(app, world)
    item = _item(client, world).json
    short = _stocktake_event(1, item["id"], 5000, 4700, cost=3)
    right = _stocktake_event(2, item["id"], 100, 100)
    assert [r["status"] for r in push(client, access, [short, right])] == ["applied", "applied"]
    assert [r["status"] for r in push(client, access, [short])] == ["duplicate"]
    listed = client.get("/api/stocktakes/", query_string={"outlet_id": world.a.outlet_id},
                        headers=world.headers("manager"))
    assert listed.status_code == 200 and listed.json["count"] == 2
    varied = client.get("/api/stocktakes/", query_string={"has_variance": "true"}, headers=world.headers("manager"))
    assert varied.json["count"] == 1
    found = varied.json["results"][0]
    assert (found["items_with_variance"], found["variance_value"], found["blind"]) == (1, "-9.00", True)
    assert found["lines"] == [{"stock_item_id": item["id"], "name": "Dough", "unit": "g", "expected": 5000,
                               "counted": 4700, "variance": -300, "cost": "0.03", "variance_value": "-9.00"}]
    one = client.get(f"/api/stocktakes/{found['id']}/", headers=world.headers("manager"))
    assert one.status_code == 200 and one.json["uuid"] == short["payload"]["uuid"]


def test_another_tenants_stocktakes_are_not_seen(app, client, world):
    access = _enrolled(app, world)
    item = _item(client, world).json
    push(client, access, [_stocktake_event(1, item["id"], 10, 9)])
    ours = client.get("/api/stocktakes/", headers=world.headers("manager")).json["results"]
    assert client.get("/api/stocktakes/", headers=world.headers("manager", "b")).json["count"] == 0
    assert client.get(f"/api/stocktakes/{ours[0]['id']}/", headers=world.headers("manager", "b")).status_code == 404
    assert client.get("/api/stocktakes/", query_string={"outlet_id": world.a.outlet_id},
                      headers=world.headers("manager", "b")).status_code == 404


def _transfer_event(seq: int, item_id: int, to_outlet_id: int) -> dict:
    return event(seq, "transfer.sent", {"uuid": new_uuid(), "to_outlet_id": to_outlet_id, "sent_at":
                                        "2026-11-20T10:00:00Z", "lines": [{"stock_item_id": item_id, "quantity": 5}]})


def test_a_transfer_to_another_tenants_outlet_is_rejected_and_nobody_sees_it(app, client, world):
    access = _enrolled(app, world)
    item = _item(client, world).json
    results = push(client, access, [_transfer_event(1, item["id"], world.b.outlet_id)])
    assert results[0]["status"] == "rejected" and "no other outlet" in results[0]["reason"]
    for tenant in ("a", "b"):
        assert client.get("/api/transfers/", headers=world.headers("manager", tenant)).json["count"] == 0
    theirs = client.get("/api/transfers/", query_string={"outlet_id": world.a.outlet_id},
                        headers=world.headers("manager", "b"))
    assert theirs.status_code == 404


def test_the_reorder_list_shows_items_at_or_below_their_level_with_what_to_order(app, client, world):
    access = _enrolled(app, world)
    dough = _item(client, world).json
    salt = _item(client, world, name="Salt").json
    push(client, access, [_stock_event(1, dough["id"], 900), _stock_event(2, salt["id"], 5000)])
    manager = world.headers("manager")
    for item_id, level, quantity in ((dough["id"], 1000, 0), (salt["id"], 1000, 2000)):
        put = client.put("/api/stock/reorder-points/", headers=manager, json={
            "outlet_id": world.a.outlet_id, "stock_item_id": item_id, "reorder_level": level,
            "reorder_quantity": quantity})
        assert put.status_code == 200, put.json
    listed = client.get("/api/stock/reorder/", query_string={"outlet_id": world.a.outlet_id}, headers=manager).json
    assert [(r["name"], r["on_hand"], r["reorder_level"], r["order_quantity"]) for r in listed["results"]] == [
        ("Dough", 900, 1000, 100)]  # salt is above its level
    cleared = client.put("/api/stock/reorder-points/", headers=manager, json={
        "outlet_id": world.a.outlet_id, "stock_item_id": dough["id"], "reorder_level": 0, "reorder_quantity": 0})
    assert cleared.json["id"] is None
    points = client.get("/api/stock/reorder-points/", query_string={"outlet_id": world.a.outlet_id},
                        headers=manager).json["results"]
    assert [(p["stock_item_id"], p["reorder_quantity"]) for p in points] == [(salt["id"], 2000)]


def test_reorder_points_stay_inside_the_tenant(client, world):
    theirs = _item(client, world).json
    refused = client.put("/api/stock/reorder-points/", headers=world.headers("manager", "b"), json={
        "outlet_id": world.b.outlet_id, "stock_item_id": theirs["id"], "reorder_level": 5})
    assert refused.status_code == 400 and refused.json["code"] == "INVALID_STOCK_ITEM"
    assert client.get("/api/stock/reorder/", query_string={"outlet_id": world.a.outlet_id},
                      headers=world.headers("manager", "b")).status_code == 404
