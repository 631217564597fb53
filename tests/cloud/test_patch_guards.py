"""What PATCH may never change: ids, tenants, computed and derived fields (usage counts,
loyalty counters, publication, sync versions...), a product's status outside its
workflow (draft -> pending_approval -> approved | rejected), and roles beyond what the
caller may grant. A refused PATCH changes nothing at all."""
from __future__ import annotations

import pytest

from cloud.extensions import db
from cloud.models import User
from tests.cloud.factories import make_user, token
from tests.cloud.test_role_matrix import seed_tenant

# PATCH route -> (who patches, where to read the object back, fields no PATCH may set)
FORBIDDEN = {
    "/api/tenants/{tenant_id}/": ("tenant_owner", "/api/tenants/{tenant_id}/", {
        "id": 99, "tenant_id": 99, "slug": "stolen", "sync_version": 0, "created_at": "2020-01-01T00:00:00Z",
        "updated_at": "2020-01-01T00:00:00Z"}),
    "/api/outlets/{outlet_id}/": ("manager", "/api/outlets/{outlet_id}/", {
        "id": 99, "tenant_id": 99, "sync_version": 0, "created_at": "2020-01-01T00:00:00Z"}),
    "/api/users/{user_id}/": ("tenant_owner", "/api/users/{user_id}/", {
        "id": 99, "tenant_id": 99, "password": "Str0ng-pass", "password_hash": "x", "pin_hash": "x",
        "sync_version": 0, "last_login_at": "2020-01-01T00:00:00Z", "tokens_valid_after": None, "has_pin": True,
        "full_name": "X Y", "created_at": "2020-01-01T00:00:00Z"}),
    "/api/users/me/": ("cashier", "/api/users/me/", {
        "role": "manager", "tenant_id": 99, "outlet_id": None, "is_active": True, "username": "renamed", "id": 99,
        "password": "Str0ng-pass", "password_hash": "x", "sync_version": 0}),
    "/api/categories/{category_id}/": ("manager", "/api/categories/{category_id}/", {
        "id": 99, "tenant_id": 99, "sync_version": 0, "created_at": "2020-01-01T00:00:00Z"}),
    "/api/products/{product_id}/": ("manager", "/api/products/{product_id}/", {
        "id": 99, "tenant_id": 99, "is_published": False, "pending_changes": {"price": 1}, "approved_at": None,
        "approved_by_id": 1, "created_by_id": 1, "review_note": "ok", "sync_version": 0, "modifier_groups": [],
        "category_name": "X", "created_at": "2020-01-01T00:00:00Z"}),
    "/api/products/{product_id}/modifiers/{group_id}/": ("manager", "/api/products/{product_id}/modifiers/", {
        "id": 99, "product_id": 99, "tenant_id": 99}),
    "/api/outlets/{outlet_id}/products/{product_id}/": ("manager", "/api/outlets/{outlet_id}/products/", {
        "product_id": 99, "outlet_id": 99, "tenant_id": 99, "pending_price": "1.00", "has_pending_price": True,
        "base_price": "1.00", "override_price": "1.00", "status": "approved", "sku": "X", "name": "X"}),
    "/api/promotions/{promotion_id}/": ("manager", "/api/promotions/{promotion_id}/", {
        "id": 99, "tenant_id": 99, "usage_count": 0, "is_active": True, "sync_version": 0, "warnings": [],
        "requires_code": False, "created_at": "2020-01-01T00:00:00Z"}),
    "/api/customers/{customer_id}/": ("cashier", "/api/customers/{customer_id}/", {
        "id": 99, "uuid": "0b6f5e0a-1c2d-4e3f-9a8b-7c6d5e4f3a2b", "tenant_id": 99, "membership_tier": "platinum",
        "points": 10_000, "total_orders": 500, "total_spent": "99999999.00", "last_order_at": "2020-01-01T00:00:00Z",
        "sync_version": 0, "merged_uuids": [], "applied_seqs": {}}),
}


@pytest.mark.parametrize("route", FORBIDDEN)
def test_patch_refuses_fields_it_may_never_set_and_changes_nothing(app, world, route):
    seed = seed_tenant(app, world, "a")
    client = app.test_client()
    role, read, fields = FORBIDDEN[route]
    headers = world.headers(role)
    path, read = route.format(**vars(seed)), read.format(**vars(seed))
    before = client.get(read, headers=headers).json
    wrong = []
    for name, value in fields.items():
        response = client.patch(path, json={name: value}, headers=headers)
        if response.status_code != 400 or response.json.get("field") != name:
            wrong.append(f"{name}: {response.status_code} {response.json}")
    assert wrong == []
    assert client.get(read, headers=headers).json == before


