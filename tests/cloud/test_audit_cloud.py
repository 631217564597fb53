"""Sensitive actions done through the cloud are recorded in the audit trail with who did
them and before/after: device enrolment and revocation, prices, availability, promotions
and failed sign-ins; and the trail of one tenant is not another's."""
from tests.cloud.test_devices import key_for
from tests.cloud.test_role_matrix import enroll_device


def trail(client, headers, **filters):
    response = client.get("/api/audit/", query_string=filters, headers=headers)
    assert response.status_code == 200, response.json
    return response.json["results"]


def test_enrolment_and_revocation_of_a_device_are_recorded(app, client, world):
    device_id, _, _ = enroll_device(client, key_for(app, world.a.outlet_id), "front till")
    owner = world.headers("tenant_owner")
    assert client.post(f"/api/devices/{device_id}/revoke/", headers=owner).status_code == 200
    [enrolled] = trail(client, owner, action="device_enrol")
    assert (enrolled["object_id"], enrolled["outlet_id"], enrolled["after"]["name"]) == (
        str(device_id), world.a.outlet_id, "front till")
    [revoked] = trail(client, owner, action="device_revoke")
    assert revoked["actor"]["role"] == "tenant_owner" and revoked["before"] == {"is_active": True}
    assert trail(client, world.headers("tenant_owner", "b"), action="device_revoke") == []


def test_price_and_availability_changes_carry_before_and_after(client, world):
    owner = world.headers("tenant_owner")
    changed = client.patch(f"/api/products/{world.a.product_id}/", json={"price": "12345.00"}, headers=owner)
    assert changed.status_code == 200, changed.json
    [price] = trail(client, owner, action="price_change")
    assert price["after"] == {"price": "12345.00", "pending_approval": False}
    assert price["object_type"] == "product" and price["object_id"] == str(world.a.product_id)
    marked = client.patch(f"/api/outlets/{world.a.outlet_id}/products/{world.a.product_id}/",
                          json={"is_available": False}, headers=owner)
    assert marked.status_code == 200, marked.json
    [sold_out] = trail(client, owner, action="sold_out")
    assert sold_out["outlet_id"] == world.a.outlet_id and sold_out["after"] == {"is_available": False}


def test_a_promotion_change_and_a_failed_sign_in_are_recorded(client, world):
    owner = world.headers("tenant_owner")
    made = client.post("/api/promotions/", json={"name": "Happy Hour", "promo_type": "percentage",
                                                 "discount_percent": "15.00", "auto_apply": True}, headers=owner)
    assert made.status_code == 201, made.json
    [created] = trail(client, owner, action="promotion_change")
    assert created["before"] is None and created["after"]["name"] == "Happy Hour"
    assert client.post(f"/api/promotions/{made.json['id']}/activate/", headers=owner).status_code == 200
    switched = trail(client, owner, action="promotion_change")[0]  # newest first
    assert (switched["before"], switched["after"]) == ({"is_active": False}, {"is_active": True})
    manager = client.get("/api/users/me/", headers=world.headers("manager")).json["username"]
    assert client.post("/api/auth/login/", json={"username": manager, "password": "wrong-one"}).status_code == 401
    [failed] = trail(client, owner, action="login_failed")
    assert failed["actor"]["username"] == manager


def test_a_sign_in_is_recorded_with_the_role_of_who_signed_in(client, world):
    from tests.cloud.factories import PASSWORD

    owner = world.headers("tenant_owner")
    me = client.get("/api/users/me/", headers=world.headers("manager")).json
    assert client.post("/api/auth/login/", json={"username": me["username"], "password": PASSWORD}).status_code == 200
    [signed_in] = trail(client, owner, action="login")
    assert signed_in["actor"]["username"] == me["username"] and signed_in["actor"]["role"] == "manager"
    assert (signed_in["object_type"], signed_in["object_id"]) == ("user", str(me["id"]))


def test_a_gateway_key_change_is_recorded_without_the_key(client, world):
    owner = world.headers("tenant_owner")
    written = client.put("/api/payments/gateways/midtrans/", json={"server_key": "SB-Mid-server-secret-123"},
                         headers=owner)
    assert written.status_code == 200, written.json
    [changed] = trail(client, owner, action="gateway_key_change")
    assert (changed["object_type"], changed["object_id"]) == ("gateway_account", "midtrans")
    assert changed["after"]["fields"] == ["server_key"]
    assert "SB-Mid-server-secret-123" not in str(changed)


def test_report_and_catalog_exports_are_recorded_with_their_filters(client, world):
    owner = world.headers("tenant_owner")
    for path in ("/api/analytics/revenue/export/?format=csv&date_from=2026-11-01&date_to=2026-11-02",
                 "/api/analytics/products/export/?format=csv&date_from=2026-11-01&date_to=2026-11-02",
                 "/api/products/export/?format=csv"):
        assert client.get(path, headers=owner).status_code == 200, path
    exports = trail(client, owner, action="export")
    assert sorted(e["object_type"] for e in exports) == ["catalog", "products_report", "revenue_report"]
    assert all(e["actor"]["role"] == "tenant_owner" for e in exports)
