"""Every sensitive action done through the cloud leaves one audit entry with who did it, the
object and what changed, listed by `GET /api/audit/?action=<action>` (issue 21's names).

One row of the table per action (or per way of reaching it, for price changes): the row
does the action through the API and says what the newest entry of that action must show."""
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.cloud.factories import PASSWORD
from tests.cloud.test_devices import key_for
from tests.cloud.test_role_matrix import enroll_device

NEW_PASSWORD = "another-password-456"


@dataclass
class Case:
    action: str
    act: Callable  # (app, client, world) -> object_id the entry names
    actor: str  # the acting user's role in tenant a ("": the device enrolling itself)
    object_type: str
    before: dict | None  # values the entry's before must hold (a subset), None: not checked
    after: dict | None
    outlet: bool = False  # the entry carries tenant a's outlet


def ok(response, status=200):
    assert response.status_code == status, response.json
    return response


def owner(world):
    return world.headers("tenant_owner")


def sign_in(app, client, world):
    ok(client.post("/api/auth/login/", json={"username": "aa_manager", "password": PASSWORD}))
    return world.a.users["manager"]


def sign_in_wrong(app, client, world):
    ok(client.post("/api/auth/login/", json={"username": "aa_manager", "password": "wrong-one"}), 401)
    return world.a.users["manager"]


def locked_out(app, client, world):
    app.config.update(LOGIN_MAX_DELAY_S=0, LOGIN_LOCK_AFTER=2)  # no waiting between the tries
    for _ in range(2):
        client.post("/api/auth/login/", json={"username": "aa_manager", "password": "wrong-one"})
    return world.a.users["manager"]


def create_user(app, client, world):
    made = ok(client.post("/api/users/", json={"username": "aa_new_cashier", "password": NEW_PASSWORD,
                                               "role": "cashier", "outlet_id": world.a.outlet_id},
                          headers=owner(world)), 201)
    return made.json["id"]


def rename_user(app, client, world):
    ok(client.patch(f"/api/users/{world.a.users['cashier']}/", json={"first_name": "Ana"}, headers=owner(world)))
    return world.a.users["cashier"]


def change_role(app, client, world):
    ok(client.patch(f"/api/users/{world.a.users['cashier']}/", json={"role": "manager", "outlet_id": None},
                    headers=owner(world)))
    return world.a.users["cashier"]


def reset_password(app, client, world):
    ok(client.post(f"/api/users/{world.a.users['cashier']}/reset-password/", json={"new_password": NEW_PASSWORD},
                   headers=owner(world)))
    return world.a.users["cashier"]


def unlock_user(app, client, world):
    for _ in range(app.config.get("LOGIN_LOCK_AFTER", 5)):
        client.post("/api/auth/login/", json={"username": "aa_cashier", "password": "wrong-one"})
    ok(client.post(f"/api/users/{world.a.users['cashier']}/unlock/", headers=owner(world)))
    return world.a.users["cashier"]


