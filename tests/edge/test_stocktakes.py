"""Stocktakes at the outlet, offline: a count sheet, counted blind or not, posted as one
`count` movement document of the differences from the ledger (never an overwrite), with
its `stocktake.posted` event; variance by item and by value at the item's cost (the
demo's costs, read from the mirror)."""
from __future__ import annotations

import json

from sqlalchemy import select

from edge.extensions import db
from edge.models import MirrorStockItem, OutboxEvent, StockMovement


def items(till) -> dict[str, int]:
    return {row["name"]: row["stock_item_id"] for row in till.get("/api/stock/").json["results"]}


def on_hand(till) -> dict[str, int]:
    return {row["name"]: row["on_hand"] for row in till.get("/api/stock/").json["results"]}


def cost_of(edge_app, name) -> int:
    with edge_app.app_context():
        return db.session.execute(select(MirrorStockItem.cost).where(MirrorStockItem.name == name)).scalar_one()


def put_counts(till, sheet_id, counts: dict[int, int]):
    return till.client.put(f"/api/stocktakes/{sheet_id}/counts/", headers=till.headers, json={
        "lines": [{"stock_item_id": item, "counted": counted} for item, counted in counts.items()]})


def receive(till, lines: dict[int, int]):
    answer = till.post("/api/stock/receive/",
                       {"lines": [{"stock_item_id": i, "quantity": q} for i, q in lines.items()]})
    assert answer.status_code == 201, answer.json


def test_posting_a_count_adjusts_the_ledger_by_the_difference_and_reports_variance_by_value(edge_app, manager):
    ids = items(manager)
    receive(manager, {ids["Dough"]: 10_000, ids["Cola can"]: 24})
    sheet = manager.post("/api/stocktakes/", {"note": "Sunday close"})
    assert sheet.status_code == 201, sheet.json
    assert sheet.json["status"] == "open" and {line["name"] for line in sheet.json["lines"]} == {
        "Dough", "Mozzarella", "Cola can"}
    counted = put_counts(manager, sheet.json["id"], {ids["Dough"]: 9_400, ids["Cola can"]: 24, ids["Mozzarella"]: 0})
    assert counted.status_code == 200, counted.json
    dough = next(line for line in counted.json["lines"] if line["name"] == "Dough")
    assert (dough["expected"], dough["counted"], dough["variance"]) == (10_000, 9_400, -600)  # not blind: shown
    posted = manager.post(f"/api/stocktakes/{sheet.json['id']}/post/")
    assert posted.status_code == 200, posted.json
    assert posted.json["status"] == "posted" and posted.json["movement_uuid"]
    by_name = {line["name"]: line for line in posted.json["lines"]}
    dough_cost = cost_of(edge_app, "Dough")
    assert by_name["Dough"]["variance"] == -600 and by_name["Cola can"]["variance"] == 0
    assert by_name["Dough"]["variance_value"] == f"{-600 * dough_cost / 100:.2f}"
    assert on_hand(manager) == {"Dough": 9_400, "Mozzarella": 0, "Cola can": 24}
    with edge_app.app_context():
        rows = db.session.execute(select(StockMovement).where(StockMovement.kind == "count")).scalars().all()
        assert [(r.stock_item_id, r.quantity) for r in rows] == [(ids["Dough"], -600)]  # only the difference
        sent = db.session.execute(select(OutboxEvent).where(OutboxEvent.type == "stocktake.posted")).scalars().all()
    payload = json.loads(sent[0].payload)
    assert len(sent) == 1 and payload["uuid"] == posted.json["uuid"]
    assert {(line["stock_item_id"], line["expected"], line["counted"]) for line in payload["lines"]} == {
        (ids["Dough"], 10_000, 9_400), (ids["Cola can"], 24, 24), (ids["Mozzarella"], 0, 0)}