@pytest.mark.parametrize("route, role, field, value", [
    ("/api/tenants/{tenant_id}/", "tenant_owner", "is_active", False),
    ("/api/outlets/{outlet_id}/", "manager", "is_active", False),
])
def test_only_the_rank_above_opens_or_closes_a_tenant_or_outlet(app, client, world, route, role, field, value):
    path = route.format(tenant_id=world.a.tenant_id, outlet_id=world.a.outlet_id)
    response = client.patch(path, json={field: value}, headers=world.headers(role))
    assert response.status_code == 403
    assert client.get(path, headers=world.headers("super_admin")).json[field] is True


# --- the product workflow ------------------------------------------------------------

def _product(client, world, state: str) -> int:
    """A product of tenant a in `state`: draft, pending_approval, approved, rejected, or
    price_pending (published, with a manager's price change waiting)."""
    creator = "tenant_owner" if state in ("approved", "price_pending") else "manager"
    body = {"sku": f"WF-{state}", "name": f"Workflow {state}", "category_id": world.a.category_id, "price": "10.00"}
    if state == "draft":
        body["status"] = "draft"
    created = client.post("/api/products/", json=body, headers=world.headers(creator))
    assert created.status_code == 201, created.json
    product_id = created.json["id"]
    if state == "rejected":
        assert client.post(f"/api/products/{product_id}/reject/", json={},
                           headers=world.headers("tenant_owner")).status_code == 200
    if state == "price_pending":
        assert client.patch(f"/api/products/{product_id}/", json={"price": "12.00"},
                            headers=world.headers("manager")).json["status"] == "pending_approval"
    return product_id


TRANSITIONS = [  # (who, from, wanted status) -> (answer, status after, published after)
    ("manager", "draft", "pending_approval", 200, "pending_approval", False),
    ("manager", "pending_approval", "draft", 200, "draft", False),
    ("manager", "rejected", "pending_approval", 200, "pending_approval", False),
    ("manager", "rejected", "draft", 200, "draft", False),
    ("manager", "draft", "approved", 403, "draft", False),
    ("manager", "pending_approval", "approved", 403, "pending_approval", False),
    ("manager", "pending_approval", "rejected", 403, "pending_approval", False),
    ("manager", "approved", "rejected", 403, "approved", True),
    ("manager", "approved", "draft", 409, "approved", True),
    ("manager", "approved", "pending_approval", 409, "approved", True),  # nothing waits for approval
    ("manager", "price_pending", "draft", 409, "pending_approval", True),
    ("manager", "price_pending", "approved", 403, "pending_approval", True),
    ("tenant_owner", "pending_approval", "approved", 200, "approved", True),
    ("tenant_owner", "pending_approval", "rejected", 200, "rejected", False),
    ("tenant_owner", "price_pending", "approved", 200, "approved", True),
    ("tenant_owner", "draft", "approved", 409, "draft", False),
    ("tenant_owner", "rejected", "approved", 409, "rejected", False),
    ("tenant_owner", "approved", "rejected", 409, "approved", True),
    ("tenant_owner", "approved", "draft", 409, "approved", True),
]


@pytest.mark.parametrize("who, start, wanted, answer, after, published", TRANSITIONS,
                         ids=[f"{t[0]}-{t[1]}-to-{t[2]}" for t in TRANSITIONS])
def test_product_status_moves_only_along_the_workflow(client, world, who, start, wanted, answer, after, published):
    product_id = _product(client, world, start)
    response = client.patch(f"/api/products/{product_id}/", json={"status": wanted}, headers=world.headers(who))
    assert response.status_code == answer, response.json
    product = client.get(f"/api/products/{product_id}/", headers=world.headers("manager")).json
    assert (product["status"], product["is_published"]) == (after, published)


def test_a_managers_price_change_never_reaches_the_published_price(client, world):
    product_id = _product(client, world, "approved")
    client.patch(f"/api/products/{product_id}/", json={"price": "99.00"}, headers=world.headers("manager"))
    public = client.get(f"/api/products/{product_id}/", headers={"X-Tenant-ID": str(world.a.tenant_id)}).json
    assert public["price"] == "10.00"


# --- roles ---------------------------------------------------------------------------

def _platform_id(app, username):
    with app.app_context():
        return db.session.query(User.id).filter_by(username=username).scalar()