def change_own_password(app, client, world):
    ok(client.post("/api/auth/change-password/", json={"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                   headers=world.headers("manager")))
    return world.a.users["manager"]


def product_price(app, client, world):
    ok(client.patch(f"/api/products/{world.a.product_id}/", json={"price": "12345.00"}, headers=owner(world)))
    return world.a.product_id


def modifier_price(app, client, world):
    [group] = ok(client.get(f"/api/products/{world.a.product_id}/modifiers/", headers=owner(world))).json["results"]
    options = [{"id": m["id"], "name": m["name"], "price": "2000.00" if m["name"] == "Large" else m["price"]}
               for m in group["modifiers"]]
    ok(client.patch(f"/api/products/{world.a.product_id}/modifiers/{group['id']}/", json={"modifiers": options},
                    headers=owner(world)))
    return group["id"]


def outlet_price(app, client, world):
    ok(client.patch(f"/api/outlets/{world.a.outlet_id}/products/{world.a.product_id}/", json={"price": "9000.00"},
                    headers=owner(world)))
    return world.a.product_id


def outlet_price_removed(app, client, world):
    outlet_price(app, client, world)
    ok(client.delete(f"/api/outlets/{world.a.outlet_id}/products/{world.a.product_id}/", headers=owner(world)), 204)
    return world.a.product_id


def approved_price(app, client, world):
    asked = ok(client.patch(f"/api/products/{world.a.product_id}/", json={"price": "11000.00"},
                            headers=world.headers("manager")))
    assert asked.json["status"] == "pending_approval"
    ok(client.post(f"/api/products/{world.a.product_id}/approve/", json={}, headers=owner(world)))
    return world.a.product_id


def availability(available):
    def act(app, client, world):
        if available:  # back in stock: it was sold out first
            availability(False)(app, client, world)
        ok(client.patch(f"/api/outlets/{world.a.outlet_id}/products/{world.a.product_id}/",
                        json={"is_available": available}, headers=owner(world)))
        return world.a.product_id
    return act


def promotion(app, client, world):
    made = ok(client.post("/api/promotions/", json={"name": "Happy Hour", "promo_type": "percentage",
                                                    "discount_percent": "15.00", "auto_apply": True},
                          headers=owner(world)), 201)
    return made.json["id"]


def enrol(app, client, world):
    device_id, _, _ = enroll_device(client, key_for(app, world.a.outlet_id), "front till")
    return device_id


def revoke(app, client, world):
    device_id = enrol(app, client, world)
    ok(client.post(f"/api/devices/{device_id}/revoke/", headers=owner(world)))
    return device_id


def export(app, client, world):
    ok(client.get("/api/products/export/?format=csv", headers=owner(world)))
    return ""


def gateway_key(app, client, world):
    ok(client.put("/api/payments/gateways/midtrans/", json={"server_key": "SB-Mid-server-secret-123"},
                  headers=owner(world)))
    return "midtrans"


def tenant_settings(app, client, world):
    ok(client.patch(f"/api/tenants/{world.a.tenant_id}/", json={"tax_rate": "11.00", "name": "AA Foods"},
                    headers=owner(world)))
    return world.a.tenant_id


def outlet_settings(app, client, world):
    ok(client.patch(f"/api/outlets/{world.a.outlet_id}/", json={"timezone": "Asia/Makassar"}, headers=owner(world)))
    return world.a.outlet_id


CASES = {
    "login": Case("login", sign_in, "manager", "user", None, None),
    "login_failed": Case("login_failed", sign_in_wrong, "manager", "user", None, None),
    "login_locked": Case("login_locked", locked_out, "manager", "user", None, None),
    "user_create": Case("user_create", create_user, "tenant_owner", "user", None,
                        {"username": "aa_new_cashier", "role": "cashier"}, outlet=True),
    "user_change": Case("user_change", rename_user, "tenant_owner", "user", {"first_name": ""},
                        {"first_name": "Ana"}, outlet=True),
    "role_change": Case("role_change", change_role, "tenant_owner", "user", {"role": "cashier"},
                        {"role": "manager"}),
    "password_reset": Case("password_reset", reset_password, "tenant_owner", "user", None, None, outlet=True),
    "user_unlock": Case("user_unlock", unlock_user, "tenant_owner", "user", None, None, outlet=True),
    "password_change": Case("password_change", change_own_password, "manager", "user", None, None),
    "price_change-product": Case("price_change", product_price, "tenant_owner", "product", {"price": "95000.00"},
                                 {"price": "12345.00"}),
    "price_change-modifier": Case("price_change", modifier_price, "tenant_owner", "modifier_group",
                                  {"prices": {"Regular": "0.00", "Large": "15000.00"}},
                                  {"prices": {"Regular": "0.00", "Large": "2000.00"}}),
    "price_change-outlet": Case("price_change", outlet_price, "tenant_owner", "product", {"price": None},
                                {"price": "9000.00"}, outlet=True),
    "price_change-outlet-removed": Case("price_change", outlet_price_removed, "tenant_owner", "product",
                                        {"price": "9000.00"}, {"price": None, "outlet_override": "removed"},
                                        outlet=True),
    "price_change-approved": Case("price_change", approved_price, "tenant_owner", "product",
                                  {"price": "95000.00"}, {"price": "11000.00", "approved": True}),
    "sold_out": Case("sold_out", availability(False), "tenant_owner", "product", {"is_available": True},
                     {"is_available": False}, outlet=True),
    "back_in_stock": Case("back_in_stock", availability(True), "tenant_owner", "product",
                          {"is_available": False}, {"is_available": True}, outlet=True),
    "promotion_change": Case("promotion_change", promotion, "tenant_owner", "promotion", None,
                             {"name": "Happy Hour"}),
    "device_enrol": Case("device_enrol", enrol, "", "device", None, {"name": "front till"}, outlet=True),
    "device_revoke": Case("device_revoke", revoke, "tenant_owner", "device", {"is_active": True}, None,
                          outlet=True),
    "export": Case("export", export, "tenant_owner", "catalog", None, {"format": "csv"}),
    "gateway_key_change": Case("gateway_key_change", gateway_key, "tenant_owner", "gateway_account", None,
                               {"fields": ["server_key"]}),
    "settings_change-tenant": Case("settings_change", tenant_settings, "tenant_owner", "tenant",
                                   {"tax_rate_bp": 1000}, {"tax_rate_bp": 1100}),
    "settings_change-outlet": Case("settings_change", outlet_settings, "tenant_owner", "outlet",
                                   {"timezone": "Asia/Jakarta"}, {"timezone": "Asia/Makassar"}, outlet=True),
}


def usernames(world_role):
    return {"tenant_owner": "aa_tenant_owner", "manager": "aa_manager", "": "device:front till"}[world_role]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_action_is_listed_with_who_the_object_and_what_changed(app, client, world, case):
    object_id = case.act(app, client, world)
    listed = ok(client.get("/api/audit/", query_string={"action": case.action}, headers=owner(world))).json
    assert listed["count"] >= 1 and listed["results"], listed
    entry = listed["results"][0]  # newest first
    assert entry["action"] == case.action and entry["at"].endswith("Z")
    assert entry["actor"]["username"] == usernames(case.actor)
    assert (entry["object_type"], entry["object_id"]) == (case.object_type, str(object_id))
    if case.outlet:
        assert entry["outlet_id"] == world.a.outlet_id
    for expected, found in ((case.before, entry["before"]), (case.after, entry["after"])):
        if expected is not None:
            assert found is not None and {k: found.get(k) for k in expected} == expected, entry
    assert ok(client.get("/api/audit/", query_string={"action": case.action},
                         headers=world.headers("tenant_owner", "b"))).json["count"] == 0


def test_a_lockout_records_until_when(app, client, world):
    locked_out(app, client, world)
    [entry] = ok(client.get("/api/audit/", query_string={"action": "login_locked"}, headers=owner(world))).json[
        "results"]
    assert entry["after"]["locked_until"].endswith("Z")