def test_expected_is_the_ledger_when_posted_so_sales_during_the_count_show(manager, cashier):
    ids = items(manager)
    receive(manager, {ids["Cola can"]: 10})
    sheet = manager.post("/api/stocktakes/", {"stock_item_ids": [ids["Cola can"]]}).json
    put_counts(manager, sheet["id"], {ids["Cola can"]: 10})
    order = cashier.order(cashier.item("DR-COLA", 2))
    assert cashier.post(f"/api/orders/{order['id']}/confirm/").status_code == 200
    posted = manager.post(f"/api/stocktakes/{sheet['id']}/post/").json
    assert [(line["expected"], line["variance"]) for line in posted["lines"]] == [(8, 2)]
    assert on_hand(manager)["Cola can"] == 10


def test_a_blind_sheet_hides_expected_until_it_is_posted(manager):
    ids = items(manager)
    receive(manager, {ids["Dough"]: 500})
    sheet = manager.post("/api/stocktakes/", {"blind": True, "stock_item_ids": [ids["Dough"]]}).json
    assert sheet["blind"] is True and sheet["variance_value"] is None
    shown = put_counts(manager, sheet["id"], {ids["Dough"]: 450}).json["lines"][0]
    assert (shown["counted"], shown["expected"], shown["variance"]) == (450, None, None)
    assert manager.get(f"/api/stocktakes/{sheet['id']}/").json["lines"][0]["expected"] is None
    posted = manager.post(f"/api/stocktakes/{sheet['id']}/post/").json["lines"][0]
    assert (posted["expected"], posted["variance"]) == (500, -50)


def test_a_sheet_with_an_uncounted_item_is_not_posted_and_writes_nothing(edge_app, manager):
    ids = items(manager)
    sheet = manager.post("/api/stocktakes/", {}).json
    put_counts(manager, sheet["id"], {ids["Dough"]: 1})
    refused = manager.post(f"/api/stocktakes/{sheet['id']}/post/")
    assert refused.status_code == 409 and refused.json["code"] == "UNCOUNTED_ITEMS"
    with edge_app.app_context():
        assert db.session.execute(select(StockMovement)).first() is None
    assert manager.get(f"/api/stocktakes/{sheet['id']}/").json["status"] == "open"


def test_a_posted_or_cancelled_sheet_takes_no_more_counts_nor_a_second_post(manager):
    ids = items(manager)
    posted = manager.post("/api/stocktakes/", {"stock_item_ids": [ids["Dough"]]}).json
    put_counts(manager, posted["id"], {ids["Dough"]: 3})
    assert manager.post(f"/api/stocktakes/{posted['id']}/post/").status_code == 200
    again = manager.post(f"/api/stocktakes/{posted['id']}/post/")
    assert again.status_code == 409 and again.json["code"] == "STOCKTAKE_CLOSED"
    assert put_counts(manager, posted["id"], {ids["Dough"]: 4}).status_code == 409
    assert on_hand(manager)["Dough"] == 3
    dropped = manager.post("/api/stocktakes/", {"stock_item_ids": [ids["Dough"]]}).json
    assert manager.post(f"/api/stocktakes/{dropped['id']}/cancel/").json["status"] == "cancelled"
    assert manager.post(f"/api/stocktakes/{dropped['id']}/post/").status_code == 409
    assert [s["status"] for s in manager.get("/api/stocktakes/").json["results"]] == ["cancelled", "posted"]


def test_bad_input_is_refused_in_the_error_format(manager):
    ids = items(manager)
    unknown = manager.post("/api/stocktakes/", {"stock_item_ids": [999999]})
    assert unknown.status_code == 400 and unknown.json["code"] == "INVALID_STOCK_ITEM"
    sheet = manager.post("/api/stocktakes/", {"stock_item_ids": [ids["Dough"]]}).json
    off_sheet = put_counts(manager, sheet["id"], {ids["Cola can"]: 1})
    assert off_sheet.status_code == 400 and off_sheet.json["field"] == "lines.0.stock_item_id"
    negative = put_counts(manager, sheet["id"], {ids["Dough"]: -1})
    assert negative.status_code == 400
    assert manager.get("/api/stocktakes/999999/").status_code == 404


def test_a_cashier_may_not_count(cashier):
    assert cashier.post("/api/stocktakes/", {}).status_code == 403
