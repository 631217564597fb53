"""Promotions over the HTTP API: the four types, their validation, codes, activation,
what is running now (public), roles and tenants."""
from datetime import datetime, timedelta

import pytest

from cloud.extensions import db
from cloud.models import Promotion, PromotionAllowance, PromotionProduct, PromotionUsage, Tombstone
from cloud.services import promotions as promotion_service
from cloud.services.actor import Actor
from sync.timeutil import isoformat, utcnow

# 27 Nov 2026 is a Friday; the world's outlets are in Asia/Jakarta (UTC+7).
FRIDAY_2230_WIB = "2026-11-27T15:30:00Z"
SATURDAY_0130_WIB = "2026-11-27T18:30:00Z"
SATURDAY_2230_WIB = "2026-11-28T15:30:00Z"
FRIDAY_1900_WIB = "2026-11-27T12:00:00Z"


@pytest.fixture
def menu(client, world):
    """Tenant a's product ids: the factory's Margherita (Rp 95.000), a Cola (Rp 15.000)
    and a Tiramisu (Rp 40.000)."""
    owner = world.headers("tenant_owner")
    ids = {"pizza": world.a.product_id}
    for key, sku, name, price in (("cola", "DR-COLA", "Cola", "15000.00"),
                                  ("tiramisu", "DS-TIRA", "Tiramisu", "40000.00")):
        response = client.post("/api/products/", headers=owner, json={
            "sku": sku, "name": name, "price": price, "category_id": world.a.category_id})
        assert response.status_code == 201, response.json
        ids[key] = response.json["id"]
    return ids


def percentage(**extra):
    return {"name": "Weekend Flash Sale", "promo_type": "percentage", "discount_percent": "30.00",
            "code": "weekend30", **extra}


def create(client, world, body, role="manager", tenant="a"):
    return client.post("/api/promotions/", json=body, headers=world.headers(role, tenant))


def created(client, world, body, **kwargs):
    response = create(client, world, body, **kwargs)
    assert response.status_code == 201, response.json
    return response.json


def activate(client, world, promotion_id):
    response = client.post(f"/api/promotions/{promotion_id}/activate/", headers=world.headers("manager"))
    assert response.status_code == 200, response.json
    return response.json


def error(response):
    return response.status_code, response.json["code"], response.json["field"]


# --- the four types ------------------------------------------------------------------

def test_manager_creates_a_percentage_promotion(client, world, menu):
    body = created(client, world, percentage(max_discount="50000.00", min_purchase="100000.00",
                                             products=[{"product_id": menu["pizza"]}]))
    assert (body["promo_type"], body["discount_percent"], body["max_discount"]) == ("percentage", "30.00", "50000.00")
    assert body["min_purchase"] == "100000.00"
    assert body["code"] == "WEEKEND30"
    assert body["products"] == [{"product_id": menu["pizza"], "product_name": "Margherita", "role": "both",
                                 "quantity": 1}]
    assert (body["is_active"], body["usage_count"], body["warnings"]) == (False, 0, [])
    assert body["requires_code"] is True


def test_manager_creates_a_fixed_amount_promotion(client, world):
    body = created(client, world, {"name": "Rp 20.000 off", "promo_type": "fixed_amount",
                                   "discount_amount": "20000.00", "min_purchase": "250000.00", "auto_apply": True})
    assert (body["discount_amount"], body["auto_apply"], body["requires_code"]) == ("20000.00", True, False)
    assert body["products"] == []


def test_a_buy_x_get_y_promotion_gives_the_get_items_free_by_default(client, world, menu):
    body = created(client, world, {"name": "Buy a pizza, get a cola", "promo_type": "buy_x_get_y", "auto_apply": True,
                                   "buy_quantity": 1, "get_quantity": 1,
                                   "products": [{"product_id": menu["pizza"], "role": "buy"},
                                                {"product_id": menu["cola"], "role": "get"}]})
    assert (body["buy_quantity"], body["get_quantity"], body["discount_percent"]) == (1, 1, "100.00")
    assert [p["role"] for p in body["products"]] == ["buy", "get"]


