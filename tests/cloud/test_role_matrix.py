"""Who may call what: the intended minimum role of every cloud route (CONTRACT.md sections 2
and 3, the brief's permission tables), checked against the views' `_access` marks and
against real requests from every role, with plausible ids of the caller's own tenant:
below the minimum a caller gets 403 (401 without a token, or with a user's token on a
device route); at or above it the plausible request succeeds.

`ACCESS` is the table. A route added to the app without a row here, or a row whose route
is gone, fails `test_the_table_covers_every_route`. The seed built here (`seed_tenant`) is
shared with the cross-tenant and PATCH-guard tests.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import select

from cloud.extensions import db
from cloud.models import GatewayCharge, GatewayRefund, NotificationOptOut, Stocktake, SyncedOrder, User
from cloud.models.user import ROLE_RANK
from cloud.services import auth, catalog, customers, enrollment, promotions, stock, tenants
from cloud.services.actor import Actor
from sync import receipt_links
from sync.ids import new_uuid, sha256_hex
from tests.cloud.conftest import WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN
from tests.cloud.factories import PASSWORD, make_user
from tests.cloud.snapshots import restored

ACCESS = {  # (method, rule): the minimum role, "public" (no token needed) or "device"
    ("GET", "/api/health/"): "public",
    # Prometheus: an allowed address or the scrape token, never a user's token (issue 21); the
    # test app has neither, so every caller, signed in or not, gets 403
    ("GET", "/metrics"): "scrape",
    # the security request log (brief 004): the tenant's owner, and platform admins (issue 21)
    ("GET", "/api/security/logs/"): "tenant_owner",
    ("GET", "/api/security/alerts/"): "tenant_owner",
    ("GET", "/api/performance/"): "tenant_owner",
    ("POST", "/api/security/alerts/<int:alert_id>/acknowledge/"): "tenant_owner",
    ("GET", "/dashboard/"): "public",  # the page shell; it asks for a login before any data (CONTRACT section 6)
    # auth (CONTRACT section 3; brief 002: owner self-registration is public)
    ("POST", "/api/auth/login/"): "public",
    ("POST", "/api/auth/refresh/"): "public",  # the refresh token in the body is the credential
    ("POST", "/api/auth/register/"): "public",
    ("POST", "/api/auth/logout/"): "kitchen",
    ("POST", "/api/auth/change-password/"): "kitchen",
    # users: manager+; me: anyone logged in
    ("GET", "/api/users/me/"): "kitchen",
    ("PATCH", "/api/users/me/"): "kitchen",
    ("GET", "/api/users/"): "manager",
    ("POST", "/api/users/"): "manager",
    ("GET", "/api/users/<int:user_id>/"): "manager",
    ("PATCH", "/api/users/<int:user_id>/"): "manager",
    ("DELETE", "/api/users/<int:user_id>/"): "manager",
    ("POST", "/api/users/<int:user_id>/reset-password/"): "manager",
    ("POST", "/api/users/<int:user_id>/unlock/"): "manager",  # lifts a sign-in lock (issue 16)
    # tenants: CRUD super_admin, read/update of one's own tenant_owner+
    ("GET", "/api/tenants/"): "super_admin",
    ("POST", "/api/tenants/"): "super_admin",
    ("GET", "/api/tenants/<int:tenant_id>/"): "tenant_owner",
    ("PATCH", "/api/tenants/<int:tenant_id>/"): "tenant_owner",
    ("DELETE", "/api/tenants/<int:tenant_id>/"): "super_admin",
    # outlets: read and update manager+, create tenant_owner+, enrollment keys tenant_owner+
    ("GET", "/api/outlets/"): "manager",
    ("POST", "/api/outlets/"): "tenant_owner",
    ("GET", "/api/outlets/<int:outlet_id>/"): "manager",
    ("PATCH", "/api/outlets/<int:outlet_id>/"): "manager",
    ("POST", "/api/outlets/<int:outlet_id>/enrollment-key/"): "tenant_owner",
    # the tenant's enrolled edges: like enrollment keys, the owner's (issue 16)
    ("GET", "/api/devices/"): "tenant_owner",
    ("POST", "/api/devices/<int:device_id>/revoke/"): "tenant_owner",
    # per-outlet prices and availability: catalog writes, manager+
    ("GET", "/api/outlets/<int:outlet_id>/products/"): "manager",
    ("POST", "/api/outlets/<int:outlet_id>/products/"): "manager",
    ("PATCH", "/api/outlets/<int:outlet_id>/products/<int:product_id>/"): "manager",
    ("DELETE", "/api/outlets/<int:outlet_id>/products/<int:product_id>/"): "manager",
    # catalog: reads public, writes manager+, approval tenant_owner+
    ("GET", "/api/categories/"): "public",
    ("POST", "/api/categories/"): "manager",
    ("GET", "/api/categories/<int:category_id>/"): "public",
    ("PATCH", "/api/categories/<int:category_id>/"): "manager",
    ("DELETE", "/api/categories/<int:category_id>/"): "manager",
    ("GET", "/api/products/"): "public",
    ("POST", "/api/products/"): "manager",
    ("GET", "/api/products/export/"): "manager",
    ("POST", "/api/products/import/"): "manager",
    ("GET", "/api/products/<int:product_id>/"): "public",
    ("PATCH", "/api/products/<int:product_id>/"): "manager",
    ("DELETE", "/api/products/<int:product_id>/"): "manager",
    ("POST", "/api/products/<int:product_id>/approve/"): "tenant_owner",
    ("POST", "/api/products/<int:product_id>/reject/"): "tenant_owner",
    ("GET", "/api/products/<int:product_id>/modifiers/"): "public",
    ("POST", "/api/products/<int:product_id>/modifiers/"): "manager",
    ("PATCH", "/api/products/<int:product_id>/modifiers/<int:group_id>/"): "manager",
    ("DELETE", "/api/products/<int:product_id>/modifiers/<int:group_id>/"): "manager",
    # promotions: manager+, except what is running now (public, for kiosks and menus)
    ("GET", "/api/promotions/"): "manager",
    ("POST", "/api/promotions/"): "manager",
    ("GET", "/api/promotions/active/"): "public",
    ("GET", "/api/promotions/<int:promotion_id>/"): "manager",
    ("PATCH", "/api/promotions/<int:promotion_id>/"): "manager",
    ("DELETE", "/api/promotions/<int:promotion_id>/"): "manager",
    ("POST", "/api/promotions/<int:promotion_id>/activate/"): "manager",
    ("POST", "/api/promotions/<int:promotion_id>/deactivate/"): "manager",
    # customers: cashier+, delete manager+
    ("GET", "/api/customers/"): "cashier",
    ("POST", "/api/customers/"): "cashier",
    ("POST", "/api/customers/search/"): "cashier",
    ("GET", "/api/customers/<int:customer_id>/"): "cashier",
    ("PATCH", "/api/customers/<int:customer_id>/"): "cashier",
    ("DELETE", "/api/customers/<int:customer_id>/"): "manager",
    ("GET", "/api/customers/<int:customer_id>/orders/"): "cashier",
    ("GET", "/api/customers/<int:customer_id>/stats/"): "cashier",
    # orders the outlets synced: read-only, cashier+
    ("GET", "/api/orders/"): "cashier",
    ("GET", "/api/orders/<int:order_id>/"): "cashier",
    # analytics (CONTRACT section 3): manager+
    ("GET", "/api/analytics/dashboard/"): "manager",
    ("GET", "/api/analytics/revenue/"): "manager",
    ("GET", "/api/analytics/revenue/export/"): "manager",
    ("GET", "/api/analytics/products/"): "manager",
    ("GET", "/api/analytics/products/export/"): "manager",
    ("GET", "/api/analytics/customers/"): "manager",
    ("GET", "/api/analytics/margins/"): "manager",
    # stock master data and an outlet's on-hand: manager+
    ("GET", "/api/stock-items/"): "manager",
    ("POST", "/api/stock-items/"): "manager",
    ("GET", "/api/stock-items/export/"): "manager",
    ("POST", "/api/stock-items/import/"): "manager",
    ("GET", "/api/recipes/export/"): "manager",
    ("POST", "/api/recipes/import/"): "manager",
    ("GET", "/api/stock-items/<int:stock_item_id>/"): "manager",
    ("PATCH", "/api/stock-items/<int:stock_item_id>/"): "manager",
    ("DELETE", "/api/stock-items/<int:stock_item_id>/"): "manager",
    ("GET", "/api/recipes/"): "manager",
    ("POST", "/api/recipes/"): "manager",
    ("GET", "/api/recipes/<int:recipe_id>/"): "manager",
    ("PATCH", "/api/recipes/<int:recipe_id>/"): "manager",
    ("DELETE", "/api/recipes/<int:recipe_id>/"): "manager",
    ("GET", "/api/stock/"): "manager",
    ("GET", "/api/stock/sold-out/"): "manager",
    ("GET", "/api/stocktakes/"): "manager",
    ("GET", "/api/stocktakes/<int:stocktake_id>/"): "manager",
    ("GET", "/api/transfers/"): "manager",
    ("PUT", "/api/stock/reorder-points/"): "manager",
    ("GET", "/api/stock/reorder-points/"): "manager",
    ("GET", "/api/stock/reorder/"): "manager",
    ("GET", "/api/stock/usage/"): "manager",
    # sync: a one-time key or the device credential, never a user token
    ("POST", "/api/sync/enroll/"): "public",
    ("POST", "/api/sync/token/"): "public",
    ("GET", "/api/sync/pull/"): "device",
    ("POST", "/api/sync/push/"): "device",
    ("POST", "/api/sync/allowances/"): "device",
    ("GET", "/api/sync/device/"): "device",
    ("GET", "/api/sync/recovery/"): "device",
    ("POST", "/api/sync/device/fork/"): "device",
    # gateway payments (issue 19): charges for devices, the gateways' webhooks, write-only accounts
    ("POST", "/api/sync/payments/"): "device",
    ("GET", "/api/sync/payments/<uuid:payment_uuid>/"): "device",
    ("POST", "/api/sync/payments/<uuid:payment_uuid>/cancel/"): "device",
    ("POST", "/api/sync/payments/<uuid:payment_uuid>/refunds/"): "device",
    ("POST", "/api/payments/webhook/<provider>/"): "public",  # the signature / callback token is the credential
    ("GET", "/api/payments/gateways/"): "manager",
    ("GET", "/api/payments/charges/"): "manager",
    # static QRIS and the settlement reports that verify it (issue 19, part 4)
    ("GET", "/api/payments/static/"): "manager",
    ("POST", "/api/payments/settlements/"): "manager",
    ("GET", "/api/payments/settlements/"): "manager",
    ("GET", "/api/payments/settlements/<int:import_id>/"): "manager",
    ("POST", "/api/payments/<payment_uuid>/cancel/"): "manager",  # the brief's manager cancel
    ("PUT", "/api/payments/gateways/<provider>/"): "tenant_owner",
    # what head office must look at in the outlets' records: manager+
    ("GET", "/api/sync/discrepancies/"): "manager",
    # notifications (issue 22): manager+; the opt-out list is also the till's (a customer asks at the counter)
    ("GET", "/api/notifications/templates/"): "manager",
    ("POST", "/api/notifications/templates/"): "manager",
    ("GET", "/api/notifications/templates/<int:template_id>/"): "manager",
    ("PATCH", "/api/notifications/templates/<int:template_id>/"): "manager",
    ("DELETE", "/api/notifications/templates/<int:template_id>/"): "manager",
    ("POST", "/api/notifications/templates/preview/"): "manager",
    ("POST", "/api/notifications/test/"): "manager",
    ("POST", "/api/notifications/send-bulk/"): "manager",
    ("GET", "/api/notifications/history/"): "manager",
    ("GET", "/api/notifications/history/<int:notification_id>/"): "manager",
    ("GET", "/api/notifications/opt-outs/"): "manager",
    ("POST", "/api/notifications/opt-outs/"): "cashier",
    ("DELETE", "/api/notifications/opt-outs/<int:opt_out_id>/"): "manager",
    # automation rules (issue 22): manager+ (a manager bound to an outlet: that outlet's rules)
    ("GET", "/api/notifications/rules/"): "manager",
    ("POST", "/api/notifications/rules/"): "manager",
    ("POST", "/api/notifications/rules/dry-run/"): "manager",
    ("GET", "/api/notifications/rules/<int:rule_id>/"): "manager",
    ("POST", "/api/notifications/rules/<int:rule_id>/dry-run/"): "manager",
    ("PATCH", "/api/notifications/rules/<int:rule_id>/"): "manager",
    ("DELETE", "/api/notifications/rules/<int:rule_id>/"): "manager",
    ("GET", "/api/notifications/rules/<int:rule_id>/deliveries/"): "manager",
    # Meta's webhook (its signature is the credential) and the e-receipt (the signed link is)
    ("GET", "/api/notifications/webhook/whatsapp/"): "public",
    ("POST", "/api/notifications/webhook/whatsapp/"): "public",
    ("GET", "/dashboard/notifications/"): "public",
    ("GET", "/r/<int:device_id>/<order_uuid>/<signature>"): "public",
    ("GET", "/r/<int:device_id>/<order_uuid>/<signature>/receipt.pdf"): "public",
    # the audit trail (issue 21): manager+ (an outlet-bound manager sees their outlet)
    ("GET", "/api/audit/"): "manager",
    ("GET", "/api/audit/export/"): "manager",
    ("GET", "/api/audit/verify/"): "manager",
}

# Served by APIFlask and Flask themselves (the spec, the docs page and its assets).
NOT_IN_TABLE = {"static", "openapi.spec", "openapi.docs", "openapi.swagger_ui_oauth_redirect", "health.docs_asset"}
CALLERS = ("super_admin", "admin", "tenant_owner", "manager", "cashier", "kitchen", "stockkeeper", "anonymous")
# The routes a stockkeeper is granted by name (beside its kitchen rank): stock items,
# recipes, on-hand, sold-out, stocktakes and transfers, and the list of outlets (it moves
# stock between them and picks one on the dashboard); nothing that sells, refunds or
# manages staff.
STOCKKEEPER_ROUTES = {route for route in ACCESS if route[1].startswith(
    ("/api/stock-items/", "/api/recipes/", "/api/stock/", "/api/stocktakes/", "/api/transfers/"))} | {
    ("GET", "/api/outlets/")}
NEW_PASSWORD = "An0ther-password"
PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def app_routes(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint not in NOT_IN_TABLE
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def route_params(rule: str) -> list[str]:
    return PARAM.findall(rule)


# --- the seed: one tenant's objects, with data that only this tenant has ----------------

WORDS = {"a": "Aardvark", "b": "Badger"}
PHONES = {"a": "081111222333", "b": "082222333444"}


@dataclass
class Seed:
    """Ids and secrets of one tenant's objects (attribute names match the path params)."""

    name: str
    tenant_id: int
    outlet_id: int
    other_outlet_id: int
    category_id: int = 0
    product_id: int = 0
    group_id: int = 0
    modifier_id: int = 0
    customer_id: int = 0
    customer_uuid: str = ""
    customer_phone: str = ""
    promotion_id: int = 0
    order_id: int = 0
    order_uuid: str = ""
    other_order_id: int = 0  # sold at the other outlet
    user_id: int = 0  # a kitchen user at outlet 1, whom managers may manage
    other_user_id: int = 0  # a kitchen user at the other outlet
    outlet_manager_id: int = 0  # a manager bound to outlet 1
    spare_tenant_id: int = 0
    spare_category_id: int = 0
    spare_product_id: int = 0
    spare_group_id: int = 0
    spare_customer_id: int = 0
    spare_promotion_id: int = 0
    spare_user_id: int = 0
    pending_product_id: int = 0
    stock_item_id: int = 0
    spare_stock_item_id: int = 0
    recipe_id: int = 0
    spare_recipe_id: int = 0
    stocktake_id: int = 0  # a stocktake outlet 1 posted
    other_pending_product_id: int = 0
    enrollment_key: str = ""  # unused, for a caller to enroll with
    device_id: int = 0
    signature: str = ""  # the e-receipt link's, for the seed's order and device
    template_id: int = 0
    spare_template_id: int = 0
    notification_id: int = 0
    opt_out_id: int = 0
    rule_id: int = 0
    spare_rule_id: int = 0
    spare_device_id: int = 0  # the other outlet's device, which the matrix may revoke
    device_token: str = ""
    device_access: str = ""
    refresh_token: str = ""
    payment_uuid: str = ""  # a paid gateway charge at outlet 1, refunded once (refund_uuid)
    cancelled_payment_uuid: str = ""
    refund_uuid: str = ""
    gateway_provider: str = "xendit"
    account_provider: str = "midtrans"
    import_id: int = 0  # a settlement import (owner's, every outlet) that verified the other outlet's static QRIS
    alert_id: int = 0  # a security alert of the tenant (a lockout of its cashier)
    markers: tuple = ()  # strings only this tenant's data contains
    other_outlet_markers: tuple = ()  # strings only the other outlet's data contains


