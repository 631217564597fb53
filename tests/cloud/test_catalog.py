"""The catalog: categories, products with modifier groups, per-outlet prices, the approval
workflow, and CSV/Excel import and export."""
import io

import pytest
from openpyxl import load_workbook

from cloud.extensions import db
from cloud.models import Product


def product_body(world, **fields):
    return {"sku": "NEW-1", "name": "Calzone", "category_id": world.a.category_id, "price": "70000.00", **fields}


def test_an_owners_product_is_approved_and_published_at_once(client, world):
    response = client.post("/api/products/", json=product_body(world), headers=world.headers("tenant_owner"))
    assert response.status_code == 201
    assert response.json["status"] == "approved" and response.json["is_published"] is True
    assert response.json["price"] == "70000.00"


def test_a_managers_new_product_waits_for_the_owner(client, world):
    created = client.post("/api/products/", json=product_body(world), headers=world.headers("manager")).json
    assert created["status"] == "pending_approval" and created["is_published"] is False
    cashier_view = client.get("/api/products/?search=Calzone", headers=world.headers("cashier")).json
    assert cashier_view["count"] == 0  # not published: outlets and staff do not see it
    assert client.post(f"/api/products/{created['id']}/approve/", json={},
                       headers=world.headers("manager")).status_code == 403
    approved = client.post(f"/api/products/{created['id']}/approve/", json={"note": "ok"},
                           headers=world.headers("tenant_owner")).json
    assert approved["status"] == "approved" and approved["is_published"] is True


def test_a_managers_price_change_keeps_the_approved_price_until_approval(client, world):
    pid = world.a.product_id
    changed = client.patch(f"/api/products/{pid}/", json={"price": "99000.00"}, headers=world.headers("manager")).json
    assert changed["price"] == "95000.00"
    assert changed["pending_changes"] == {"price": "99000.00"} and changed["status"] == "pending_approval"
    approved = client.post(f"/api/products/{pid}/approve/", json={}, headers=world.headers("tenant_owner")).json
    assert approved["price"] == "99000.00" and approved["pending_changes"] == {}


def test_a_rejected_price_change_is_discarded(client, world):
    pid = world.a.product_id
    client.patch(f"/api/products/{pid}/", json={"price": "99000.00"}, headers=world.headers("manager"))
    rejected = client.post(f"/api/products/{pid}/reject/", json={"note": "too dear"},
                           headers=world.headers("tenant_owner")).json
    assert rejected["price"] == "95000.00" and rejected["pending_changes"] == {}
    assert rejected["status"] == "approved"  # what outlets sell is still the approved product
    assert rejected["review_note"] == "Change rejected: too dear"
    again = client.post(f"/api/products/{pid}/approve/", json={}, headers=world.headers("tenant_owner"))
    assert again.status_code == 409 and again.json["code"] == "NOT_PENDING"


def test_prices_must_be_positive_and_skus_unique(client, world):
    negative = client.post("/api/products/", json=product_body(world, price="-1.00"),
                           headers=world.headers("tenant_owner"))
    assert negative.status_code == 400
    assert negative.json["message"] == "Product price must be positive" and negative.json["field"] == "price"
    client.post("/api/products/", json=product_body(world), headers=world.headers("tenant_owner"))
    again = client.post("/api/products/", json=product_body(world), headers=world.headers("tenant_owner"))
    assert again.status_code == 409 and again.json["code"] == "SKU_TAKEN"


def test_the_same_sku_may_exist_in_another_tenant(client, world):
    body = product_body(world, sku="BB-PZ")  # tenant b's product's SKU
    assert client.post("/api/products/", json=body, headers=world.headers("tenant_owner")).status_code == 201


def test_money_as_a_float_or_with_three_decimals_is_refused(client, world):
    for price in ("12.345", "abc", True):
        response = client.post("/api/products/", json=product_body(world, price=price),
                               headers=world.headers("tenant_owner"))
        assert response.status_code == 400 and response.json["field"] == "price"