def test_a_buy_x_get_y_promotion_may_discount_the_get_items_partly(client, world, menu):
    body = created(client, world, {"name": "Second cola half price", "promo_type": "buy_x_get_y", "auto_apply": True,
                                   "buy_quantity": 1, "get_quantity": 1, "discount_percent": "50.00",
                                   "products": [{"product_id": menu["cola"], "role": "both"}]})
    assert body["discount_percent"] == "50.00"


def test_manager_creates_a_bundle(client, world, menu):
    body = created(client, world, {"name": "Pizza + Tiramisu", "promo_type": "bundle", "bundle_price": "115000.00",
                                   "auto_apply": True,
                                   "products": [{"product_id": menu["pizza"]}, {"product_id": menu["tiramisu"]}]})
    assert body["bundle_price"] == "115000.00"
    assert {p["product_id"] for p in body["products"]} == {menu["pizza"], menu["tiramisu"]}


def test_two_units_of_one_product_make_a_bundle(client, world, menu):
    response = create(client, world, {"name": "Two colas", "promo_type": "bundle", "bundle_price": "25000.00",
                                      "auto_apply": True, "products": [{"product_id": menu["cola"], "quantity": 2}]})
    assert response.status_code == 201


def test_the_service_creates_from_the_dict_the_api_loads(app, world, menu):
    """How the demo seeder makes its promotions."""
    with app.app_context():
        owner = Actor(world.a.users["tenant_owner"], "owner", "tenant_owner", world.a.tenant_id, None)
        promotion = promotion_service.create_promotion(db.session, owner, {
            "name": "Buy 2 drinks, get 1 free", "promo_type": "buy_x_get_y", "buy_quantity": 2, "get_quantity": 1,
            "discount_percent_bp": 10000, "auto_apply": True,
            "products": [{"product_id": menu["cola"], "role": "both", "quantity": 1}]})
        promotion_service.activate(db.session, owner, promotion)
        db.session.commit()
        stored = db.session.get(Promotion, promotion.id)
        assert (stored.is_active, stored.discount_percent_bp, len(stored.products)) == (True, 10000, 1)


# --- validation ------------------------------------------------------------------------

BXGY = {"name": "B", "promo_type": "buy_x_get_y", "buy_quantity": 1, "get_quantity": 1, "auto_apply": True}
BUNDLE = {"name": "C", "promo_type": "bundle", "auto_apply": True}

