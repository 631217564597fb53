"""Security alerts (issue 21): failed sign-in bursts per username and per address,
lockouts, a silent outlet, refunds and voids above their share of an outlet's day;
listed for the tenant's owner (the platform's admins see all) and acknowledged by an
owner, who and when recorded; drawers opened with no sale and an audit chain that broke,
from the tills' audit records."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from cloud.extensions import db
from cloud.models import AuditEntry, Device, SecurityAlert
from cloud.services import security_alerts
from cloud.worker import scan_security_alerts
from sync.timeutil import utcnow
from tests.cloud.test_drain_ingest import T0, Outlet_, order


def fail_login(client, username, address="198.51.100.7"):
    return client.post("/api/auth/login/", json={"username": username, "password": "not-the-password"},
                       environ_base={"REMOTE_ADDR": address})


def listed(client, headers, **query):
    response = client.get("/api/security/alerts/", headers=headers, query_string=query)
    assert response.status_code == 200, response.json
    return response.json["results"]


def kinds(rows):
    return sorted((row["kind"], row["subject"]) for row in rows)


def test_a_burst_of_failed_sign_ins_for_one_username_is_an_alert_for_its_tenant(app, client, world):
    app.config["LOGIN_MAX_DELAY_S"] = 0  # each try is checked and counted (a delayed one is refused uncounted)
    for _ in range(5):
        assert fail_login(client, "aa_cashier").status_code in (401, 429)
    scan_security_alerts(app)
    scan_security_alerts(app)  # a repeat updates the open alert
    owner_a = world.headers("tenant_owner", "a")
    rows = [r for r in listed(client, owner_a) if r["kind"] == "failed_logins_user"]
    assert len(rows) == 1 and rows[0]["subject"] == "aa_cashier" and rows[0]["count"] >= 5
    assert rows[0]["tenant_id"] == world.a.tenant_id and rows[0]["acknowledged_at"] is None
    assert not [r for r in listed(client, world.headers("tenant_owner", "b")) if r["subject"] == "aa_cashier"]


def test_failures_across_usernames_from_one_address_are_a_platform_alert(app, client, world):
    for name in ("aa_cashier", "aa_manager", "bb_cashier", "nobody", "ghost"):
        fail_login(client, name, address="203.0.113.66")
    fail_login(client, "aa_kitchen", address="203.0.113.67")
    scan_security_alerts(app)
    root = {"Authorization": world.headers("super_admin")["Authorization"]}
    address_alerts = [r for r in listed(client, root) if r["kind"] == "failed_logins_address"]
    assert [(r["subject"], r["count"], r["tenant_id"]) for r in address_alerts] == [("203.0.113.66", 5, None)]
    assert not [r for r in listed(client, world.headers("tenant_owner")) if r["kind"] == "failed_logins_address"]


def test_a_lockout_is_an_alert(app, client, world):
    app.config["LOGIN_MAX_DELAY_S"] = 0
    for _ in range(10):
        fail_login(client, "aa_manager")
    scan_security_alerts(app)
    rows = listed(client, world.headers("tenant_owner"), kind="account_locked")
    assert kinds(rows) == [("account_locked", "aa_manager")]
    assert "locked" in rows[0]["message"]


def test_a_silent_outlet_alerts_once_until_it_is_heard_again_after_the_acknowledgement(app, client, world):
    till = Outlet_(app, client, world.a.outlet_id)
    settings = security_alerts.AlertSettings(silent_after=timedelta(minutes=60))
    now = utcnow()

    def seen(at):
        with app.app_context():
            db.session.execute(update(Device).where(Device.id == till.device_id).values(last_seen_at=at))
            db.session.commit()

    def scan(at):
        with app.app_context():
            security_alerts.scan(db.session, settings, now=at)
            db.session.commit()

    scan(now)
    assert listed(client, world.headers("tenant_owner"), kind="outlet_silent") == []
    seen(now - timedelta(minutes=90))
    scan(now)
    [alert] = listed(client, world.headers("tenant_owner"), kind="outlet_silent")
    assert alert["outlet_id"] == world.a.outlet_id and "90 minutes" in alert["message"]
    acked = client.post(f"/api/security/alerts/{alert['id']}/acknowledge/", headers=world.headers("tenant_owner"))
    assert acked.status_code == 200
    scan(now + timedelta(minutes=5))  # still silent, but nothing new since the acknowledgement
    assert len(listed(client, world.headers("tenant_owner"), kind="outlet_silent")) == 1
    seen(now + timedelta(minutes=6))  # heard again ... then silent again
    scan(now + timedelta(minutes=120))
    rows = listed(client, world.headers("tenant_owner"), kind="outlet_silent", acknowledged="false")
    assert len(rows) == 1 and rows[0]["id"] != alert["id"]


def test_refunds_and_voids_above_their_share_of_the_day_are_an_alert(app, client, world):
    heavy, light = Outlet_(app, client, world.a.outlet_id), Outlet_(app, client, world.a.other_outlet_id)
    heavy.push([heavy.event("order.snapshot", order(world.a.outlet_id, lines=2, refunded_amount=1000)),
                heavy.event("order.snapshot", order(world.a.outlet_id, lines=1))])  # 1000 of 4000: 25 %
    light.push([light.event("order.snapshot", order(world.a.other_outlet_id, lines=2, voided_amount=300))])  # 10 %
    with app.app_context():
        security_alerts.scan(db.session, security_alerts.AlertSettings(refund_share_percent=20),
                             now=datetime.combine(T0.date(), datetime.min.time()) + timedelta(hours=20))
        db.session.commit()
    rows = listed(client, world.headers("tenant_owner"), kind="refund_share")
    assert kinds(rows) == [("refund_share", f"{world.a.outlet_id}:{T0.date().isoformat()}")]
    assert rows[0]["detail"]["share_percent"] == 25.0


def test_an_owner_acknowledges_and_the_first_acknowledgement_stands(app, client, world):
    app.config["LOGIN_MAX_DELAY_S"] = 0
    for _ in range(5):
        fail_login(client, "aa_cashier")
    scan_security_alerts(app)
    [alert] = listed(client, world.headers("tenant_owner"), kind="failed_logins_user")
    other_owner = client.post(f"/api/security/alerts/{alert['id']}/acknowledge/",
                              headers=world.headers("tenant_owner", "b"))
    assert other_owner.status_code == 404 and other_owner.json["code"] == "ALERT_NOT_FOUND"
    manager = client.post(f"/api/security/alerts/{alert['id']}/acknowledge/", headers=world.headers("manager"))
    assert manager.status_code == 403
    done = client.post(f"/api/security/alerts/{alert['id']}/acknowledge/", headers=world.headers("tenant_owner"))
    assert done.status_code == 200
    assert done.json["acknowledged_by"] == world.a.users["tenant_owner"] and done.json["acknowledged_at"]
    root = client.post(f"/api/security/alerts/{alert['id']}/acknowledge/", headers=world.headers("super_admin"))
    assert root.json["acknowledged_by"] == world.a.users["tenant_owner"]
    assert listed(client, world.headers("tenant_owner"), acknowledged="false", kind="failed_logins_user") == []
    with app.app_context():
        stored = db.session.execute(select(SecurityAlert).where(SecurityAlert.id == alert["id"])).scalar_one()
        assert stored.acknowledged_by_username == "aa_tenant_owner"


def till_record(world, action, *, chain_ok=True, at=None, seq=1):
    at = at or utcnow()
    return AuditEntry(tenant_id=world.a.tenant_id, outlet_id=world.a.outlet_id, source="edge",
                      uuid=f"00000000-0000-4000-8000-{seq:012d}", device_id=1, seq=seq, action=action,
                      at=at.isoformat() + "Z", occurred_at=at, chain_ok=chain_ok, received_at=at,
                      chain_problem=None if chain_ok else "missing: expected seq 1")


def test_drawers_opened_with_no_sale_are_an_alert_per_outlet_and_day(app, client, world):
    with app.app_context():
        db.session.add_all([till_record(world, "drawer_open", seq=1), till_record(world, "drawer_open", seq=2),
                            till_record(world, "cash_in", seq=3)])
        db.session.commit()
    scan_security_alerts(app)
    [alert] = listed(client, world.headers("tenant_owner"), kind="drawer_opens")
    assert alert["count"] == 2 and alert["outlet_id"] == world.a.outlet_id
    assert listed(client, world.headers("tenant_owner", "b"), kind="drawer_opens") == []


def test_an_audit_record_that_broke_its_chain_is_an_alert(app, client, world):
    with app.app_context():
        db.session.add_all([till_record(world, "refund", seq=1), till_record(world, "void", seq=3, chain_ok=False)])
        db.session.commit()
    scan_security_alerts(app)
    [alert] = listed(client, world.headers("tenant_owner"), kind="audit_chain_broken")
    assert (alert["subject"], alert["count"]) == (str(world.a.outlet_id), 1)