def _actor(user_id: int, role: str, tenant_id: int, outlet_id=None) -> Actor:
    return Actor(user_id, role, role, tenant_id, outlet_id)


def order_payload(outlet_id: int, number: str, product_id: int, customer_uuid=None, customer_name="",
                  product=("Sold item", "SOLD")) -> dict:
    line = {"line_no": 1, "product_id": product_id, "product_name": product[0], "sku": product[1], "quantity": 1,
            "unit_price": "95000.00", "gross": "95000.00", "discount_amount": "0.00", "total_price": "95000.00",
            "service_charge": "0.00", "tax_amount": "0.00", "line_total": "95000.00"}
    return {"uuid": new_uuid(), "order_number": number, "outlet_id": outlet_id, "terminal": 1,
            "business_date": "2026-11-20", "status": "completed", "source": "pos", "customer_uuid": customer_uuid,
            "customer_name": customer_name, "subtotal": "95000.00", "discount_amount": "0.00",
            "service_charge": "0.00", "tax_amount": "0.00", "rounding_amount": "0.00", "total_amount": "95000.00",
            "paid_amount": "95000.00", "change_amount": "0.00", "voided_amount": "0.00", "refunded_amount": "0.00",
            "version": 1, "created_at": "2026-11-20T10:00:00Z", "completed_at": "2026-11-20T10:05:00Z",
            "items": [line]}