INVALID = [  # (body: products named by menu key, field, code)
    (percentage(discount_percent="0"), "discount_percent", "INVALID_DISCOUNT_PERCENT"),
    ({"name": "P", "promo_type": "percentage", "code": "P10"}, "discount_percent", "INVALID_DISCOUNT_PERCENT"),
    (percentage(discount_percent="100.01"), "discount_percent", "INVALID_DISCOUNT_PERCENT"),
    (percentage(discount_percent="150"), "discount_percent", "INVALID_DISCOUNT_PERCENT"),
    (percentage(max_discount="0.00"), "max_discount", "INVALID_MAX_DISCOUNT"),
    ({**BUNDLE, "bundle_price": "10000.00", "max_discount": "0.00",
      "products": [{"product_id": "pizza"}, {"product_id": "cola"}]}, "max_discount", "INVALID_MAX_DISCOUNT"),
    ({"name": "F", "promo_type": "fixed_amount", "discount_amount": "0.00"}, "discount_amount",
     "INVALID_DISCOUNT_AMOUNT"),
    ({"name": "F", "promo_type": "fixed_amount", "discount_amount": "-5.00"}, "discount_amount",
     "INVALID_DISCOUNT_AMOUNT"),
    ({"name": "F", "promo_type": "fixed_amount"}, "discount_amount", "INVALID_DISCOUNT_AMOUNT"),
    ({**BXGY, "buy_quantity": 0, "products": [{"product_id": "cola"}]}, "buy_quantity", "INVALID_BUY_QUANTITY"),
    ({**BXGY, "get_quantity": 0, "products": [{"product_id": "cola"}]}, "get_quantity", "INVALID_GET_QUANTITY"),
    ({**BXGY, "products": [{"product_id": "cola", "role": "get"}]}, "products", "BUY_PRODUCTS_REQUIRED"),
    ({**BXGY, "products": [{"product_id": "pizza", "role": "buy"}]}, "products", "GET_PRODUCTS_REQUIRED"),
    ({**BXGY, "products": []}, "products", "BUY_PRODUCTS_REQUIRED"),
    ({**BXGY, "discount_percent": "0", "products": [{"product_id": "cola"}]}, "discount_percent",
     "INVALID_DISCOUNT_PERCENT"),
    ({**BUNDLE, "products": [{"product_id": "pizza"}, {"product_id": "cola"}]}, "bundle_price",
     "INVALID_BUNDLE_PRICE"),
    ({**BUNDLE, "bundle_price": "-1.00", "products": [{"product_id": "pizza"}, {"product_id": "cola"}]},
     "bundle_price", "INVALID_BUNDLE_PRICE"),
    ({**BUNDLE, "bundle_price": "50000.00", "products": [{"product_id": "pizza"}]}, "products", "BUNDLE_TOO_SMALL"),
    ({**BUNDLE, "bundle_price": "135000.00", "products": [{"product_id": "pizza"}, {"product_id": "tiramisu"}]},
     "bundle_price", "BUNDLE_NOT_CHEAPER"),
    ({**BUNDLE, "bundle_price": "10000.00", "products": [{"product_id": "cola", "quantity": 0},
                                                        {"product_id": "pizza"}]},
     "products.0.quantity", "INVALID_QUANTITY"),
    (percentage(start_at="2026-12-02T00:00:00Z", end_at="2026-12-01T00:00:00Z"), "end_at", "INVALID_DATE_RANGE"),
    (percentage(start_at="2026-12-01T00:00:00Z", end_at="2026-12-01T00:00:00Z"), "end_at", "INVALID_DATE_RANGE"),
    (percentage(start_time="16:00"), "end_time", "INVALID_TIME_WINDOW"),
    (percentage(end_time="18:00"), "start_time", "INVALID_TIME_WINDOW"),
    (percentage(start_time="16:00", end_time="16:00"), "end_time", "INVALID_TIME_WINDOW"),
    (percentage(start_time="25:00", end_time="18:00"), "start_time", "INVALID_START_TIME"),
    (percentage(days_of_week=[7]), "days_of_week.0", "INVALID_ITEM"),
    (percentage(code="NO SPACES"), "code", "INVALID_CODE"),
    (percentage(code="AB"), "code", "INVALID_CODE"),
    ({"name": "X", "promo_type": "mystery"}, "promo_type", "INVALID_PROMO_TYPE"),
    ({"name": "X"}, "promo_type", "REQUIRED"),
    (percentage(products=[{"product_id": "pizza", "role": "free"}]), "products.0.role", "INVALID_ROLE"),
    (percentage(products=[{"product_id": "pizza"}, {"product_id": "pizza"}]), "products.1.product_id",
     "DUPLICATE_PRODUCT"),
]


@pytest.mark.parametrize("body, field, code", INVALID, ids=[f"{code}-{field}-{n}" for n, (_, field, code)
                                                            in enumerate(INVALID)])
def test_an_invalid_promotion_is_refused_with_its_field_and_code(client, world, menu, body, field, code):
    if "products" in body:
        body = {**body, "products": [{**line, "product_id": menu[line["product_id"]]} for line in body["products"]]}
    response = create(client, world, body)
    assert error(response) == (400, code, field), response.json
    assert response.json["error"] == "ValidationError"
    assert response.json["message"]
    assert client.get("/api/promotions/", headers=world.headers("manager")).json["count"] == 0


