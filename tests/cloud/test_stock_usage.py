"""Theoretical against actual stock usage (`GET /api/stock/usage/`), on SQLite and PostgreSQL.

The ledger below is an outlet's as it synced (rows as the ingest writes them). Outlet
a1 is in Asia/Jakarta (UTC+7); the range is its business dates 2026-11-02 .. 11-03, so
from 2026-11-01T17:00Z to 2026-11-03T17:00Z. Dough costs 0.10 (10 minor units) a gram.

    2026-11-01 10:00Z  receive      +10000   before the range: opening 10000
    2026-11-01 18:00Z  sale           -600   11-02 01:00 in Jakarta: in the range
    2026-11-02 05:00Z  void           +200
    2026-11-02 06:00Z  refund         +100   (restocked)
    2026-11-02 07:00Z  receive       +5000
    2026-11-02 08:00Z  transfer_out  -1000
    2026-11-02 09:00Z  transfer_in    +300
    2026-11-02 10:00Z  waste          -150
    2026-11-03 10:00Z  count          -250   a stocktake found 250 g missing
    2026-11-03 16:30Z  sale           -400   11-03 23:30 in Jakarta: in the range
    2026-11-03 17:30Z  sale           -999   11-04 00:30 in Jakarta: after it

theoretical = 600 - 200 - 100 + 400 = 700; closing = 10000 - 700 + 5000 - 1000 + 300 - 150 - 250
= 13200; actual = 10000 + 5000 + 300 - 1000 - 150 - 13200 = 950; variance 250 g = 25.00.
"""
from __future__ import annotations

from datetime import datetime

import pytest

from cloud.extensions import db
from cloud.models import StockMovement, Stocktake, Tenant
from sync.ids import new_uuid
from tests.cloud.factories import make_user, token

pytestmark = pytest.mark.postgres

RANGE = {"date_from": "2026-11-02", "date_to": "2026-11-03"}
LEDGER = [("2026-11-01T10:00", "receive", 10000), ("2026-11-01T18:00", "sale", -600),
          ("2026-11-02T05:00", "void", 200), ("2026-11-02T06:00", "refund", 100),
          ("2026-11-02T07:00", "receive", 5000), ("2026-11-02T08:00", "transfer_out", -1000),
          ("2026-11-02T09:00", "transfer_in", 300), ("2026-11-02T10:00", "waste", -150),
          ("2026-11-03T10:00", "count", -250), ("2026-11-03T16:30", "sale", -400),
          ("2026-11-03T17:30", "sale", -999)]


def _item(client, world, name="Dough", cost="0.10", tenant="a") -> int:
    created = client.post("/api/stock-items/", json={"name": name, "unit": "g", "cost": cost},
                          headers=world.headers("manager", tenant))
    assert created.status_code == 201, created.json
    return created.json["id"]


def _ledger(app, tenant_id: int, outlet_id: int, item_id: int, moves=LEDGER) -> None:
    with app.app_context():
        for at, kind, quantity in moves:
            moment = datetime.fromisoformat(at)
            db.session.add(StockMovement(tenant_id=tenant_id, outlet_id=outlet_id, uuid=new_uuid(),
                                         stock_item_id=item_id, kind=kind, quantity=quantity, reason="",
                                         created_at=moment, received_at=moment))
            if kind == "count":
                db.session.add(Stocktake(tenant_id=tenant_id, outlet_id=outlet_id, uuid=new_uuid(), blind=False,
                                         started_at=moment, posted_at=moment, items_with_variance=1,
                                         variance_value=quantity * 10, received_at=moment,
                                         lines=[{"stock_item_id": item_id, "expected": 13450, "counted": 13200,
                                                 "cost": 10}]))
        db.session.commit()


def _usage(client, headers, **params):
    return client.get("/api/stock/usage/", query_string={**RANGE, **params}, headers=headers)


