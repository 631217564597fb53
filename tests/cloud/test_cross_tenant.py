"""Tenant isolation: tenant b's staff reach none of tenant a's objects, whatever ids they
send, and see none of a's data; outlet-bound staff reach none of the other outlet's; and
a tenant user cannot name another tenant with X-Tenant-ID.

Tenant a's objects carry distinctive data (`seed.markers`: names, SKUs, phones, order
numbers, usernames) that no answer to tenant b may contain.
"""
from __future__ import annotations

import pytest

from tests.cloud.test_role_matrix import (
    ACCESS,
    CALLS,
    PARAM,
    enroll_device,
    event,
    in_order,
    leaks,
    order_payload,
    push,
    route_params,
    seed_tenant,
    send,
)

TENANT_ROLES = ("tenant_owner", "manager", "cashier", "kitchen")
# Public routes that still read a token when one is sent (and so the X-Tenant-ID header).
IDENTIFYING = {("GET", "/api/categories/"), ("GET", "/api/categories/<int:category_id>/"), ("GET", "/api/products/"),
               ("GET", "/api/products/<int:product_id>/"), ("GET", "/api/products/<int:product_id>/modifiers/"),
               ("GET", "/api/promotions/active/")}
# What a's owner reads before and after: none of it may change through tenant b.
SNAPSHOT = ("/api/tenants/{tenant_id}/", "/api/outlets/", "/api/categories/?page_size=100",
            "/api/products/?page_size=100", "/api/products/{product_id}/modifiers/", "/api/promotions/?page_size=100",
            "/api/customers/?page_size=100", "/api/users/?page_size=100", "/api/orders/?page_size=100",
            "/api/outlets/{outlet_id}/products/", "/api/customers/{customer_id}/stats/", "/api/devices/")


# Path params that name no object of a tenant (a gateway's name).
NOT_IDS = {"provider"}


# The e-receipt's signed link is its own credential, readable by whoever holds it (the
# customer scanning the paper): tests/cloud/test_e_receipts.py shows that any other device,
# order or signature is a 404.
CAPABILITY_LINKS = {("GET", "/r/<int:device_id>/<order_uuid>/<signature>"),
                    ("GET", "/r/<int:device_id>/<order_uuid>/<signature>/receipt.pdf")}


def id_routes():
    """Routes a user reaches with another tenant's ids (device routes: see the device test below)."""
    return [route for route in in_order(ACCESS)
            if set(route_params(route[1])) - NOT_IDS and ACCESS[route] != "device" and route not in CAPABILITY_LINKS]


def test_another_tenants_device_gets_404_for_every_payment_uuid_of_tenant_a(app, world, tenants_ab):
    a, b = tenants_ab
    client = app.test_client()
    headers = {"Authorization": f"Bearer {b.device_access}"}
    wrong = []
    for method, rule in in_order(ACCESS):
        if ACCESS[(method, rule)] != "device" or "payment_uuid" not in route_params(rule):
            continue
        for uuid_ in ("payment_uuid", "cancelled_payment_uuid"):
            response = client.open(CALLS[(method, rule)].path(rule, a, {"payment_uuid": uuid_}), method=method,
                                   headers=headers, **CALLS[(method, rule)].kwargs(a))
            if response.status_code != 404 or leaks(response.get_data(), a):
                wrong.append(f"{method} {rule} ({uuid_}): {response.status_code}")
    repeat = client.post("/api/sync/payments/", headers=headers, json={
        "payment_uuid": a.payment_uuid, "order_uuid": a.order_uuid, "method": "qris", "amount": "95000.00"})
    assert repeat.status_code == 503  # b has no gateway account: a's charge is not b's to answer
    assert wrong == []


def snapshot(client, world, seed) -> dict:
    headers = world.headers("tenant_owner", seed.name)
    out = {}
    for path in SNAPSHOT:
        response = client.get(path.format(**vars(seed)), headers=headers)
        assert response.status_code == 200, (path, response.json)
        out[path] = response.json
    return out


@pytest.fixture
def tenants_ab(app, world):
    """(seed of tenant a, seed of tenant b), each with objects of every kind."""
    return seed_tenant(app, world, "a"), seed_tenant(app, world, "b")


def b_headers(world, caller, b):
    if caller == "anonymous":
        return {"X-Tenant-ID": str(b.tenant_id)}
    return world.headers(caller, "b")  # platform roles act on tenant b with X-Tenant-ID