def event(seq: int, kind: str, payload: dict) -> dict:
    return {"seq": seq, "event_id": new_uuid(), "type": kind, "occurred_at": "2026-11-20T10:05:00Z",
            "payload": payload, "payload_sha256": sha256_hex(payload)}


def enroll_device(client, key: str, name: str) -> tuple[int, str, str]:
    """(device id, device credential, device access token) for an enrollment key."""
    enrolled = client.post("/api/sync/enroll/", json={"enrollment_key": key, "device_name": name})
    assert enrolled.status_code == 201, enrolled.json
    device_id, credential = enrolled.json["device_id"], enrolled.json["device_token"]
    token = client.post("/api/sync/token/", json={"device_id": device_id, "device_token": credential})
    assert token.status_code == 200, token.json
    return device_id, credential, token.json["access_token"]


def push(client, access: str, events: list) -> list:
    response = client.post("/api/sync/push/", json={"events": events}, headers={"Authorization": f"Bearer {access}"})
    assert response.status_code == 200, response.json
    return response.json["results"]


def seed_tenant(app, world, name: str = "a") -> Seed:
    """Objects of every kind in tenant `name` (world.a / world.b), with distinctive data,
    two enrolled devices (one per outlet) and a synced order at each outlet (built once
    per worker, then put back from its snapshot: tests/cloud/snapshots.py)."""
    return restored(app, f"seed-{name}", lambda: _build_seed(app, world, name))


