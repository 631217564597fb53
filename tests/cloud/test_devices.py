"""Enrolled edges under the owner's control: a closed outlet's device gets no tokens and
pulls nothing; the owner lists the tenant's devices and revokes one (it stops at once);
enrolling an outlet again replaces its older device unless the key keeps it."""
from cloud.extensions import db
from cloud.models import Outlet
from cloud.services import enrollment
from tests.cloud.test_role_matrix import enroll_device


def key_for(app, outlet_id, keep=False):
    with app.app_context():
        key, _ = enrollment.issue_key(db.session, db.session.get(Outlet, outlet_id), None, keep_other_devices=keep)
        db.session.commit()
        return key


def device_token(client, device_id, credential):
    return client.post("/api/sync/token/", json={"device_id": device_id, "device_token": credential})


def pull(client, access):
    return client.get("/api/sync/pull/?since=0", headers={"Authorization": f"Bearer {access}"})


def test_a_closed_outlets_device_gets_no_token_and_pulls_nothing(app, client, world):
    device_id, credential, access = enroll_device(client, key_for(app, world.a.outlet_id), "till")
    closed = client.patch(f"/api/outlets/{world.a.outlet_id}/", json={"is_active": False},
                          headers=world.headers("tenant_owner"))
    assert closed.status_code == 200 and closed.json["is_active"] is False
    refused = device_token(client, device_id, credential)
    assert (refused.status_code, refused.json["code"]) == (401, "DEVICE_NOT_AUTHENTICATED")
    pulled = pull(client, access)
    assert pulled.status_code == 401 and b"argon2" not in pulled.data


def test_the_owner_lists_the_tenants_devices_and_revokes_one(app, client, world):
    device_id, credential, access = enroll_device(client, key_for(app, world.a.outlet_id), "front till")
    owner = world.headers("tenant_owner")
    listed = client.get("/api/devices/", headers=owner).json
    assert [(d["id"], d["name"], d["outlet_id"], d["is_active"]) for d in listed["results"]] == [
        (device_id, "front till", world.a.outlet_id, True)]
    assert client.get("/api/devices/", headers=world.headers("tenant_owner", "b")).json["count"] == 0
    revoked = client.post(f"/api/devices/{device_id}/revoke/", headers=owner)
    assert revoked.status_code == 200 and revoked.json["is_active"] is False and revoked.json["revoked_at"]
    assert pull(client, access).status_code == 401  # its access token stops at once
    assert device_token(client, device_id, credential).status_code == 401
    assert client.get("/api/devices/?is_active=false", headers=owner).json["count"] == 1


def test_a_manager_cannot_see_or_revoke_devices(app, client, world):
    device_id, _, _ = enroll_device(client, key_for(app, world.a.outlet_id), "till")
    assert client.get("/api/devices/", headers=world.headers("manager")).status_code == 403
    assert client.post(f"/api/devices/{device_id}/revoke/", headers=world.headers("manager")).status_code == 403


def test_enrolling_an_outlet_again_revokes_its_older_device(app, client, world):
    old_id, old_credential, old_access = enroll_device(client, key_for(app, world.a.outlet_id), "old till")
    other_outlet_id, _, other_access = enroll_device(client, key_for(app, world.a.other_outlet_id), "other till")
    new_id, _, new_access = enroll_device(client, key_for(app, world.a.outlet_id), "new till")
    assert pull(client, old_access).status_code == 401
    assert device_token(client, old_id, old_credential).status_code == 401
    assert pull(client, new_access).status_code == 200 and pull(client, other_access).status_code == 200
    rows = {d["id"]: d for d in client.get("/api/devices/", headers=world.headers("tenant_owner")).json["results"]}
    assert rows[old_id]["revoked_reason"] == "replaced by a new enrollment" and rows[new_id]["is_active"]


def test_a_key_made_to_keep_the_others_adds_a_second_till(app, client, world):
    _, _, first = enroll_device(client, key_for(app, world.a.outlet_id), "till 1")
    owner = world.headers("tenant_owner")
    key = client.post(f"/api/outlets/{world.a.outlet_id}/enrollment-key/", json={"keep_other_devices": True},
                      headers=owner).json["enrollment_key"]
    _, _, second = enroll_device(client, key, "till 2")
    assert pull(client, first).status_code == 200 and pull(client, second).status_code == 200