def test_modifier_groups_enforce_their_rules(client, world):
    pid = world.a.product_id
    bad = client.post(f"/api/products/{pid}/modifiers/", headers=world.headers("manager"), json={
        "name": "Toppings", "min_choices": 3, "max_choices": 2, "modifiers": [{"name": "A", "price": "1000.00"}]})
    assert bad.status_code == 400 and bad.json["code"] == "INVALID_MIN_CHOICES"
    good = client.post(f"/api/products/{pid}/modifiers/", headers=world.headers("manager"), json={
        "name": "Toppings", "type": "topping", "max_choices": 2,
        "modifiers": [{"name": "Olives", "price": "5000.00"}, {"name": "Basil", "price": "0"}]})
    assert good.status_code == 201 and [m["price"] for m in good.json["modifiers"]] == ["5000.00", "0.00"]
    groups = client.get(f"/api/products/{pid}/modifiers/", headers=world.headers("cashier")).json
    assert set(groups) == {"count", "next", "previous", "results"} and groups["count"] == 2  # CONTRACT's list
    assert [g["name"] for g in groups["results"]] == ["Size", "Toppings"]


def test_updating_a_group_keeps_the_ids_of_modifiers_it_keeps(client, world):
    pid = world.a.product_id
    group = client.get(f"/api/products/{pid}/modifiers/", headers=world.headers("manager")).json["results"][0]
    large = next(m for m in group["modifiers"] if m["name"] == "Large")
    updated = client.patch(f"/api/products/{pid}/modifiers/{group['id']}/", headers=world.headers("manager"),
                           json={"modifiers": [{"id": large["id"], "name": "Large", "price": "20000.00"},
                                               {"name": "Family", "price": "40000.00"}]}).json
    assert updated["modifiers"][0]["id"] == large["id"] and updated["modifiers"][0]["price"] == "20000.00"
    assert [m["name"] for m in updated["modifiers"]] == ["Large", "Family"]


def test_an_outlet_price_override_and_availability(client, world):
    outlet, pid = world.a.outlet_id, world.a.product_id
    set_ = client.post(f"/api/outlets/{outlet}/products/", headers=world.headers("tenant_owner"),
                       json={"product_id": pid, "price": "90000.00", "is_available": False}).json
    assert set_["price"] == "90000.00" and set_["base_price"] == "95000.00" and set_["is_available"] is False
    listed = client.get(f"/api/outlets/{outlet}/products/", headers=world.headers("manager")).json["results"]
    assert next(r for r in listed if r["product_id"] == pid)["price"] == "90000.00"
    cleared = client.delete(f"/api/outlets/{outlet}/products/{pid}/", headers=world.headers("tenant_owner"))
    assert cleared.status_code == 204


def test_a_managers_outlet_price_waits_for_approval(client, world):
    outlet, pid = world.a.outlet_id, world.a.product_id
    row = client.post(f"/api/outlets/{outlet}/products/", headers=world.headers("manager"),
                      json={"product_id": pid, "price": "80000.00"}).json
    assert row["price"] == "95000.00" and row["pending_price"] == "80000.00"
    client.post(f"/api/products/{pid}/approve/", json={}, headers=world.headers("tenant_owner"))
    after = client.get(f"/api/outlets/{outlet}/products/", headers=world.headers("manager")).json["results"]
    assert next(r for r in after if r["product_id"] == pid)["price"] == "80000.00"


def test_anonymous_menu_reads_need_a_tenant_and_show_only_published_products(client, world):
    client.post("/api/products/", json=product_body(world), headers=world.headers("manager"))  # pending
    assert client.get("/api/products/").json["code"] == "TENANT_REQUIRED"
    menu = client.get(f"/api/products/?tenant_id={world.a.tenant_id}").json
    assert [p["sku"] for p in menu["results"]] == ["AA-PZ"]


def test_lists_search_order_and_paginate(client, world):
    headers = world.headers("tenant_owner")
    for index in range(25):
        client.post("/api/products/", json=product_body(world, sku=f"S{index:02d}", name=f"Item {index:02d}",
                                                       price=f"{1000 + index}.00"), headers=headers)
    first = client.get("/api/products/?search=item&ordering=-price&page_size=10", headers=headers).json
    assert first["count"] == 25 and len(first["results"]) == 10
    assert first["results"][0]["name"] == "Item 24" and first["next"].endswith("page=2")
    assert first["previous"] is None
    bad = client.get("/api/products/?ordering=password", headers=headers)
    assert bad.status_code == 400 and bad.json["code"] == "INVALID_ORDERING"


def test_an_ordering_takes_each_column_once_and_no_more_keys_than_columns(client, world):
    headers = world.headers("tenant_owner")
    every_column = client.get("/api/products/?ordering=name,-price,sku,created_at,-sort_order", headers=headers)
    assert every_column.status_code == 200
    one_key_too_many = client.get("/api/products/?ordering=" + ",".join(["name"] * 6), headers=headers)
    assert (one_key_too_many.status_code, one_key_too_many.json["code"]) == (400, "INVALID_ORDERING")