def test_a_product_of_another_tenant_is_refused(client, world):
    response = create(client, world, percentage(products=[{"product_id": world.b.product_id}]))
    assert error(response) == (400, "INVALID_PRODUCT", "products.0.product_id")


def test_an_outlet_of_another_tenant_is_refused(client, world):
    response = create(client, world, percentage(outlet_ids=[world.a.outlet_id, world.b.outlet_id]))
    assert error(response) == (400, "INVALID_OUTLET", "outlet_ids")


def test_outlets_and_days_are_stored_sorted_without_repeats(client, world):
    body = created(client, world, percentage(outlet_ids=[world.a.other_outlet_id, world.a.outlet_id,
                                                         world.a.outlet_id], days_of_week=[6, 5, 6]))
    assert body["outlet_ids"] == sorted([world.a.outlet_id, world.a.other_outlet_id])
    assert body["days_of_week"] == [5, 6]


def test_a_promotion_without_code_or_auto_apply_is_kept_with_a_warning(client, world):
    body = created(client, world, {"name": "Dormant", "promo_type": "fixed_amount", "discount_amount": "5000.00"})
    assert any("never apply" in warning for warning in body["warnings"])
    listed = client.get("/api/promotions/", headers=world.headers("manager")).json["results"][0]
    assert listed["warnings"] == body["warnings"]


def test_fields_another_type_uses_are_ignored_with_a_warning(client, world):
    body = created(client, world, percentage(discount_amount="5000.00", bundle_price="1.00"))
    assert (body["discount_amount"], body["bundle_price"]) == ("0.00", None)
    assert any(w.startswith("discount_amount does not apply") for w in body["warnings"])
    assert any(w.startswith("bundle_price does not apply") for w in body["warnings"])


# --- codes -----------------------------------------------------------------------------

def test_a_code_is_unique_in_the_tenant_whatever_its_case(client, world):
    created(client, world, percentage(code="WEEKEND30"))
    response = create(client, world, percentage(name="Copy", code=" Weekend30 "))
    assert error(response) == (409, "CODE_TAKEN", "code")


def test_another_tenant_may_use_the_same_code(client, world):
    created(client, world, percentage())
    assert create(client, world, percentage(), tenant="b").status_code == 201


def test_renaming_a_code_onto_a_taken_one_is_a_conflict(client, world):
    created(client, world, percentage())
    other = created(client, world, percentage(name="Other", code="OTHER"))
    response = client.patch(f"/api/promotions/{other['id']}/", json={"code": "weekend30"},
                            headers=world.headers("manager"))
    assert error(response) == (409, "CODE_TAKEN", "code")


def test_a_promotion_keeps_its_own_code_on_update(client, world):
    promo = created(client, world, percentage())
    response = client.patch(f"/api/promotions/{promo['id']}/", json={"code": "weekend30", "name": "Renamed"},
                            headers=world.headers("manager"))
    assert response.status_code == 200
    assert (response.json["code"], response.json["name"]) == ("WEEKEND30", "Renamed")


def test_an_empty_code_removes_it(client, world):
    promo = created(client, world, percentage(auto_apply=True))
    response = client.patch(f"/api/promotions/{promo['id']}/", json={"code": ""}, headers=world.headers("manager"))
    assert (response.json["code"], response.json["requires_code"]) == (None, False)


# --- updating --------------------------------------------------------------------------

def _version(app, promotion_id):
    with app.app_context():
        return db.session.get(Promotion, promotion_id).sync_version


def _product_rows(app, promotion_id):
    with app.app_context():
        rows = db.session.query(PromotionProduct).filter_by(promotion_id=promotion_id).all()
        return sorted((row.product_id, row.role, row.quantity) for row in rows)


