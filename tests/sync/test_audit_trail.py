"""The audit trail from till to head office: records pushed through the outbox arrive
once, keep their chain, and head office's verify names a gap the till's own records
left (a record and its outbox row deleted before it synced)."""
import csv
import io
import json

from sqlalchemy import delete, select

from cloud.extensions import db as cloud_db
from cloud.models import AuditEntry, Outlet
from edge.extensions import db
from edge.models import AuditRecord, OutboxEvent
from edge.services.syncing.relay import Relay
from sync.ids import canonical_json_and_sha256


def drain(edge_app, device_client):
    with edge_app.app_context():
        return Relay(device_client, rng=lambda: 1.0).drain()


def office(cloud_app, username="owner", password="owner123"):
    client = cloud_app.test_client()
    token = client.post("/api/auth/login/", json={"username": username, "password": password}).json["access"]
    return client, {"Authorization": f"Bearer {token}"}


def outlet_id(cloud_app):
    with cloud_app.app_context():
        return cloud_db.session.execute(select(Outlet.id).where(Outlet.code == "YOG")).scalar_one()


def refunded_order(cashier, manager):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA", 2))
    assert cashier.pay(order["id"], "cash", tendered="1000000.00").status_code == 201
    assert manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "spilled"}).status_code == 201
    return order


def test_a_tills_refund_reaches_head_office_once_with_who_and_when(edge_app, cloud_app, device_client, cashier,
                                                                     manager):
    order = refunded_order(cashier, manager)
    drain(edge_app, device_client)
    drain(edge_app, device_client)  # nothing twice
    client, headers = office(cloud_app)
    listed = client.get("/api/audit/?action=refund", headers=headers)
    assert listed.status_code == 200 and listed.json["count"] == 1
    [entry] = listed.json["results"]
    assert entry["actor"]["username"] == "manager" and entry["outlet_id"] == outlet_id(cloud_app)
    assert (entry["object_type"], entry["object_id"]) == ("order", order["uuid"])
    assert entry["at"].endswith("Z") and entry["chain_ok"] is True and entry["source"] == "edge"
    with edge_app.app_context():
        at_till = db.session.execute(select(AuditRecord.seq)).scalars().all()
    with cloud_app.app_context():
        assert cloud_db.session.query(AuditEntry).filter_by(source="edge").count() == len(at_till)
    verified = client.get(f"/api/audit/verify/?outlet={outlet_id(cloud_app)}", headers=headers).json
    assert verified["ok"] is True and verified["records"] == len(at_till) and verified["breaks"] == []


def test_filters_narrow_the_trail(edge_app, cloud_app, device_client, cashier, manager):
    refunded_order(cashier, manager)
    drain(edge_app, device_client)
    client, headers = office(cloud_app)
    by_cashier = client.get("/api/audit/?actor=CASHIER", headers=headers).json["results"]
    assert by_cashier and {e["actor"]["username"] for e in by_cashier} == {"cashier"}
    shifts = client.get("/api/audit/?object_type=shift", headers=headers).json["results"]
    assert {e["action"] for e in shifts} == {"shift_open"}
    assert client.get("/api/audit/?date_to=2000-01-01", headers=headers).json["count"] == 0


def test_a_record_deleted_before_it_synced_shows_as_a_gap_named_by_device_and_seq(edge_app, cloud_app, device_client,
                                                                                  cashier, manager):
    refunded_order(cashier, manager)
    with edge_app.app_context():  # someone hides the refund: its record and its outbox row
        refund = db.session.execute(select(AuditRecord).where(AuditRecord.action == "refund")).scalar_one()
        seq, device_id, uuid = refund.seq, refund.device_id, refund.uuid
        db.session.execute(delete(OutboxEvent).where(OutboxEvent.aggregate_id == uuid))
        db.session.execute(delete(AuditRecord).where(AuditRecord.uuid == uuid))
        db.session.commit()
    shift = cashier.get("/api/shifts/current/").json
    assert cashier.post(f"/api/shifts/{shift['id']}/cash-movements/",
                        {"kind": "in", "amount": "1000.00", "reason": "float"}).status_code == 201
    drain(edge_app, device_client)
    client, headers = office(cloud_app)
    verified = client.get(f"/api/audit/verify/?outlet={outlet_id(cloud_app)}", headers=headers).json
    assert verified["ok"] is False
    [found] = verified["breaks"]
    assert (found["device_id"], found["seq"], found["problem"]) == (device_id, seq + 1, "missing")
    assert (found["expected"], found["found"]) == (f"seq {seq}", f"seq {seq - 1}")
    flagged = client.get("/api/audit/?action=cash_in", headers=headers).json["results"]
    assert flagged[0]["chain_ok"] is False  # flagged on the way in too


