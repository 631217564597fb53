"""sync.schemas.events.dump: the compiled dump gives exactly marshmallow's dump of each
payload schema, for every event a day of sales at an outlet makes."""
import pytest

from sync.schemas import events


@pytest.fixture
def dumped(monkeypatch):
    """Every (event type, values) the edge dumps while the test runs."""
    calls = []
    real = events.dump
    monkeypatch.setattr(events, "dump", lambda event_type, values: calls.append((event_type, values))
                        or real(event_type, values))
    return calls


def _day_of_sales(cashier, manager, cook):
    shift = cashier.open_shift("500000.00")
    assert cashier.post(f"/api/shifts/{shift['id']}/cash-movements/",
                        {"kind": "in", "amount": "100000.00", "reason": "float"}).status_code == 201
    customer = cashier.post("/api/customers/", {"name": "Siti", "phone": "081234567890"}).json
    plain = cashier.order(cashier.item("DR-COLA", 2))
    rich = cashier.order(cashier.item("PZ-MARG", 1, ["Large", "Mushrooms"], note="well done"),
                         cashier.item("DS-TIRA", 1), customer_id=customer["id"], table="T4", note="birthday")
    coded = cashier.order(cashier.item("PZ-MARG", 1, ["Regular"]), promo_codes=["WEEKEND30"], status="draft")
    assert cashier.pay(rich["id"], "card", amount="10000.00", reference="APPR-1").status_code == 201
    assert cashier.pay(rich["id"], "cash", tendered="1000000.00").status_code == 201
    assert cashier.post(f"/api/orders/{rich['id']}/e-receipt/",
                        {"channel": "email", "recipient": "siti@example.com"}).status_code == 202
    assert cashier.post(f"/api/orders/{rich['id']}/confirm/").status_code == 200
    assert cook.post(f"/api/kitchen/orders/{rich['id']}/ready/").status_code == 200
    assert cashier.post(f"/api/orders/{rich['id']}/complete/").status_code == 200
    assert manager.post(f"/api/orders/{rich['id']}/refund/",
                        {"reason": "cold", "lines": [{"item_id": rich["items"][1]["id"], "quantity": 1}]}
                        ).status_code == 201
    assert manager.post(f"/api/orders/{plain['id']}/void/",
                        {"reason": "changed mind", "lines": [{"item_id": plain["items"][0]["id"], "quantity": 1}]}
                        ).status_code == 201
    assert cashier.post(f"/api/orders/{plain['id']}/cancel/", {"reason": "left"}).status_code == 200
    assert cashier.post(f"/api/orders/{coded['id']}/cancel/", {"reason": "no"}).status_code == 200
    tiramisu = cashier.product("DS-TIRA")["id"]  # an 86 at the till, a stocktake, a transfer out
    assert manager.client.put("/api/sold-out/", json={"target": "product", "id": tiramisu, "sold_out": True},
                              headers=manager.headers).status_code == 200
    items = {row["name"]: row["stock_item_id"] for row in manager.get("/api/stock/").json["results"]}
    sheet = manager.post("/api/stocktakes/", {"blind": True}).json
    assert manager.client.put(f"/api/stocktakes/{sheet['id']}/counts/", headers=manager.headers, json={
        "lines": [{"stock_item_id": item, "counted": 7} for item in items.values()]}).status_code == 200
    assert manager.post(f"/api/stocktakes/{sheet['id']}/post/").status_code == 200
    assert manager.post("/api/transfers/", {"to_outlet_id": 99, "note": "to Solo",
                                            "lines": [{"stock_item_id": items["Dough"], "quantity": 1}]}
                        ).status_code == 201
    closed = manager.post(f"/api/shifts/{shift['id']}/close/", {"counted_cash": "1590000.00"})  # far off: a manager
    assert closed.status_code == 200, closed.json


def test_every_event_of_a_day_dumps_as_its_schema_does(cashier, manager, cook, dumped):
    _day_of_sales(cashier, manager, cook)
    assert {event_type for event_type, _ in dumped} == set(events.PAYLOADS)
    for event_type, values in list(dumped):  # (the recorder keeps recording)
        assert events.dump(event_type, values) == events.PAYLOADS[event_type].dump(values), event_type


def test_absent_values_are_left_out_and_none_stays_none():
    values = {"uuid": "u" * 36, "order_uuid": "o" * 36, "kind": "void", "method": None, "amount": 1250,
              "reason": "x", "lines": [{"line_no": 1, "quantity": 2, "amount": 1250}]}
    assert events.dump("refund.recorded", values) == events.PAYLOADS["refund.recorded"].dump(values)
    assert events.dump("refund.recorded", values)["method"] is None
    assert "created_at" not in events.dump("refund.recorded", values)


@pytest.mark.parametrize("event_type", sorted(events.PAYLOADS))
def test_none_and_values_of_other_types_dump_as_the_schema_does(event_type):
    schema = events.PAYLOADS[event_type]
    nones = {name: None for name in schema.dump_fields}
    assert events.dump(event_type, nones) == schema.dump(nones)
    others = dict(nones)  # every key present: marshmallow would read a dict's `items` method for "items"
    others.update({name: 7 for name, field in schema.dump_fields.items() if type(field).__name__ == "String"})
    others.update({name: True for name, field in schema.dump_fields.items() if type(field).__name__ == "Integer"})
    dumped = events.dump(event_type, others)
    assert dumped == schema.dump(others)
    assert all(type(dumped[name]) is type(value) for name, value in schema.dump(others).items())


def test_a_none_in_a_list_of_nested_values_stays_none():
    values = {"uuid": "u" * 36, "order_uuid": "o" * 36, "kind": "void", "amount": 1250, "reason": "x",
              "lines": [None, {"line_no": 1, "quantity": 2, "amount": 1250}]}
    assert events.dump("refund.recorded", values) == events.PAYLOADS["refund.recorded"].dump(values)