def id_combinations(rule, a, b):
    """Every path id from tenant a; with two ids, also each one alone from a."""
    params = route_params(rule)
    combos = [{param: a for param in params}]
    if len(params) == 2:
        combos += [{params[0]: b, params[1]: a}, {params[0]: a, params[1]: b}]
    return combos


@pytest.mark.parametrize("caller", (*TENANT_ROLES, "super_admin", "admin", "anonymous"))
def test_tenant_b_gets_403_or_404_for_every_id_of_tenant_a(app, world, tenants_ab, caller):
    a, b = tenants_ab
    client = app.test_client()
    before = snapshot(client, world, a)
    headers = b_headers(world, caller, b)
    wrong = []
    for method, rule in id_routes():
        if caller in ("super_admin", "admin") and rule.startswith("/api/tenants/"):
            continue  # platform roles reach every tenant by design
        if caller == "anonymous" and ACCESS[(method, rule)] != "public":
            continue  # 401 before any id is looked at (the role matrix shows it)
        call = CALLS[(method, rule)]
        for combo in id_combinations(rule, a, b):
            path = call.path(rule, a, seeds=combo)
            response = client.open(path, method=method, headers=headers, **call.kwargs(a))
            found = leaks(response.get_data(), a)
            if response.status_code not in (403, 404) or found:
                wrong.append(f"{method} {path}: {response.status_code} {found}")
    assert wrong == []
    assert snapshot(client, world, a) == before


@pytest.mark.parametrize("caller", ("cashier", "kitchen", "outlet_manager"))
def test_outlet_bound_staff_get_403_or_404_for_the_other_outlets_ids(app, world, tenants_ab, caller):
    a, _ = tenants_ab
    client = app.test_client()
    headers = world.headers(caller, "a") if caller != "outlet_manager" else _outlet_manager_headers(app, a)
    other = {"outlet_id": "other_outlet_id", "order_id": "other_order_id", "user_id": "other_user_id"}
    wrong = []
    for method, rule in id_routes():
        params = route_params(rule)
        if not set(params) & set(other):
            continue  # tenant-wide objects (catalog, customers, promotions)
        response = send(client, method, rule, a, headers, ids={p: other[p] for p in params if p in other})
        found = [m for m in a.other_outlet_markers if m in response.get_data(as_text=True)]
        if response.status_code not in (403, 404) or found:
            wrong.append(f"{method} {rule}: {response.status_code} {found}")
    assert wrong == []


def _outlet_manager_headers(app, seed):
    from cloud.extensions import db
    from cloud.models import User
    from cloud.services import auth

    with app.app_context():
        return {"Authorization": f"Bearer {auth.issue_tokens(db.session.get(User, seed.outlet_manager_id))['access']}"}


@pytest.mark.parametrize("caller", (*TENANT_ROLES, "super_admin", "admin", "anonymous"))
def test_no_answer_to_tenant_b_about_its_own_objects_carries_tenant_a_data(app, world, tenants_ab, caller):
    a, b = tenants_ab
    client = app.test_client()
    headers = b_headers(world, caller, b)
    wrong = []
    for method, rule in in_order(ACCESS):
        if method != "GET" or ACCESS[(method, rule)] == "device":
            continue
        if caller in ("super_admin", "admin") and rule.startswith("/api/tenants/"):
            continue
        response = send(client, method, rule, b, headers)
        found = leaks(response.get_data(), a)
        body = response.get_json(silent=True)
        rows = body.get("results") or [] if isinstance(body, dict) else []
        foreign = [row for row in rows if row.get("tenant_id", b.tenant_id) != b.tenant_id]
        if found or foreign:
            wrong.append(f"{rule}: {response.status_code} {found} {foreign}")
    assert wrong == []