def test_a_products_list_replaces_the_products_and_bumps_the_sync_version(app, client, world, menu):
    promo = created(client, world, percentage(products=[{"product_id": menu["pizza"]}, {"product_id": menu["cola"]}]))
    before = _version(app, promo["id"])
    response = client.patch(f"/api/promotions/{promo['id']}/", headers=world.headers("manager"), json={
        "products": [{"product_id": menu["cola"], "role": "get"}, {"product_id": menu["tiramisu"]}]})
    assert response.status_code == 200
    assert _product_rows(app, promo["id"]) == sorted([(menu["cola"], "get", 1), (menu["tiramisu"], "both", 1)])
    assert _version(app, promo["id"]) > before


def test_an_empty_products_list_clears_them(app, client, world, menu):
    promo = created(client, world, percentage(products=[{"product_id": menu["pizza"]}]))
    response = client.patch(f"/api/promotions/{promo['id']}/", json={"products": []}, headers=world.headers("manager"))
    assert response.json["products"] == []
    assert _product_rows(app, promo["id"]) == []


def test_an_update_is_checked_against_the_whole_promotion(client, world, menu):
    promo = created(client, world, percentage())
    headers = world.headers("manager")
    response = client.patch(f"/api/promotions/{promo['id']}/", json={"promo_type": "fixed_amount"}, headers=headers)
    assert error(response) == (400, "INVALID_DISCOUNT_AMOUNT", "discount_amount")
    response = client.patch(f"/api/promotions/{promo['id']}/", json={"start_time": "10:00"}, headers=headers)
    assert error(response) == (400, "INVALID_TIME_WINDOW", "end_time")
    unchanged = client.get(f"/api/promotions/{promo['id']}/", headers=headers).json
    assert (unchanged["promo_type"], unchanged["start_time"]) == ("percentage", None)


def test_changing_the_type_resets_what_only_the_old_type_used(client, world):
    promo = created(client, world, percentage(max_discount="50000.00"))
    response = client.patch(f"/api/promotions/{promo['id']}/", headers=world.headers("manager"),
                            json={"promo_type": "fixed_amount", "discount_amount": "10000.00"})
    assert response.status_code == 200
    assert (response.json["discount_percent"], response.json["max_discount"]) == ("0.00", "50000.00")


def test_a_bundle_price_change_is_checked_against_the_kept_products(client, world, menu):
    promo = created(client, world, {"name": "Combo", "promo_type": "bundle", "bundle_price": "115000.00",
                                    "auto_apply": True,
                                    "products": [{"product_id": menu["pizza"]}, {"product_id": menu["tiramisu"]}]})
    response = client.patch(f"/api/promotions/{promo['id']}/", json={"bundle_price": "135000.00"},
                            headers=world.headers("manager"))
    assert error(response) == (400, "BUNDLE_NOT_CHEAPER", "bundle_price")


@pytest.mark.parametrize("field, value", [("usage_count", 0), ("is_active", True), ("id", 5), ("tenant_id", 2),
                                          ("created_at", "2026-01-01T00:00:00Z"), ("requires_code", False)])
def test_patch_cannot_change_computed_fields_or_the_tenant(client, world, field, value):
    promo = created(client, world, percentage())
    response = client.patch(f"/api/promotions/{promo['id']}/", json={field: value}, headers=world.headers("manager"))
    assert response.status_code == 400
    assert response.json["field"] == field
    assert "Unknown field" in response.json["message"]


# --- activation and deletion -----------------------------------------------------------

def test_activate_switches_a_promotion_on_and_is_idempotent(client, world):
    promo = created(client, world, percentage())
    assert activate(client, world, promo["id"])["is_active"] is True
    assert activate(client, world, promo["id"])["is_active"] is True