def _build_seed(app, world, name: str) -> Seed:
    tw = getattr(world, name)
    word, prefix = WORDS[name], f"{name}{name}"
    seed = Seed(name, tw.tenant_id, tw.outlet_id, tw.other_outlet_id, customer_phone=PHONES[name])
    with app.app_context():
        session = db.session
        owner = _actor(tw.users["tenant_owner"], "tenant_owner", tw.tenant_id)
        manager = _actor(tw.users["manager"], "manager", tw.tenant_id)
        category = catalog.create_category(session, owner, {"name": f"{word} Specials", "station": "grill"})
        seed.spare_category_id = catalog.create_category(session, owner, {"name": f"{word} Empty Shelf"}).id
        product = catalog.create_product(session, owner, {
            "sku": f"{word.upper()}-TRUFFLE", "name": f"{word} Truffle Pizza", "category_id": category.id,
            "price": 12_000_000, "description": f"{word} house special",
            "modifier_groups": [{"name": f"{word} Sauce", "modifiers": [{"name": f"{word} Mayo", "price": 500_000}]}],
        })
        seed.category_id, seed.product_id = category.id, product.id
        seed.group_id, seed.modifier_id = product.modifier_groups[0].id, product.modifier_groups[0].modifiers[0].id
        seed.spare_group_id = catalog.add_modifier_group(session, product, {"name": f"{word} Spare Group"}).id
        seed.spare_product_id = catalog.create_product(session, owner, {
            "sku": f"{word.upper()}-SPARE", "name": f"{word} Spare Pie", "category_id": category.id,
            "price": 1_000_000}).id
        seed.pending_product_id, seed.other_pending_product_id = (catalog.create_product(session, manager, {
            "sku": f"{word.upper()}-NEW-{i}", "name": f"{word} Newcomer {i}", "category_id": category.id,
            "price": 2_000_000}).id for i in (1, 2))
        flour = stock.create_item(session, owner, {"name": f"{word} Flour", "unit": "g", "cost": 2})
        seed.stock_item_id = flour.id
        seed.spare_stock_item_id = stock.create_item(session, owner, {"name": f"{word} Spare Salt", "unit": "g"}).id
        seed.recipe_id = stock.create_recipe(session, owner, {"product_id": product.id, "stock_item_id": flour.id,
                                                              "quantity": 250}).id
        seed.spare_recipe_id = stock.create_recipe(session, owner, {"modifier_id": seed.modifier_id,
                                                                    "stock_item_id": flour.id, "quantity": 40}).id
        outlet = tenants.get_outlet(session, owner, tw.outlet_id)
        counted = Stocktake(tenant_id=tw.tenant_id, outlet_id=tw.outlet_id, uuid=new_uuid(), blind=False,
                            note="", started_at=datetime(2026, 11, 1), posted_at=datetime(2026, 11, 1),
                            lines=[{"stock_item_id": flour.id, "expected": 10, "counted": 8, "cost": 2}],
                            items_with_variance=1, variance_value=-4, received_at=datetime(2026, 11, 1))
        session.add(counted)
        session.flush()
        seed.stocktake_id = counted.id
        catalog.set_outlet_product(session, owner, outlet, product, {"price": 11_000_000})
        customer = customers.create_customer(session, owner, {
            "name": f"{word} Alice", "phone": PHONES[name], "email": f"alice@{word.lower()}.test",
            "notes": f"{word} regular"})
        seed.customer_id = customer.id
        seed.spare_customer_id = customers.create_customer(session, owner, {
            "name": f"{word} Spare", "phone": PHONES[name][:-3] + "999"}).id
        seed.promotion_id = promotions.create_promotion(session, owner, {
            "name": f"{word} Week", "promo_type": "percentage", "discount_percent_bp": 1000,
            "code": f"{word.upper()}10", "products": [{"product_id": product.id}]}).id
        seed.spare_promotion_id = promotions.create_promotion(session, owner, {
            "name": f"{word} Spare Deal", "promo_type": "fixed_amount", "discount_amount": 100_000,
            "auto_apply": True}).id
        seed.user_id = make_user("kitchen", f"{prefix}_target", tw.tenant_id, tw.outlet_id).id
        seed.other_user_id = make_user("kitchen", f"{prefix}_kitchen_two", tw.tenant_id, tw.other_outlet_id).id
        seed.spare_user_id = make_user("cashier", f"{prefix}_leaver", tw.tenant_id, tw.outlet_id).id
        seed.outlet_manager_id = make_user("manager", f"{prefix}_outlet_manager", tw.tenant_id, tw.outlet_id).id
        seed.spare_tenant_id = tenants.create_tenant(session, {"name": f"{word} Spare Co",
                                                               "slug": f"{word.lower()}-spare"}).id
        seed.refresh_token = auth.issue_tokens(session.get(User, tw.users["kitchen"]))["refresh"]
        other = tenants.get_outlet(session, owner, tw.other_outlet_id)
        keys = [enrollment.issue_key(session, o, None, keep_other_devices=True)[0] for o in (outlet, outlet, other)]
        seed.enrollment_key = keys[1]
        session.commit()
        seed.customer_uuid = customer_uuid = customer.uuid

    client = app.test_client()
    seed.device_id, seed.device_token, seed.device_access = enroll_device(client, keys[0], f"{word} till")
    seed.spare_device_id, _, other_access = enroll_device(client, keys[2], f"{word} other till")
    number, other_number = f"{prefix.upper()}1-261120-1-0001", f"{prefix.upper()}2-261120-1-0001"
    sold_product = (f"{word} Truffle Pizza", f"{word.upper()}-TRUFFLE")
    sold = order_payload(tw.outlet_id, number, seed.product_id, customer_uuid, f"{word} Alice", sold_product)
    paid = {"uuid": new_uuid(), "order_uuid": sold["uuid"], "terminal": 1, "method": "card", "amount": "95000.00",
            "change_amount": "0.00", "status": "paid", "reference": f"{word.upper()}-CARD-77",
            "created_at": "2026-11-20T10:04:00Z"}
    seed.order_uuid = sold["uuid"]
    elsewhere = order_payload(tw.other_outlet_id, other_number, seed.product_id, None, f"{word} Bob",
                              (f"{word} Outlet Two Special", f"{word.upper()}-TWO"))
    statuses = push(client, seed.device_access, [event(1, "order.snapshot", sold), event(2, "payment.recorded", paid)])
    static = {"uuid": new_uuid(), "order_uuid": elsewhere["uuid"], "terminal": 1, "method": "static_qr",
              "amount": "95000.00", "change_amount": "0.00", "status": "paid", "reference": f"{prefix.upper()}-QRIS-2",
              "created_at": "2026-11-20T10:04:00Z", "business_date": "2026-11-20"}
    statuses += push(client, other_access, [event(1, "order.snapshot", elsewhere),
                                            event(2, "payment.recorded", static)])
    assert {r["status"] for r in statuses} == {"applied"}, statuses
    with app.app_context():
        ids = dict(db.session.query(SyncedOrder.order_number, SyncedOrder.id))
        seed.order_id, seed.other_order_id = ids[number], ids[other_number]
        _seed_charges(db.session, seed)
        _seed_notifications(db.session, seed, owner, word)
        _seed_alert(db.session, seed, prefix)
        _seed_settlement(db.session, seed, owner, static["reference"])
        db.session.commit()
    seed.signature = receipt_links.signature(receipt_links.key_from_token(seed.device_token), seed.device_id,
                                             seed.order_uuid)
    seed.markers = (word, word.lower(), word.upper(), PHONES[name], f"{prefix.upper()} Foods",
                    f"{prefix}-foods", f"{prefix.upper()} One", f"{prefix.upper()} Two", number, other_number,
                    f"{prefix}_tenant_owner", f"{prefix}_manager", f"{prefix}_cashier", f"{prefix}_kitchen",
                    f"{prefix}_target", f"{prefix.upper()}-PZ")
    seed.other_outlet_markers = (f"{prefix.upper()} Two", other_number, f"{word} Bob", f"{prefix}_kitchen_two",
                                 f"{word} Outlet Two Special", f"{prefix.upper()}-QRIS-2")
    return seed


