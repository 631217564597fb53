"""The cloud's side of an outlet that survives backups and twins, in process (the same
rules run end to end in tests/sync/test_faults_continuity.py): numbering spaces per
device, unique order numbers, a fork for a database that went back, the recovery of what
it lost, and the discrepancies head office sees."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from cloud.extensions import db
from cloud.models import Device, SyncDiscrepancy
from tests.cloud.test_drain_ingest import Outlet_, order, payment

pytestmark = pytest.mark.postgres


def _flags(app) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(SyncDiscrepancy.kind, SyncDiscrepancy.order_uuid).order_by(SyncDiscrepancy.id)).all()]


def test_each_device_of_an_outlet_gets_its_own_numbering_space(app, client, world):
    first, second = Outlet_(app, client, world.a.outlet_id), Outlet_(app, client, world.a.outlet_id)
    elsewhere = Outlet_(app, client, world.a.other_outlet_id)
    spaces = [client.get("/api/sync/device/", headers=t.headers).json["number_space"]
              for t in (first, second, elsewhere)]
    assert spaces == [1, 2, 1]


def test_an_order_number_another_order_holds_is_refused_and_flagged(app, client, world):
    till = Outlet_(app, client, world.a.outlet_id)
    held = order(till.outlet_id)
    twin = order(till.outlet_id, order_number=held["order_number"])
    answers = till.push([till.event("order.snapshot", held), till.event("order.snapshot", twin)])
    assert [a["status"] for a in answers] == ["applied", "rejected"]
    assert answers[1]["reason"].startswith("ORDER_NUMBER_TAKEN")
    assert _flags(app) == [("order_number_taken", twin["uuid"])]
    renumbered = till.event("order.snapshot", {**twin, "order_number": twin["order_number"] + "X", "version": 2})
    assert till.push([renumbered])[0]["status"] == "applied"


def test_more_paid_than_due_is_flagged_and_kept(app, client, world):
    till = Outlet_(app, client, world.a.outlet_id)
    sold = order(till.outlet_id, lines=1)  # 1,000 due
    answers = till.push([till.event("order.snapshot", sold),
                         till.event("payment.recorded", payment(sold["uuid"], 1000)),
                         till.event("payment.recorded", payment(sold["uuid"], 1000))])
    assert [a["status"] for a in answers] == ["applied"] * 3
    assert _flags(app) == [("overpaid", sold["uuid"])]
    listed = client.get(f"/api/sync/discrepancies/?outlet_id={world.a.outlet_id}&kind=overpaid",
                        headers=world.headers("manager"))
    assert listed.status_code == 200 and listed.json["count"] == 1
    assert listed.json["results"][0]["detail"] == {"paid": 2000, "due": 1000}
    assert client.get("/api/sync/discrepancies/", headers=world.headers("cashier")).status_code == 403
    assert client.get("/api/sync/discrepancies/", headers=world.headers("manager", "b")).json["count"] == 0


def test_a_device_behind_the_cloud_takes_back_its_orders_and_a_new_identity(app, client, world):
    till = Outlet_(app, client, world.a.outlet_id)
    kept, lost = order(till.outlet_id), order(till.outlet_id, lines=1)
    till.push([till.event("order.snapshot", kept)])  # seq 1: the copy still has it
    till.push([till.event("order.snapshot", lost), till.event("payment.recorded", payment(lost["uuid"], 1000)),
               till.event("order.snapshot", {**lost, "version": 2, "paid_amount": 1000})])  # seq 2-4: lost
    state = client.get("/api/sync/device/", headers=till.headers).json
    assert state["last_pushed_seq"] == 4

    page = client.get("/api/sync/recovery/?after_seq=1", headers=till.headers).json
    assert [o["order"]["uuid"] for o in page["orders"]] == [lost["uuid"]]
    assert page["orders"][0]["order"]["version"] == 2 and page["orders"][0]["order"]["paid_amount"] == "10.00"
    assert [p["amount"] for p in page["orders"][0]["payments"]] == ["10.00"]
    assert client.get("/api/sync/recovery/?after_seq=4", headers=till.headers).json["orders"] == []

    refused = client.post("/api/sync/device/fork/", json={"seq_high": 4}, headers=till.headers)
    assert refused.status_code == 409 and refused.json["code"] == "NOT_BEHIND"
    forked = client.post("/api/sync/device/fork/", json={"seq_high": 1}, headers=till.headers)
    assert forked.status_code == 201, forked.json
    assert forked.json["number_space"] == 2 and forked.json["forked_from_id"] == till.device_id
    with app.app_context():
        twin = db.session.get(Device, forked.json["device_id"])
        assert (twin.outlet_id, twin.last_pushed_seq, twin.is_active) == (world.a.outlet_id, 1, True)
    assert _flags(app) == [("sequence_regressed", None)]
    token = client.post("/api/sync/token/", json={"device_id": forked.json["device_id"],
                                                  "device_token": forked.json["device_token"]})
    headers = {"Authorization": f"Bearer {token.json['access_token']}"}
    again = client.get("/api/sync/recovery/?after_seq=1", headers=headers).json  # the lineage's orders
    assert [o["order"]["uuid"] for o in again["orders"]] == [lost["uuid"]]
    assert client.get("/api/sync/device/", headers=till.headers).status_code == 200  # the old identity lives on