ROLE_CHANGES = [  # (who, whose account, new role, answer)
    ("manager", "cashier", "kitchen", 200),
    ("manager", "cashier", "manager", 403),
    ("manager", "cashier", "tenant_owner", 403),
    ("manager", "kitchen", "cashier", 200),
    ("manager", "manager", "cashier", 403),  # their own account
    ("manager", "manager", "tenant_owner", 403),
    ("tenant_owner", "cashier", "manager", 200),
    ("tenant_owner", "cashier", "tenant_owner", 403),
    ("tenant_owner", "manager", "tenant_owner", 403),
    ("tenant_owner", "tenant_owner", "manager", 403),  # their own account
    ("super_admin", "manager", "admin", 403),
    ("super_admin", "manager", "super_admin", 403),
    ("super_admin", "tenant_owner", "admin", 403),
    ("admin", "manager", "admin", 403),
    ("admin", "cashier", "super_admin", 403),
    ("super_admin", "cashier", "manager", 200),
]


@pytest.mark.parametrize("who, whose, role, answer", ROLE_CHANGES,
                         ids=[f"{c[0]}-makes-{c[1]}-{c[2]}" for c in ROLE_CHANGES])
def test_roles_change_only_as_the_caller_may_grant(client, world, who, whose, role, answer):
    target = world.a.users[whose]
    response = client.patch(f"/api/users/{target}/", json={"role": role}, headers=world.headers(who))
    assert response.status_code == answer, response.json
    after = client.get(f"/api/users/{target}/", headers=world.headers("super_admin")).json["role"]
    assert after == (role if answer == 200 else whose)


@pytest.mark.parametrize("who", ["super_admin", "admin"])
def test_platform_users_cannot_reach_their_own_account_through_tenant_staff(app, client, world, who):
    own = _platform_id(app, {"super_admin": "root_admin", "admin": "support_admin"}[who])
    response = client.patch(f"/api/users/{own}/", json={"role": "kitchen"}, headers=world.headers(who))
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(User, own).role == who


@pytest.mark.parametrize("who, role", [("manager", "manager"), ("manager", "tenant_owner"),
                                       ("tenant_owner", "tenant_owner"), ("tenant_owner", "admin"),
                                       ("admin", "super_admin")])
def test_nobody_creates_staff_of_their_own_rank_or_above(client, world, who, role):
    body = {"username": "climber", "password": "Str0ng-pass", "role": role}
    response = client.post("/api/users/", json=body, headers=world.headers(who))
    assert response.status_code == 403
    assert response.json["code"] == "ROLE_NOT_ALLOWED"


@pytest.mark.parametrize("who, whose, action", [
    ("manager", "manager", "patch"), ("manager", "tenant_owner", "patch"), ("manager", "tenant_owner", "reset"),
    ("manager", "tenant_owner", "delete"), ("tenant_owner", "tenant_owner", "delete")])
def test_staff_cannot_manage_their_peers_or_superiors(app, client, world, who, whose, action):
    with app.app_context():
        target = make_user(whose, f"peer_{whose}", world.a.tenant_id).id
        db.session.commit()
    path = f"/api/users/{target}/"
    response = {"patch": lambda: client.patch(path, json={"first_name": "X"}, headers=world.headers(who)),
                "reset": lambda: client.post(f"{path}reset-password/", json={"new_password": "Str0ng-pass"},
                                             headers=world.headers(who)),
                "delete": lambda: client.delete(path, headers=world.headers(who))}[action]()
    assert response.status_code == 403
    account = client.get(path, headers=world.headers("super_admin")).json
    assert (account["first_name"], account["is_active"]) == ("", True)


def test_outlet_bound_managers_cannot_leave_or_move_staff_out_of_their_outlet(app, client, world):
    with app.app_context():
        boss = make_user("manager", "outlet_boss", world.a.tenant_id, world.a.outlet_id)
        db.session.commit()
        headers = {"Authorization": f"Bearer {token(boss)}"}
        boss_id = boss.id
    cashier = world.a.users["cashier"]
    moved = client.patch(f"/api/users/{cashier}/", json={"outlet_id": world.a.other_outlet_id}, headers=headers)
    freed = client.patch(f"/api/users/{boss_id}/", json={"outlet_id": None}, headers=headers)
    assert (moved.status_code, freed.status_code) == (403, 403)
    read = world.headers("super_admin")
    assert client.get(f"/api/users/{cashier}/", headers=read).json["outlet_id"] == world.a.outlet_id
    assert client.get(f"/api/users/{boss_id}/", headers=read).json["outlet_id"] == world.a.outlet_id