def test_usage_is_theoretical_by_the_recipes_and_actual_by_the_counts(app, client, world):
    dough = _item(client, world)
    _ledger(app, world.a.tenant_id, world.a.outlet_id, dough)
    answer = _usage(client, world.headers("manager"), outlet_id=world.a.outlet_id)
    assert answer.status_code == 200, answer.json
    [row] = answer.json["results"]
    assert {k: row[k] for k in ("opening", "received", "transferred_in", "transferred_out", "wasted", "closing",
                                "theoretical", "actual", "variance", "counts")} == {
        "opening": 10000, "received": 5000, "transferred_in": 300, "transferred_out": 1000, "wasted": 150,
        "closing": 13200, "theoretical": 700, "actual": 950, "variance": 250, "counts": 1}
    assert (row["cost"], row["theoretical_value"], row["actual_value"], row["variance_value"]) == (
        "0.10", "70.00", "95.00", "25.00")
    assert row["last_counted_at"].startswith("2026-11-03T10:00")
    assert (answer.json["variance_value"], answer.json["outlet_id"]) == ("25.00", world.a.outlet_id)


def test_the_usage_report_names_its_tenant_and_currency(app, client, world):
    """A stockkeeper's dashboard reads no analytics report: the usage report frames it."""
    answer = _usage(client, world.headers("stockkeeper"), outlet_id=world.a.outlet_id)
    with app.app_context():
        tenant = db.session.get(Tenant, world.a.tenant_id)
        expected = {"id": tenant.id, "name": tenant.name, "currency": tenant.currency}
    assert answer.json["tenant"] == expected


def test_an_item_no_stocktake_counted_in_the_range_has_no_variance(app, client, world):
    dough = _item(client, world)
    _ledger(app, world.a.tenant_id, world.a.outlet_id, dough, [
        ("2026-11-01T10:00", "receive", 1000), ("2026-11-02T05:00", "sale", -300)])
    [row] = _usage(client, world.headers("manager"), outlet_id=world.a.outlet_id).json["results"]
    assert (row["theoretical"], row["actual"], row["variance"], row["counts"], row["last_counted_at"]) == (
        300, 300, 0, 0, None)


def test_without_an_outlet_every_outlet_you_may_see_is_listed(app, client, world):
    dough = _item(client, world)
    _ledger(app, world.a.tenant_id, world.a.outlet_id, dough)
    _ledger(app, world.a.tenant_id, world.a.other_outlet_id, dough, [("2026-11-02T05:00", "sale", -50)])
    rows = _usage(client, world.headers("tenant_owner")).json["results"]
    assert sorted((r["outlet_id"], r["theoretical"]) for r in rows) == sorted(
        [(world.a.outlet_id, 700), (world.a.other_outlet_id, 50)])
    with app.app_context():
        bound = token(make_user("manager", "a_bound_manager", world.a.tenant_id, world.a.other_outlet_id))
        db.session.commit()
    mine = _usage(client, {"Authorization": f"Bearer {bound}"}).json["results"]
    assert [(r["outlet_id"], r["theoretical"]) for r in mine] == [(world.a.other_outlet_id, 50)]
    refused = _usage(client, {"Authorization": f"Bearer {bound}"}, outlet_id=world.a.outlet_id)
    assert refused.status_code == 404


@pytest.mark.parametrize(("role", "status"), [("stockkeeper", 200), ("manager", 200), ("tenant_owner", 200),
                                              ("cashier", 403), ("kitchen", 403)])
def test_usage_is_for_stockkeepers_managers_and_owners(client, world, role, status):
    assert _usage(client, world.headers(role), outlet_id=world.a.outlet_id).status_code == status


def test_another_tenants_usage_never_shows(app, client, world):
    dough = _item(client, world)
    _ledger(app, world.a.tenant_id, world.a.outlet_id, dough)
    assert _usage(client, world.headers("manager", "b"), outlet_id=world.a.outlet_id).status_code == 404
    assert _usage(client, world.headers("tenant_owner", "b")).json["results"] == []


def test_a_range_that_ends_before_it_starts_is_refused_with_the_field(client, world):
    refused = _usage(client, world.headers("manager"), date_from="2026-11-05", date_to="2026-11-01")
    assert refused.status_code == 400 and (refused.json["code"], refused.json["field"]) == (
        "INVALID_DATE_RANGE", "date_from")