def test_deactivate_switches_it_off(client, world):
    promo = created(client, world, percentage())
    activate(client, world, promo["id"])
    response = client.post(f"/api/promotions/{promo['id']}/deactivate/", headers=world.headers("manager"))
    assert (response.status_code, response.json["is_active"]) == (200, False)


def test_an_ended_promotion_cannot_be_activated(client, world):
    now = utcnow()
    promo = created(client, world, percentage(start_at=isoformat(now - timedelta(days=10)),
                                              end_at=isoformat(now - timedelta(days=1))))
    assert any("ended" in warning for warning in promo["warnings"])
    response = client.post(f"/api/promotions/{promo['id']}/activate/", headers=world.headers("manager"))
    assert (response.status_code, response.json["code"]) == (409, "PROMOTION_EXPIRED")


def test_an_unused_promotion_is_deleted_and_outlets_get_a_tombstone(app, client, world):
    promo = created(client, world, percentage())
    response = client.delete(f"/api/promotions/{promo['id']}/", headers=world.headers("manager"))
    assert response.status_code == 204
    assert client.get(f"/api/promotions/{promo['id']}/", headers=world.headers("manager")).status_code == 404
    with app.app_context():
        assert db.session.query(Tombstone).filter_by(entity="promotion", entity_id=promo["id"]).count() == 1


def test_a_promotions_allowances_go_with_it(app, client, world):
    promo = created(client, world, percentage(usage_limit=100))
    with app.app_context():
        db.session.add(PromotionAllowance(tenant_id=world.a.tenant_id, promotion_id=promo["id"],
                                          outlet_id=world.a.outlet_id, granted=10, used=0))
        db.session.commit()
    assert client.delete(f"/api/promotions/{promo['id']}/", headers=world.headers("manager")).status_code == 204
    with app.app_context():
        assert db.session.query(PromotionAllowance).count() == 0
        assert db.session.query(Tombstone).filter_by(entity="promotion_allowance").count() == 1


def test_a_used_promotion_cannot_be_deleted(app, client, world):
    promo = created(client, world, percentage())
    with app.app_context():
        db.session.add(PromotionUsage(tenant_id=world.a.tenant_id, promotion_id=promo["id"],
                                      outlet_id=world.a.outlet_id, order_uuid="9b1f3c0e-8a4d-4c4e-9f0a-3e2d1c0b9a87",
                                      discount_amount=2_850_000, used_at=datetime(2026, 11, 20, 12, 0)))
        db.session.commit()
    response = client.delete(f"/api/promotions/{promo['id']}/", headers=world.headers("manager"))
    assert (response.status_code, response.json["code"]) == (409, "PROMOTION_USED")
    assert "deactivate" in response.json["message"]


# --- what is running now ---------------------------------------------------------------

def _active_names(client, query="", headers=None):
    response = client.get(f"/api/promotions/active/{query}", headers=headers or {})
    assert response.status_code == 200, response.json
    return [p["name"] for p in response.json["results"]]


def test_active_lists_only_activated_promotions_anonymously_by_tenant_id(client, world):
    on = created(client, world, percentage(name="On"))
    created(client, world, percentage(name="Off", code="OFF"))
    activate(client, world, on["id"])
    assert _active_names(client, f"?tenant_id={world.a.tenant_id}") == ["On"]


def test_active_takes_the_tenant_from_the_header_when_anonymous(client, world):
    activate(client, world, created(client, world, percentage(name="On"))["id"])
    assert _active_names(client, headers={"X-Tenant-ID": str(world.a.tenant_id)}) == ["On"]
    assert _active_names(client, headers={"X-Tenant-ID": str(world.b.tenant_id)}) == []


def test_active_without_a_tenant_is_refused_for_anonymous_callers(client, world):
    response = client.get("/api/promotions/active/")
    assert error(response) == (400, "TENANT_REQUIRED", "tenant_id")