def test_a_record_edited_before_it_synced_is_named_by_device_and_seq(edge_app, cloud_app, device_client, cashier,
                                                                    manager):
    refunded_order(cashier, manager)
    with edge_app.app_context():  # someone puts the refund on the cashier: the record and its queued copy
        refund = db.session.execute(select(AuditRecord).where(AuditRecord.action == "refund")).scalar_one()
        seq, device_id, uuid = refund.seq, refund.device_id, refund.uuid
        refund.actor_username = "cashier"
        event = db.session.execute(select(OutboxEvent).where(OutboxEvent.aggregate_id == uuid)).scalar_one()
        event.payload, event.payload_sha256 = canonical_json_and_sha256({**json.loads(event.payload),
                                                                         "actor_username": "cashier"})
        db.session.commit()
    assert manager.get("/api/audit/verify/").json["breaks"][0]["seq"] == seq  # the till's own verify
    drain(edge_app, device_client)
    client, headers = office(cloud_app)
    verified = client.get(f"/api/audit/verify/?outlet={outlet_id(cloud_app)}", headers=headers).json
    assert verified["ok"] is False
    [found] = verified["breaks"]
    assert (found["device_id"], found["seq"], found["problem"]) == (device_id, seq, "hash")
    [entry] = client.get("/api/audit/?action=refund", headers=headers).json["results"]
    assert entry["actor"]["username"] == "cashier" and entry["chain_ok"] is False  # flagged on the way in


def test_the_export_is_a_csv_of_the_filtered_trail_and_is_itself_audited(edge_app, cloud_app, device_client, cashier,
                                                                           manager):
    refunded_order(cashier, manager)
    drain(edge_app, device_client)
    client, headers = office(cloud_app)
    exported = client.get("/api/audit/export/?action=refund&format=csv", headers=headers)
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [(r["action"], r["username"]) for r in rows] == [("refund", "manager")]
    assert client.get("/api/audit/export/?format=xlsx", headers=headers).status_code == 200
    assert client.get("/api/audit/?action=export", headers=headers).json["count"] == 2


def test_an_outlet_manager_sees_their_outlet_and_a_cashier_nothing(edge_app, cloud_app, device_client, cashier,
                                                                     manager):
    refunded_order(cashier, manager)
    drain(edge_app, device_client)
    client, headers = office(cloud_app, "manager", "manager123")
    seen = client.get("/api/audit/", headers=headers).json["results"]
    assert seen and {e["outlet_id"] for e in seen} == {outlet_id(cloud_app)}
    client, headers = office(cloud_app, "cashier", "cashier123")
    assert client.get("/api/audit/", headers=headers).status_code == 403


def test_cloud_side_changes_are_recorded_with_before_and_after(cloud_app):
    client, headers = office(cloud_app)
    users = client.get("/api/users/?search=cashier", headers=headers).json["results"]
    changed = client.patch(f"/api/users/{users[0]['id']}/", json={"role": "manager"}, headers=headers)
    assert changed.status_code == 200
    [entry] = client.get("/api/audit/?action=role_change", headers=headers).json["results"]
    assert entry["actor"]["username"] == "owner" and entry["source"] == "cloud"
    assert (entry["before"], entry["after"]) == ({"role": "cashier"}, {"role": "manager"})
    assert client.get("/api/audit/?action=login&actor=owner", headers=headers).json["count"] >= 1