def test_csv_export_then_import_round_trips(client, world):
    headers = world.headers("tenant_owner")
    exported = client.get("/api/products/export/?format=csv", headers=headers)
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True)
    assert text.splitlines()[0].startswith("sku,name,category,price")
    changed = text.replace("95000.00", "97000.00") + "NEW-9,Garlic Bread,Sides,25000.00,,,,true,false\n"
    result = client.post("/api/products/import/", headers=headers,
                         data={"file": (io.BytesIO(changed.encode()), "products.csv")},
                         content_type="multipart/form-data").json
    assert result == {"created": 1, "updated": 1, "unchanged": 0, "pending_approval": 0}
    prices = {p["sku"]: p["price"] for p in client.get("/api/products/", headers=headers).json["results"]}
    assert prices == {"AA-PZ": "97000.00", "NEW-9": "25000.00"}


def test_an_import_with_a_bad_row_changes_nothing(app, client, world):
    headers = world.headers("tenant_owner")
    csv = "sku,name,category,price\nOK-1,Fine,Pizza,1000.00\nBAD-1,Broken,Pizza,ten\n"
    response = client.post("/api/products/import/", headers=headers,
                           data={"file": (io.BytesIO(csv.encode()), "p.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400 and response.json["code"] == "INVALID_ROWS"
    assert response.json["rows"][0]["line"] == 3
    with app.app_context():
        assert db.session.query(Product).filter_by(sku="OK-1").count() == 0


def test_a_managers_import_leaves_new_products_pending(client, world):
    csv = "sku,name,category,price\nM-1,Manager Pick,Pizza,1000.00\n"
    result = client.post("/api/products/import/", headers=world.headers("manager"),
                         data={"file": (io.BytesIO(csv.encode()), "p.csv")}, content_type="multipart/form-data").json
    assert result["created"] == 1 and result["pending_approval"] == 1


def test_excel_export_has_a_row_per_product(client, world):
    exported = client.get("/api/products/export/?format=xlsx", headers=world.headers("manager"))
    sheet = load_workbook(io.BytesIO(exported.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("sku", "name", "category", "price") and rows[1][0] == "AA-PZ"


def test_a_category_with_products_cannot_be_deleted(client, world):
    response = client.delete(f"/api/categories/{world.a.category_id}/", headers=world.headers("manager"))
    assert response.status_code == 409 and response.json["code"] == "CATEGORY_IN_USE"


def test_idempotency_key_replays_a_create_and_refuses_another_body(client, world):
    headers = {**world.headers("tenant_owner"), "Idempotency-Key": "abc-1"}
    first = client.post("/api/products/", json=product_body(world), headers=headers)
    again = client.post("/api/products/", json=product_body(world), headers=headers)
    assert first.status_code == again.status_code == 201 and again.json == first.json
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = client.post("/api/products/", json=product_body(world, sku="X-2"), headers=headers)
    assert other.status_code == 422 and other.json["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_a_rejected_new_product_stays_unpublished(client, world):
    created = client.post("/api/products/", json=product_body(world), headers=world.headers("manager")).json
    rejected = client.post(f"/api/products/{created['id']}/reject/", json={"note": "no"},
                           headers=world.headers("tenant_owner")).json
    assert rejected["status"] == "rejected" and rejected["is_published"] is False


def test_a_product_a_promotion_lists_cannot_be_deleted(client, world):
    headers = world.headers("manager")
    created = client.post("/api/promotions/", headers=headers, json={
        "name": "Pizza deal", "promo_type": "percentage", "discount_percent": "10.00", "auto_apply": True,
        "products": [{"product_id": world.a.product_id, "role": "both"}]})
    assert created.status_code == 201, created.json
    response = client.delete(f"/api/products/{world.a.product_id}/", headers=headers)
    assert response.status_code == 409 and response.json["code"] == "PRODUCT_IN_USE"


@pytest.mark.parametrize("path", ["/api/products/{}/", "/api/customers/{}/", "/api/orders/{}/", "/api/promotions/{}/",
                                  "/api/users/{}/"])
def test_an_id_past_the_integer_columns_in_a_path_is_404(client, world, path):
    for number in (2**31, 2**63, 10**30):
        response = client.get(path.format(number), headers=world.headers("tenant_owner"))
        assert response.status_code == 404 and response.json["code"] == "NOT_FOUND", (number, response.json)