def test_active_hides_codes_from_anonymous_callers(client, world):
    activate(client, world, created(client, world, percentage())["id"])
    public = client.get(f"/api/promotions/active/?tenant_id={world.a.tenant_id}").json["results"][0]
    assert (public["code"], public["requires_code"], public["usage_count"]) == (None, True, None)


def test_active_uses_the_callers_own_tenant_and_shows_codes_to_staff(client, world):
    activate(client, world, created(client, world, percentage())["id"])
    staff = client.get(f"/api/promotions/active/?tenant_id={world.b.tenant_id}",
                       headers=world.headers("cashier")).json["results"]
    assert [p["code"] for p in staff] == ["WEEKEND30"]


def test_active_respects_start_inclusive_and_end_exclusive(client, world):
    now = utcnow().replace(microsecond=0)
    start, end = now - timedelta(days=1), now + timedelta(days=1)
    promo = created(client, world, percentage(start_at=isoformat(start), end_at=isoformat(end)))
    activate(client, world, promo["id"])
    query = f"?tenant_id={world.a.tenant_id}&at="
    assert _active_names(client, query + isoformat(start - timedelta(seconds=1))) == []
    assert _active_names(client, query + isoformat(start)) == ["Weekend Flash Sale"]
    assert _active_names(client, query + isoformat(end - timedelta(seconds=1))) == ["Weekend Flash Sale"]
    assert _active_names(client, query + isoformat(end)) == []
    assert _active_names(client, f"?tenant_id={world.a.tenant_id}") == ["Weekend Flash Sale"]


def test_active_filters_by_outlet(client, world):
    activate(client, world, created(client, world, percentage(name="Everywhere", code="ALL"))["id"])
    activate(client, world, created(client, world, percentage(name="Only Two", code="TWO",
                                                               outlet_ids=[world.a.other_outlet_id]))["id"])
    base = f"?tenant_id={world.a.tenant_id}"
    assert sorted(_active_names(client, base)) == ["Everywhere", "Only Two"]
    assert _active_names(client, f"{base}&outlet_id={world.a.outlet_id}") == ["Everywhere"]
    assert sorted(_active_names(client, f"{base}&outlet_id={world.a.other_outlet_id}")) == ["Everywhere", "Only Two"]


def test_active_refuses_an_outlet_of_another_tenant(client, world):
    response = client.get(f"/api/promotions/active/?tenant_id={world.a.tenant_id}&outlet_id={world.b.outlet_id}")
    assert error(response) == (400, "INVALID_OUTLET", "outlet_id")


@pytest.mark.parametrize("at, running", [(FRIDAY_2230_WIB, True), (SATURDAY_0130_WIB, True),
                                         (SATURDAY_2230_WIB, False), (FRIDAY_1900_WIB, False)])
def test_active_at_an_outlet_checks_day_and_time_in_its_local_time(client, world, at, running):
    promo = created(client, world, percentage(name="Friday Night", days_of_week=[4], start_time="22:00",
                                              end_time="02:00"))
    activate(client, world, promo["id"])
    names = _active_names(client, f"?tenant_id={world.a.tenant_id}&outlet_id={world.a.outlet_id}&at={at}")
    assert names == (["Friday Night"] if running else [])


def test_active_leaves_out_a_promotion_that_reached_its_usage_limit(app, client, world):
    promo = created(client, world, percentage(usage_limit=2))
    activate(client, world, promo["id"])
    with app.app_context():
        db.session.get(Promotion, promo["id"]).usage_count = 2
        db.session.commit()
    assert _active_names(client, f"?tenant_id={world.a.tenant_id}") == []


def test_active_lists_the_highest_priority_first(client, world):
    for name, priority in (("Low", 1), ("High", 9), ("Mid", 5)):
        activate(client, world, created(client, world, percentage(name=name, code=name + "X", priority=priority))["id"])
    assert _active_names(client, f"?tenant_id={world.a.tenant_id}") == ["High", "Mid", "Low"]


# --- lists, roles and tenants ----------------------------------------------------------