LIST_FILTERS = {  # list route: query strings naming tenant a's objects
    "/api/products/": ("tenant_id={tenant_id}", "category={category_id}", "search=Aardvark"),
    "/api/categories/": ("tenant_id={tenant_id}", "search=Aardvark"),
    "/api/promotions/": ("search=AARDVARK",),
    "/api/promotions/active/": ("tenant_id={tenant_id}", "outlet_id={outlet_id}"),
    "/api/customers/": ("search=081111", "preferred_outlet_id={outlet_id}"),
    "/api/orders/": ("outlet_id={outlet_id}", "search=AA1"),
    "/api/users/": ("outlet_id={outlet_id}", "search=aa_"),
    "/api/outlets/": ("search=AA",),
    "/api/devices/": ("outlet_id={outlet_id}", "search=Aardvark", "is_active=true"),
    "/api/analytics/dashboard/": ("outlet_id={outlet_id}", "date_from=2026-11-01&date_to=2026-11-30"),
    "/api/analytics/revenue/": ("outlet_id={outlet_id}", "date_from=2026-11-01&date_to=2026-11-30"),
    "/api/analytics/products/": ("outlet_id={outlet_id}", "date_from=2026-11-01&date_to=2026-11-30"),
    "/api/analytics/customers/": ("outlet_id={outlet_id}", "date_from=2026-11-01&date_to=2026-11-30"),
    "/api/analytics/products/export/": ("outlet_id={outlet_id}", "date_from=2026-11-01&date_to=2026-11-30"),
    "/api/analytics/revenue/export/": ("outlet_id={outlet_id}", "date_from=2026-11-01&date_to=2026-11-30"),
    "/api/audit/": ("outlet_id={outlet_id}", "actor=aa_owner", "object_type=user"),
    "/api/audit/export/": ("outlet_id={outlet_id}", "object_type=user"),
    "/api/audit/verify/": ("outlet={outlet_id}",),
    "/api/security/logs/": ("ip_address=127.0.0.1", "endpoint=/api/users/me/", "method=POST"),
}


@pytest.mark.parametrize("caller", TENANT_ROLES)
def test_list_filters_naming_tenant_a_show_nothing_of_it(app, world, tenants_ab, caller):
    a, _ = tenants_ab
    client = app.test_client()
    wrong = []
    for path, queries in LIST_FILTERS.items():
        for query in queries:
            response = client.get(f"{path}?{query.format(**vars(a))}", headers=world.headers(caller, "b"))
            found = leaks(response.get_data(), a)
            if response.status_code not in (200, 400, 403, 404) or found:
                wrong.append(f"{path}?{query}: {response.status_code} {found}")
    assert wrong == []


def test_outlet_bound_staff_list_nothing_of_the_other_outlet(app, world, tenants_ab):
    a, _ = tenants_ab
    client = app.test_client()
    callers = {"cashier": world.headers("cashier"), "outlet_manager": _outlet_manager_headers(app, a)}
    wrong = []
    for caller, headers in callers.items():
        for path in ("/api/orders/", "/api/users/", "/api/outlets/", f"/api/orders/?outlet_id={a.other_outlet_id}",
                     "/api/analytics/products/?date_from=2026-11-01&date_to=2026-11-30",
                     f"/api/analytics/products/?outlet_id={a.other_outlet_id}&date_from=2026-11-01"):
            response = client.get(path, headers=headers)
            found = [m for m in a.other_outlet_markers if m in response.get_data(as_text=True)]
            if response.status_code not in (200, 403, 404) or found:
                wrong.append(f"{caller} {path}: {response.status_code} {found}")
    pulled = client.get("/api/sync/pull/?since=0", headers={"Authorization": f"Bearer {a.device_access}"})
    found = [m for m in a.other_outlet_markers if m in pulled.get_data(as_text=True)]
    assert wrong == [] and pulled.status_code == 200 and found == []


def test_a_tenant_user_naming_another_tenant_gets_tenant_mismatch(client, world):
    wrong = []
    for role in TENANT_ROLES:
        headers = {**world.headers(role, "a"), "X-Tenant-ID": str(world.b.tenant_id)}
        for method, rule in in_order(ACCESS):
            if ACCESS[(method, rule)] in ("public", "device", "scrape") and (method, rule) not in IDENTIFYING:
                continue
            response = client.open(PARAM.sub("1", rule), method=method, headers=headers)
            if response.status_code != 403 or response.json.get("code") != "TENANT_MISMATCH":
                wrong.append(f"{role} {method} {rule}: {response.status_code}")
    assert wrong == []