def _seed_settlement(session, seed: Seed, owner: Actor, reference: str) -> None:
    from cloud.services import static_payments

    form = _settlement_form(reference)
    request = static_payments.ImportRequest(provider="midtrans", data=form["file"][0].getvalue(),
                                            filename=f"{reference}.csv", date_from=datetime(2026, 11, 20).date(),
                                            date_to=datetime(2026, 11, 20).date())
    record, created = static_payments.import_report(session, owner, request, owner.user_id)
    assert created and record.matched == 1, (record.matched, record.flagged)
    seed.import_id = record.id


def _seed_alert(session, seed: Seed, prefix: str) -> None:
    from cloud.models import SecurityAlert
    from sync.timeutil import utcnow

    alert = SecurityAlert(tenant_id=seed.tenant_id, kind="account_locked", subject=f"{prefix}_cashier",
                          message=f"{prefix}_cashier was locked", count=1, detail={}, first_seen_at=utcnow(),
                          last_seen_at=utcnow())
    session.add(alert)
    session.commit()
    seed.alert_id = alert.id


def _seed_charges(session, seed: Seed) -> None:
    seed.payment_uuid, seed.cancelled_payment_uuid, seed.refund_uuid = new_uuid(), new_uuid(), new_uuid()
    rows = [GatewayCharge(tenant_id=seed.tenant_id, outlet_id=seed.outlet_id, order_uuid=seed.order_uuid,
                          payment_uuid=uuid_, provider="midtrans", method="qris", channel="qris",
                          gateway_order_id=uuid_, gateway_id=f"mt-{uuid_}", amount=9_500_000, status=status)
            for uuid_, status in ((seed.payment_uuid, "paid"), (seed.cancelled_payment_uuid, "cancelled"))]
    session.add_all(rows)
    session.flush()
    session.add(GatewayRefund(charge_id=rows[0].id, refund_uuid=seed.refund_uuid, gateway_refund_id="rf-1",
                              amount=9_500_000, status="succeeded"))
    session.commit()


def _seed_notifications(session, seed: Seed, owner: Actor, word: str) -> None:
    from cloud.notifications.templates import Rendered
    from cloud.services import notification_outbox, notification_templates

    body = {"type": "payment_received", "channel": "whatsapp", "body": "Halo {{ customer_name }}"}
    seed.template_id = notification_templates.create_template(session, owner, {"name": f"{word} Paid", **body}).id
    seed.spare_template_id = notification_templates.create_template(session, owner, {
        "name": f"{word} Spare Template", **body}).id
    seed.notification_id = notification_outbox.enqueue(
        session, seed.tenant_id, channel="whatsapp", recipient=PHONES[seed.name],
        rendered=Rendered("", f"{word} message", None), key=f"seed:{word}").id
    notification_outbox.opt_out(session, seed.tenant_id, "whatsapp", PHONES[seed.name][:-3] + "777")
    seed.opt_out_id = session.execute(select(NotificationOptOut.id).where(
        NotificationOptOut.tenant_id == seed.tenant_id)).scalar_one()
    from cloud.services import automation_rules

    rule = {"trigger": "stock_low", "threshold": 500, "outlet_id": seed.outlet_id,
            "actions": [{"channel": "whatsapp", "recipient": PHONES[seed.name]}]}
    seed.rule_id = automation_rules.create_rule(session, owner, {"name": f"{word} Rule", **rule}).id
    seed.spare_rule_id = automation_rules.create_rule(session, owner, {"name": f"{word} Spare Rule", **rule}).id
    from cloud.services import webhook_deliveries

    hooked = automation_rules.create_rule(session, owner, {
        "name": f"{word} Hook", "trigger": "payment_received", "outlet_id": seed.outlet_id,
        "actions": [{"type": "webhook", "url": f"https://hooks.{word.lower()}.test/pos",
                     "secret": f"{word}-secret-0123456789"}]})
    webhook_deliveries.enqueue(session, seed.tenant_id, rule_id=seed.rule_id, outlet_id=seed.outlet_id,
                               event="stock_low", url=f"https://hooks.{word.lower()}.test/pos",
                               secret_sealed=hooked.actions[0]["secret_sealed"], payload={"note": f"{word} hook"},
                               key=f"seed:{word}")


def leaks(body: bytes, seed: Seed) -> list[str]:
    """Which of the seed tenant's distinctive strings appear in a response body."""
    text = body.decode("utf-8", "replace")
    return [marker for marker in seed.markers if marker in text]


# --- one plausible request per route -----------------------------------------------------

@dataclass(frozen=True)
class Call:
    json: object = None  # a dict, or a function of the seed
    query: object = None
    files: object = None  # a function returning the multipart form
    ids: tuple = ()  # (path param, seed attribute) where they differ
    last: int = 0  # requests that end the caller's session go last
    fresh_token: bool = False  # use a token of its own (logout revokes it)
    headers: object = None  # a function of the body (a webhook's signature)

    def path(self, rule: str, seed: Seed, ids: dict | None = None, seeds: dict | None = None) -> str:
        """`rule` with the seed's ids; `ids` renames seed attributes, `seeds` takes a
        param's id from another seed."""
        names = {**dict(self.ids), **(ids or {})}

        def value(match):
            param = match.group(1)
            return str(getattr((seeds or {}).get(param, seed), names.get(param, param)))

        return PARAM.sub(value, rule)

    def kwargs(self, seed: Seed) -> dict:
        out = {}
        if self.json is not None:
            out["json"] = self.json(seed) if callable(self.json) else self.json
        if self.query is not None:
            out["query_string"] = self.query(seed) if callable(self.query) else self.query
        if self.files is not None:
            out["data"], out["content_type"] = self.files(), "multipart/form-data"
        return out


def _csv():
    return {"file": (io.BytesIO(b"sku,name,category,price\nIMP-1,Imported Pie,Imported,15000.00\n"), "menu.csv")}


def _stock_csv():
    return {"file": (io.BytesIO(b"name,unit,cost\nImported Basil,g,3.00\n"), "stock-items.csv")}


def _recipe_csv():
    """A recipe line for tenant a's spare product and flour (the seed's names)."""
    return {"file": (io.BytesIO(b"product_sku,modifier_group,modifier,stock_item,quantity\n"
                                b"AARDVARK-SPARE,,,Aardvark Flour,7\n"), "recipes.csv")}
def _settlement_form(reference: str = "NOBODY-1") -> dict:
    body = f"Order ID,Transaction ID,Gross Amount,Transaction Status\n{reference},tx-1,95000.00,settlement\n"
    return {"provider": "midtrans", "date_from": "2026-11-20", "date_to": "2026-11-20",
            "file": (io.BytesIO(body.encode()), "settlement.csv")}


def _signed(kwargs: dict) -> dict:
    """Meta's signature over the body the test client will send (compact JSON, as Flask's)."""
    import json

    from cloud.notifications.channels.whatsapp_webhooks import sign

    body = json.dumps(kwargs["json"], separators=(",", ":")).encode()
    kwargs["data"], kwargs["content_type"] = body, "application/json"
    del kwargs["json"]
    return {"X-Hub-Signature-256": sign(WHATSAPP_APP_SECRET, body)}


