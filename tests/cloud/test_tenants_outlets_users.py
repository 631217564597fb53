"""Tenants, outlets and staff: settings, codes, who may create whom, enrollment keys."""


def test_an_owner_edits_branding_tax_service_and_cash_rounding(client, world):
    response = client.patch(f"/api/tenants/{world.a.tenant_id}/", headers=world.headers("tenant_owner"), json={
        "primary_color": "#123456", "tax_rate": "11.00", "service_charge_rate": "7.50", "cash_rounding": "500.00"})
    assert response.status_code == 200
    body = response.json
    assert (body["primary_color"], body["tax_rate"], body["service_charge_rate"], body["cash_rounding"]) == (
        "#123456", "11.00", "7.50", "500.00")


def test_cash_rounding_must_be_a_sensible_increment(client, world):
    response = client.patch(f"/api/tenants/{world.a.tenant_id}/", headers=world.headers("tenant_owner"),
                            json={"cash_rounding": "300.00"})
    assert response.status_code == 400 and response.json["code"] == "INVALID_CASH_ROUNDING"


def test_an_owner_cannot_deactivate_their_own_tenant(client, world):
    response = client.patch(f"/api/tenants/{world.a.tenant_id}/", headers=world.headers("tenant_owner"),
                            json={"is_active": False})
    assert response.status_code == 403


def test_outlets_have_unique_codes_and_valid_timezones(client, world):
    headers = world.headers("tenant_owner")
    created = client.post("/api/outlets/", headers=headers, json={
        "code": "sol", "name": "Solo", "timezone": "Asia/Jakarta",
        "opening_hours": {"mon": [["10:00", "22:00"]]}})
    assert created.status_code == 201 and created.json["code"] == "SOL"
    again = client.post("/api/outlets/", headers=headers, json={"code": "SOL", "name": "Solo 2"})
    assert again.status_code == 409 and again.json["code"] == "OUTLET_CODE_TAKEN"
    tz = client.post("/api/outlets/", headers=headers, json={"code": "XX", "name": "X", "timezone": "Mars/Base"})
    assert tz.status_code == 400 and tz.json["code"] == "INVALID_TIMEZONE"
    hours = client.post("/api/outlets/", headers=headers, json={"code": "YY", "name": "Y",
                                                                "opening_hours": {"mon": [["25:00", "22:00"]]}})
    assert hours.status_code == 400


def test_outlet_bound_managers_see_only_their_outlet(app, client, world):
    from cloud.extensions import db
    from cloud.models import User

    with app.app_context():
        db.session.get(User, world.a.users["manager"]).outlet_id = world.a.outlet_id
        db.session.commit()
    listed = client.get("/api/outlets/", headers=world.headers("manager")).json
    assert [o["id"] for o in listed["results"]] == [world.a.outlet_id]
    other = client.get(f"/api/outlets/{world.a.other_outlet_id}/", headers=world.headers("manager"))
    assert other.status_code == 404


def test_a_manager_adds_a_cashier_but_not_a_manager(client, world):
    headers = world.headers("manager")
    cashier = client.post("/api/users/", headers=headers, json={
        "username": "new_cashier", "password": "password123", "role": "cashier", "outlet_id": world.a.outlet_id,
        "pin": "4321"})
    assert cashier.status_code == 201 and cashier.json["has_pin"] is True
    manager = client.post("/api/users/", headers=headers, json={
        "username": "new_manager", "password": "password123", "role": "manager"})
    assert manager.status_code == 403 and manager.json["code"] == "ROLE_NOT_ALLOWED"


def test_pins_are_4_to_6_digits(client, world):
    response = client.post("/api/users/", headers=world.headers("manager"), json={
        "username": "pinny", "password": "password123", "role": "cashier", "pin": "12"})
    assert response.status_code == 400 and response.json["field"] == "pin"