def test_ids_of_tenant_a_in_bodies_and_filters_are_refused(app, world, tenants_ab):
    a, b = tenants_ab
    client = app.test_client()
    before = snapshot(client, world, a)
    owner = world.headers("tenant_owner", "b")
    attempts = [
        ("POST", f"/api/outlets/{b.outlet_id}/products/", {"product_id": a.product_id, "price": "1.00"}),
        ("POST", "/api/products/", {"sku": "X-1", "name": "X", "category_id": a.category_id, "price": "1.00"}),
        ("PATCH", f"/api/products/{b.product_id}/", {"category_id": a.category_id}),
        ("PATCH", f"/api/products/{b.product_id}/modifiers/{b.group_id}/",
         {"modifiers": [{"id": a.modifier_id, "name": "Stolen"}]}),
        ("POST", "/api/promotions/", {"name": "X", "promo_type": "percentage", "discount_percent": "5.00",
                                      "products": [{"product_id": a.product_id}]}),
        ("POST", "/api/promotions/", {"name": "X", "promo_type": "percentage", "discount_percent": "5.00",
                                      "outlet_ids": [a.outlet_id]}),
        ("PATCH", f"/api/promotions/{b.promotion_id}/", {"products": [{"product_id": a.product_id}]}),
        ("PATCH", f"/api/promotions/{b.promotion_id}/", {"outlet_ids": [a.outlet_id]}),
        ("POST", "/api/users/", {"username": "mole", "password": "Str0ng-pass", "role": "cashier",
                                 "outlet_id": a.outlet_id}),
        ("PATCH", f"/api/users/{b.user_id}/", {"outlet_id": a.outlet_id}),
        ("POST", "/api/customers/", {"name": "X", "phone": "0819 1234 5678", "preferred_outlet_id": a.outlet_id}),
        ("PATCH", f"/api/customers/{b.customer_id}/", {"preferred_outlet_id": a.outlet_id}),
        ("POST", "/api/customers/search/", {"phone": a.customer_phone}),
        ("GET", f"/api/promotions/active/?outlet_id={a.outlet_id}", None),
    ]
    wrong = []
    for method, path, body in attempts:
        response = client.open(path, method=method, headers=owner, json=body)
        found = leaks(response.get_data(), a)
        if response.status_code not in (400, 403, 404) or found:
            wrong.append(f"{method} {path} {body}: {response.status_code} {found}")
    assert wrong == []
    assert snapshot(client, world, a) == before


def test_a_device_of_tenant_b_cannot_write_into_tenant_a(app, world, tenants_ab):
    a, b = tenants_ab
    client = app.test_client()
    before = snapshot(client, world, a)
    foreign_order = order_payload(a.outlet_id, "MOLE-261120-1-0001", a.product_id, a.customer_uuid, "Mole")
    events = [
        event(10, "order.snapshot", foreign_order),
        event(11, "customer.upserted", {"uuid": "0b6f5e0a-1c2d-4e3f-9a8b-7c6d5e4f3a2b", "name": "Mole",
                                        "phone": "081999888777", "preferred_outlet_id": a.outlet_id}),
        event(12, "loyalty.accrued", {"customer_uuid": a.customer_uuid, "order_uuid": a.order_uuid,
                                      "points": 500, "orders": 1, "spent": "95000.00"}),
        event(13, "promotion.usage", {"promotion_id": a.promotion_id, "order_uuid": a.order_uuid, "count": 1,
                                      "discount_amount": "100.00"}),
    ]
    results = push(client, b.device_access, events)
    assert [r["status"] for r in results] == ["rejected"] * 4, results
    assert snapshot(client, world, a) == before


def test_a_device_pulls_nothing_of_another_tenant(client, tenants_ab):
    a, b = tenants_ab
    pulled = client.get("/api/sync/pull/?since=0&limit=1000", headers={"Authorization": f"Bearer {b.device_access}"})
    assert pulled.status_code == 200
    assert leaks(pulled.get_data(), a) == []


def test_an_enrollment_key_binds_the_device_to_its_own_outlet_only(app, world, tenants_ab):
    a, b = tenants_ab
    client = app.test_client()
    _, _, access = enroll_device(client, b.enrollment_key, "New till")
    pulled = client.get("/api/sync/pull/?since=0&limit=1000", headers={"Authorization": f"Bearer {access}"})
    outlets = {c["id"] for c in pulled.json["changes"] if c["entity"] == "outlet" and c["op"] == "upsert"}
    assert outlets == {b.outlet_id}
    assert leaks(pulled.get_data(), a) == []