CALLS = {
    ("GET", "/api/health/"): Call(),
    ("GET", "/metrics"): Call(),
    ("GET", "/api/security/logs/"): Call(),
    ("GET", "/api/security/alerts/"): Call(),
    ("GET", "/api/performance/"): Call(),
    ("POST", "/api/security/alerts/<int:alert_id>/acknowledge/"): Call(),
    ("GET", "/dashboard/"): Call(),
    ("POST", "/api/auth/login/"): Call(json=lambda s: {"username": f"{s.name * 2}_kitchen", "password": PASSWORD}),
    ("POST", "/api/auth/refresh/"): Call(json=lambda s: {"refresh": s.refresh_token}),
    ("POST", "/api/auth/register/"): Call(json={"username": "fresh_owner", "password": NEW_PASSWORD,
                                                "password_confirm": NEW_PASSWORD, "store_name": "Fresh Store"}),
    ("POST", "/api/auth/logout/"): Call(json={}, last=1, fresh_token=True),
    ("POST", "/api/auth/change-password/"): Call(json={"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                                                 last=2, fresh_token=True),
    ("GET", "/api/users/me/"): Call(),
    ("PATCH", "/api/users/me/"): Call(json={"first_name": "Myself"}),
    ("GET", "/api/users/"): Call(),
    ("POST", "/api/users/"): Call(json=lambda s: {"username": "new_staff", "password": NEW_PASSWORD,
                                                  "role": "kitchen", "outlet_id": s.outlet_id}),
    ("GET", "/api/users/<int:user_id>/"): Call(),
    ("PATCH", "/api/users/<int:user_id>/"): Call(json={"first_name": "Tess"}),
    ("DELETE", "/api/users/<int:user_id>/"): Call(ids=(("user_id", "spare_user_id"),)),
    ("POST", "/api/users/<int:user_id>/reset-password/"): Call(json={"new_password": NEW_PASSWORD}),
    ("POST", "/api/users/<int:user_id>/unlock/"): Call(),
    ("GET", "/api/tenants/"): Call(),
    ("POST", "/api/tenants/"): Call(json={"name": "Brand New Co", "slug": "brand-new-co"}),
    ("GET", "/api/tenants/<int:tenant_id>/"): Call(),
    ("PATCH", "/api/tenants/<int:tenant_id>/"): Call(json={"receipt_footer": "See you soon"}),
    ("DELETE", "/api/tenants/<int:tenant_id>/"): Call(ids=(("tenant_id", "spare_tenant_id"),)),
    ("GET", "/api/outlets/"): Call(),
    ("POST", "/api/outlets/"): Call(json={"code": "NEW", "name": "New Outlet"}),
    ("GET", "/api/outlets/<int:outlet_id>/"): Call(),
    ("PATCH", "/api/outlets/<int:outlet_id>/"): Call(json={"phone": "0274-555"}),
    ("POST", "/api/outlets/<int:outlet_id>/enrollment-key/"): Call(json={"keep_other_devices": True}),
    ("GET", "/api/devices/"): Call(),
    ("POST", "/api/devices/<int:device_id>/revoke/"): Call(ids=(("device_id", "spare_device_id"),)),
    ("GET", "/api/outlets/<int:outlet_id>/products/"): Call(),
    ("POST", "/api/outlets/<int:outlet_id>/products/"): Call(json=lambda s: {"product_id": s.product_id,
                                                                            "is_available": True}),
    ("PATCH", "/api/outlets/<int:outlet_id>/products/<int:product_id>/"): Call(json={"is_available": False}),
    ("DELETE", "/api/outlets/<int:outlet_id>/products/<int:product_id>/"): Call(),
    ("GET", "/api/categories/"): Call(),
    ("POST", "/api/categories/"): Call(json={"name": "Drinks"}),
    ("GET", "/api/categories/<int:category_id>/"): Call(),
    ("PATCH", "/api/categories/<int:category_id>/"): Call(json={"sort_order": 3}),
    ("DELETE", "/api/categories/<int:category_id>/"): Call(ids=(("category_id", "spare_category_id"),)),
    ("GET", "/api/products/"): Call(),
    ("POST", "/api/products/"): Call(json=lambda s: {"sku": "FRESH-1", "name": "Fresh Pie",
                                                     "category_id": s.category_id, "price": "15000.00"}),
    ("GET", "/api/products/export/"): Call(query={"format": "csv"}),
    ("POST", "/api/products/import/"): Call(files=_csv),
    ("GET", "/api/products/<int:product_id>/"): Call(),
    ("PATCH", "/api/products/<int:product_id>/"): Call(json={"description": "Still the best"}),
    ("DELETE", "/api/products/<int:product_id>/"): Call(ids=(("product_id", "spare_product_id"),)),
    ("POST", "/api/products/<int:product_id>/approve/"): Call(json={}, ids=(("product_id", "pending_product_id"),)),
    ("POST", "/api/products/<int:product_id>/reject/"): Call(json={"note": "Too pricey"},
                                                            ids=(("product_id", "other_pending_product_id"),)),
    ("GET", "/api/products/<int:product_id>/modifiers/"): Call(),
    ("POST", "/api/products/<int:product_id>/modifiers/"): Call(json={"name": "Extras", "modifiers": [
        {"name": "Cheese", "price": "5000.00"}]}),
    ("PATCH", "/api/products/<int:product_id>/modifiers/<int:group_id>/"): Call(json={"sort_order": 2}),
    ("DELETE", "/api/products/<int:product_id>/modifiers/<int:group_id>/"): Call(
        ids=(("group_id", "spare_group_id"),)),
    ("GET", "/api/stock-items/"): Call(),
    ("POST", "/api/stock-items/"): Call(json={"name": "Basil", "unit": "g", "cost": "3.00",
                                              "purchase_units": [{"name": "bunch", "multiple": 50}]}),
    ("GET", "/api/stock-items/export/"): Call(query={"format": "xlsx"}),
    ("POST", "/api/stock-items/import/"): Call(files=_stock_csv),
    ("GET", "/api/recipes/export/"): Call(query={"format": "csv"}),
    ("POST", "/api/recipes/import/"): Call(files=_recipe_csv),
    ("GET", "/api/stock-items/<int:stock_item_id>/"): Call(),
    ("PATCH", "/api/stock-items/<int:stock_item_id>/"): Call(json={"cost": "2.50"}),
    ("DELETE", "/api/stock-items/<int:stock_item_id>/"): Call(ids=(("stock_item_id", "spare_stock_item_id"),)),
    ("GET", "/api/recipes/"): Call(),
    ("POST", "/api/recipes/"): Call(json=lambda s: {"product_id": s.spare_product_id, "stock_item_id": s.stock_item_id,
                                                    "quantity": 100}),
    ("GET", "/api/recipes/<int:recipe_id>/"): Call(),
    ("PATCH", "/api/recipes/<int:recipe_id>/"): Call(json={"quantity": 260}),
    ("DELETE", "/api/recipes/<int:recipe_id>/"): Call(ids=(("recipe_id", "spare_recipe_id"),)),
    ("GET", "/api/stock/"): Call(query=lambda s: {"outlet_id": s.outlet_id}),
    ("GET", "/api/stock/sold-out/"): Call(query=lambda s: {"outlet_id": s.outlet_id}),
    ("GET", "/api/stocktakes/"): Call(),
    ("GET", "/api/stocktakes/<int:stocktake_id>/"): Call(),
    ("GET", "/api/transfers/"): Call(),
    ("PUT", "/api/stock/reorder-points/"): Call(json=lambda s: {
        "outlet_id": s.outlet_id, "stock_item_id": s.stock_item_id, "reorder_level": 500}),
    ("GET", "/api/stock/reorder-points/"): Call(query=lambda s: {"outlet_id": s.outlet_id}),
    ("GET", "/api/stock/reorder/"): Call(query=lambda s: {"outlet_id": s.outlet_id}),
    ("GET", "/api/stock/usage/"): Call(query=lambda s: {"outlet_id": s.outlet_id}),
    ("GET", "/api/promotions/"): Call(),
    ("POST", "/api/promotions/"): Call(json={"name": "Happy Hour", "promo_type": "percentage",
                                             "discount_percent": "15.00", "auto_apply": True}),
    ("GET", "/api/promotions/active/"): Call(),
    ("GET", "/api/promotions/<int:promotion_id>/"): Call(),
    ("PATCH", "/api/promotions/<int:promotion_id>/"): Call(json={"description": "Every week"}),
    ("DELETE", "/api/promotions/<int:promotion_id>/"): Call(ids=(("promotion_id", "spare_promotion_id"),)),
    ("POST", "/api/promotions/<int:promotion_id>/activate/"): Call(),
    ("POST", "/api/promotions/<int:promotion_id>/deactivate/"): Call(),
    ("GET", "/api/customers/"): Call(),
    ("POST", "/api/customers/"): Call(json={"name": "Walk In", "phone": "0813 0000 1111"}),
    ("POST", "/api/customers/search/"): Call(json=lambda s: {"phone": s.customer_phone}),
    ("GET", "/api/customers/<int:customer_id>/"): Call(),
    ("PATCH", "/api/customers/<int:customer_id>/"): Call(json={"marketing_consent": True}),
    ("DELETE", "/api/customers/<int:customer_id>/"): Call(ids=(("customer_id", "spare_customer_id"),)),
    ("GET", "/api/customers/<int:customer_id>/orders/"): Call(),
    ("GET", "/api/customers/<int:customer_id>/stats/"): Call(),
    ("GET", "/api/orders/"): Call(),
    ("GET", "/api/orders/<int:order_id>/"): Call(),
    ("GET", "/api/analytics/dashboard/"): Call(query={"date_from": "2026-11-01", "date_to": "2026-11-30"}),
    ("GET", "/api/analytics/revenue/"): Call(query={"period": "weekly"}),
    ("GET", "/api/analytics/revenue/export/"): Call(query={"format": "csv"}),
    ("GET", "/api/analytics/products/"): Call(query={"date_from": "2026-11-01", "date_to": "2026-11-30"}),
    ("GET", "/api/analytics/products/export/"): Call(query={"format": "xlsx"}),
    ("GET", "/api/analytics/customers/"): Call(query=lambda s: {"outlet_id": s.outlet_id}),
    ("GET", "/api/analytics/margins/"): Call(query=lambda s: {"outlet_id": s.outlet_id}),
    ("POST", "/api/sync/enroll/"): Call(json=lambda s: {"enrollment_key": s.enrollment_key, "device_name": "Spare"}),
    ("POST", "/api/sync/token/"): Call(json=lambda s: {"device_id": s.device_id, "device_token": s.device_token}),
    ("GET", "/api/sync/pull/"): Call(query={"since": 0}),
    ("POST", "/api/sync/push/"): Call(json={"events": []}),
    ("POST", "/api/sync/allowances/"): Call(json={}),
    ("GET", "/api/sync/device/"): Call(),
    ("GET", "/api/sync/recovery/"): Call(query={"after_seq": 0}),
    ("POST", "/api/sync/device/fork/"): Call(json={"seq_high": 0}),  # the seed's device pushed seqs 1 and 2
    ("GET", "/api/sync/discrepancies/"): Call(),
    # the seed's charges answer without the gateway: a repeat, a read, an already-cancelled one,
    # a refund already done (the gateway itself is exercised in test_gateway_payments.py)
    ("POST", "/api/sync/payments/"): Call(json=lambda s: {
        "payment_uuid": s.payment_uuid, "order_uuid": s.order_uuid, "method": "qris", "amount": "95000.00"}),
    ("GET", "/api/sync/payments/<uuid:payment_uuid>/"): Call(),
    ("POST", "/api/sync/payments/<uuid:payment_uuid>/cancel/"): Call(ids=(("payment_uuid", "cancelled_payment_uuid"),)),
    ("POST", "/api/sync/payments/<uuid:payment_uuid>/refunds/"): Call(json=lambda s: {
        "refund_uuid": s.refund_uuid, "amount": "95000.00"}),
    ("POST", "/api/payments/webhook/<provider>/"): Call(json={"event": "invoice.paid", "data": {}},
                                                        ids=(("provider", "gateway_provider"),)),
    ("GET", "/api/payments/gateways/"): Call(),
    ("GET", "/api/payments/charges/"): Call(),
    ("GET", "/api/payments/static/"): Call(query={"state": "all"}),
    ("POST", "/api/payments/settlements/"): Call(files=lambda: _settlement_form()),  # the same file: 201, then 200
    ("GET", "/api/payments/settlements/"): Call(),
    ("GET", "/api/payments/settlements/<int:import_id>/"): Call(),
    ("POST", "/api/payments/<payment_uuid>/cancel/"): Call(ids=(("payment_uuid", "cancelled_payment_uuid"),)),
    ("PUT", "/api/payments/gateways/<provider>/"): Call(json={"server_key": "SB-Mid-server-role-matrix"},
                                                        ids=(("provider", "account_provider"),)),
    ("GET", "/api/notifications/templates/"): Call(),
    ("POST", "/api/notifications/templates/"): Call(json={"name": "Ready", "type": "order_ready", "channel": "email",
                                                          "subject": "Siap", "body": "{{ order_code }} siap"}),
    ("GET", "/api/notifications/templates/<int:template_id>/"): Call(),
    ("PATCH", "/api/notifications/templates/<int:template_id>/"): Call(json={"is_default": True}),
    ("DELETE", "/api/notifications/templates/<int:template_id>/"): Call(ids=(("template_id", "spare_template_id"),)),
    ("POST", "/api/notifications/templates/preview/"): Call(json={"type": "order_ready", "channel": "whatsapp",
                                                                  "body": "{{ order_code }} siap"}),
    ("POST", "/api/notifications/test/"): Call(json={"channel": "whatsapp", "recipient": "0813 2222 0000",
                                                     "message": "Tes"}),
    ("POST", "/api/notifications/send-bulk/"): Call(json=lambda s: {"template_id": s.template_id, "recipients": [
        {"contact": "0813 2222 0001"}]}),
    ("GET", "/api/notifications/history/"): Call(),
    ("GET", "/api/notifications/history/<int:notification_id>/"): Call(),
    ("GET", "/api/notifications/opt-outs/"): Call(),
    ("POST", "/api/notifications/opt-outs/"): Call(json={"channel": "email", "recipient": "no@example.com"}),
    ("DELETE", "/api/notifications/opt-outs/<int:opt_out_id>/"): Call(),
    ("GET", "/api/notifications/rules/"): Call(),
    ("POST", "/api/notifications/rules/"): Call(json=lambda s: {
        "name": "Low", "trigger": "stock_low", "threshold": 100, "outlet_id": s.outlet_id,
        "actions": [{"channel": "email", "recipient": "boss@example.com"}]}),
    ("POST", "/api/notifications/rules/dry-run/"): Call(json=lambda s: {
        "name": "Low", "trigger": "outlet_offline", "offline_minutes": 5, "outlet_id": s.outlet_id,
        "actions": [{"channel": "email", "recipient": "boss@example.com"}]}),
    ("GET", "/api/notifications/rules/<int:rule_id>/"): Call(),
    ("POST", "/api/notifications/rules/<int:rule_id>/dry-run/"): Call(),
    ("PATCH", "/api/notifications/rules/<int:rule_id>/"): Call(json={"threshold": 200}),
    ("DELETE", "/api/notifications/rules/<int:rule_id>/"): Call(ids=(("rule_id", "spare_rule_id"),)),
    ("GET", "/api/notifications/rules/<int:rule_id>/deliveries/"): Call(),
    ("GET", "/api/notifications/webhook/whatsapp/"): Call(query={"hub.mode": "subscribe", "hub.challenge": "1",
                                                                 "hub.verify_token": WHATSAPP_VERIFY_TOKEN}),
    ("POST", "/api/notifications/webhook/whatsapp/"): Call(json={"object": "whatsapp_business_account", "entry": []},
                                                           headers=_signed),
    ("GET", "/dashboard/notifications/"): Call(),
    ("GET", "/r/<int:device_id>/<order_uuid>/<signature>"): Call(),
    ("GET", "/r/<int:device_id>/<order_uuid>/<signature>/receipt.pdf"): Call(),
    ("GET", "/api/audit/"): Call(query={"action": "login"}),
    ("GET", "/api/audit/export/"): Call(query={"format": "xlsx"}),
    ("GET", "/api/audit/verify/"): Call(query=lambda s: {"outlet": s.outlet_id}),
}


def in_order(routes):
    """Reads and writes first, deletes after them, then whatever ends the session."""
    return sorted(routes, key=lambda route: (CALLS[route].last, route[0] == "DELETE", route[1], route[0]))


ALLOWED = "allowed"


def expected(access: str, caller: str, route: tuple[str, str] | None = None):
    """ALLOWED, or the status a caller below the route's minimum gets."""
    if access == "public":
        return ALLOWED
    if access == "scrape":
        return 403
    if caller == "anonymous" or access == "device":
        return 401  # no credential, or a user's token where only a device credential will do
    if caller == "stockkeeper" and route in STOCKKEEPER_ROUTES:
        return ALLOWED
    return ALLOWED if ROLE_RANK[caller] >= ROLE_RANK[access] else 403


def _user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.query(User.id).filter_by(username=username).scalar()


def caller_headers(app, world, caller: str, seed: Seed, fresh: bool = False) -> dict:
    if caller == "anonymous":
        return {"X-Tenant-ID": str(seed.tenant_id)}  # names the tenant of public menu reads
    headers = world.headers(caller, seed.name)
    if fresh:
        username = {"super_admin": "root_admin", "admin": "support_admin"}.get(caller, f"{seed.name * 2}_{caller}")
        with app.app_context():
            token = auth.issue_tokens(db.session.get(User, _user_id(app, username)))["access"]
        headers["Authorization"] = f"Bearer {token}"
    return headers


def send(client, method: str, rule: str, seed: Seed, headers: dict, ids: dict | None = None):
    call = CALLS[(method, rule)]
    kwargs = call.kwargs(seed)
    if call.headers is not None:
        headers = {**headers, **call.headers(kwargs)}
    return client.open(call.path(rule, seed, ids), method=method, headers=headers, **kwargs)


def describe(response) -> str:
    body = response.get_json(silent=True)
    return f"{response.status_code} {body.get('code') if isinstance(body, dict) else ''}"


# --- the tests ---------------------------------------------------------------------------

def test_the_table_covers_every_route(app):
    routes = app_routes(app)
    assert sorted(routes - set(ACCESS)) == [], "routes without a row in ACCESS"
    assert sorted(set(ACCESS) - routes) == [], "rows in ACCESS for routes that are gone"


def test_every_view_carries_the_intended_access_mark(app):
    marks = {}
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, rule.rule) in ACCESS:
                marks[(method, rule.rule)] = getattr(app.view_functions[rule.endpoint], "_access", None)
    wrong = {route: (mark, ACCESS[route]) for route, mark in marks.items() if mark != ACCESS[route]}
    assert wrong == {}, "(mark on the view, intended)"


def test_exactly_the_stock_routes_grant_the_stockkeeper_by_name(app):
    granted = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if "stockkeeper" in getattr(app.view_functions[rule.endpoint], "_also", ()):
                granted.add((method, rule.rule))
    assert granted == STOCKKEEPER_ROUTES and len(granted) == 24


def test_the_openapi_document_and_docs_page_are_public(client):
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.parametrize("caller", CALLERS)
def test_every_route_answers_each_role_as_the_table_says(app, world, caller):
    seed = seed_tenant(app, world, "a")
    client = app.test_client()
    headers = caller_headers(app, world, caller, seed)
    wrong = []
    for method, rule in in_order(ACCESS):
        if CALLS[(method, rule)].fresh_token and caller != "anonymous":
            headers = caller_headers(app, world, caller, seed, fresh=True)
        response = send(client, method, rule, seed, headers)
        want = expected(ACCESS[(method, rule)], caller, (method, rule))
        if want == ALLOWED:  # the calls are plausible: at or above the minimum they succeed
            ok = 200 <= response.status_code < 300
        else:
            body = response.get_json(silent=True) or {}
            ok = response.status_code == want and {"error", "message", "field", "code"} <= set(body)
        if not ok:
            wrong.append(f"{method} {rule}: {describe(response)}, expected {want}")
    assert wrong == []


def test_a_device_credential_opens_the_device_routes_only(app, world):
    seed = seed_tenant(app, world, "a")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {seed.device_access}"}
    wrong = []
    for method, rule in in_order(ACCESS):
        access = ACCESS[(method, rule)]
        if access in ("public", "scrape"):
            continue
        response = send(client, method, rule, seed, headers)
        ok = response.status_code == 401 if access != "device" else response.status_code in (200, 201)
        if not ok:
            wrong.append(f"{method} {rule}: {describe(response)} ({access})")
    assert wrong == []