def test_a_pin_of_one_digit_repeated_is_refused(client, world):
    """The length is the schema's; the service refuses what is easy to guess (INVALID_PIN)."""
    response = client.post("/api/users/", headers=world.headers("manager"), json={
        "username": "pinny", "password": "password123", "role": "cashier", "pin": "1111"})
    assert (response.status_code, response.json["code"], response.json["field"]) == (400, "INVALID_PIN", "pin")


def test_usernames_are_unique_across_tenants(client, world):
    response = client.post("/api/users/", headers=world.headers("tenant_owner"), json={
        "username": "bb_cashier", "password": "password123", "role": "cashier"})
    assert response.status_code == 409 and response.json["code"] == "USERNAME_TAKEN"


def test_deleting_a_user_deactivates_them(client, world):
    uid = world.a.users["cashier"]
    assert client.delete(f"/api/users/{uid}/", headers=world.headers("manager")).status_code == 204
    assert client.get(f"/api/users/{uid}/", headers=world.headers("manager")).json["is_active"] is False
    assert client.post("/api/auth/login/", json={"username": "aa_cashier", "password": "password123"}
                       ).status_code == 401


def test_an_enrollment_key_is_single_use(client, world):
    key = client.post(f"/api/outlets/{world.a.outlet_id}/enrollment-key/",
                      headers=world.headers("tenant_owner")).json["enrollment_key"]
    first = client.post("/api/sync/enroll/", json={"enrollment_key": key, "device_name": "till 1"})
    assert first.status_code == 201 and first.json["outlet"]["code"] == "AA1"
    again = client.post("/api/sync/enroll/", json={"enrollment_key": key, "device_name": "till 2"})
    assert again.status_code == 401 and again.json["code"] == "INVALID_ENROLLMENT_KEY"


def test_a_device_token_cannot_be_used_as_a_user_token(client, world):
    key = client.post(f"/api/outlets/{world.a.outlet_id}/enrollment-key/",
                      headers=world.headers("tenant_owner")).json["enrollment_key"]
    device = client.post("/api/sync/enroll/", json={"enrollment_key": key, "device_name": "till"}).json
    access = client.post("/api/sync/token/", json={"device_id": device["device_id"],
                                                   "device_token": device["device_token"]}).json["access_token"]
    assert client.get("/api/users/me/", headers={"Authorization": f"Bearer {access}"}).status_code == 401
    assert client.get("/api/sync/pull/", headers={"Authorization": f"Bearer {access}"}).status_code == 200


def test_staff_of_a_deactivated_tenant_are_locked_out(client, world):
    headers = world.headers("cashier")
    assert client.get("/api/users/me/", headers=headers).status_code == 200
    off = client.patch(f"/api/tenants/{world.a.tenant_id}/", json={"is_active": False},
                       headers=world.headers("super_admin"))
    assert off.status_code == 200
    assert client.get("/api/users/me/", headers=headers).status_code == 401
    login = client.post("/api/auth/login/", json={"username": "aa_cashier", "password": "password123"})
    assert login.status_code == 401


def test_a_manager_sets_the_outlets_zero_stock_rule_allow_being_the_default(client, world):
    url, headers = f"/api/outlets/{world.a.outlet_id}/", world.headers("manager")
    assert client.get(url, headers=headers).json["zero_stock"] == "allow"
    changed = client.patch(url, headers=headers, json={"zero_stock": "block"})
    assert changed.status_code == 200 and changed.json["zero_stock"] == "block"
    assert client.get(url, headers=headers).json["zero_stock"] == "block"


def test_an_unknown_zero_stock_rule_is_refused_in_the_error_format(client, world):
    refused = client.patch(f"/api/outlets/{world.a.outlet_id}/", headers=world.headers("manager"),
                           json={"zero_stock": "maybe"})
    assert refused.status_code == 400
    assert set(refused.json) >= {"error", "message", "field", "code"} and refused.json["field"] == "zero_stock"


def test_a_cashier_cannot_change_the_zero_stock_rule(client, world):
    refused = client.patch(f"/api/outlets/{world.a.outlet_id}/", headers=world.headers("cashier"),
                           json={"zero_stock": "block"})
    assert refused.status_code == 403