def test_list_filters_and_searches(client, world):
    created(client, world, percentage())
    created(client, world, {"name": "Big order", "promo_type": "fixed_amount", "discount_amount": "20000.00",
                            "auto_apply": True})
    headers = world.headers("manager")

    def names(query):
        return [p["name"] for p in client.get(f"/api/promotions/?{query}", headers=headers).json["results"]]

    assert names("promo_type=fixed_amount") == ["Big order"]
    assert names("auto_apply=false") == ["Weekend Flash Sale"]
    assert names("search=weekend30") == ["Weekend Flash Sale"]
    assert names("is_active=true") == []
    assert names("ordering=name") == ["Big order", "Weekend Flash Sale"]


def test_cashier_cannot_create_promotions(client, world):
    assert create(client, world, percentage(), role="cashier").status_code == 403


def test_cashier_cannot_list_promotions(client, world):
    assert client.get("/api/promotions/", headers=world.headers("cashier")).status_code == 403


def test_kitchen_cannot_activate_promotions(client, world):
    promo = created(client, world, percentage())
    response = client.post(f"/api/promotions/{promo['id']}/activate/", headers=world.headers("kitchen"))
    assert response.status_code == 403


def test_anonymous_callers_cannot_create_promotions(client, world):
    assert client.post("/api/promotions/", json=percentage()).status_code == 401


def test_super_admin_creates_for_the_tenant_in_the_header(client, world):
    body = created(client, world, percentage(), role="super_admin", tenant="b")
    assert body["tenant_id"] == world.b.tenant_id


@pytest.mark.parametrize("method, suffix", [("get", ""), ("patch", ""), ("delete", ""), ("post", "activate/"),
                                            ("post", "deactivate/")])
def test_another_tenants_promotion_is_not_found(client, world, method, suffix):
    promo = created(client, world, percentage())
    kwargs = {"json": {"name": "Hijack"}} if method == "patch" else {}
    response = getattr(client, method)(f"/api/promotions/{promo['id']}/{suffix}",
                                       headers=world.headers("manager", "b"), **kwargs)
    assert response.status_code == 404


def test_repeating_a_create_with_its_idempotency_key_returns_the_first_promotion(client, world):
    headers = {**world.headers("manager"), "Idempotency-Key": "3c8e7b52-6f0e-4f5b-8a0e-1d2c3b4a5f60"}
    first = client.post("/api/promotions/", json=percentage(), headers=headers)
    again = client.post("/api/promotions/", json=percentage(), headers=headers)
    assert (again.status_code, again.json["id"]) == (201, first.json["id"])


def test_an_outlet_bound_manager_runs_promotions_at_their_outlet_only(app, client, world):
    from cloud.extensions import db
    from cloud.models import User

    with app.app_context():
        db.session.get(User, world.a.users["manager"]).outlet_id = world.a.outlet_id
        db.session.commit()
    local = client.post("/api/promotions/", headers=world.headers("manager"), json={
        "name": "Our outlet only", "promo_type": "fixed_amount", "discount_amount": "5000.00", "auto_apply": True})
    assert local.status_code == 201 and local.json["outlet_ids"] == [world.a.outlet_id]
    wide = client.post("/api/promotions/", headers=world.headers("tenant_owner"), json={
        "name": "Everywhere", "promo_type": "fixed_amount", "discount_amount": "5000.00", "auto_apply": True})
    refused = client.patch(f"/api/promotions/{wide.json['id']}/", headers=world.headers("manager"),
                           json={"discount_amount": "9000.00"})
    assert refused.status_code == 403 and refused.json["code"] == "PROMOTION_OUT_OF_SCOPE"
    other = client.post("/api/promotions/", headers=world.headers("manager"), json={
        "name": "Theirs", "promo_type": "fixed_amount", "discount_amount": "5000.00",
        "outlet_ids": [world.a.other_outlet_id]})
    assert other.status_code == 403
