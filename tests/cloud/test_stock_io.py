"""Stock items and recipes in and out as CSV and Excel, on SQLite and PostgreSQL: an export
imports back unchanged, a file with a bad row writes nothing and names the rows by line,
exports are in the audit trail, and each tenant only ever sees and touches its own."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from cloud.extensions import db
from cloud.models import Product

pytestmark = pytest.mark.postgres


def _items(client, world, tenant="a"):
    headers = world.headers("manager", tenant)
    for body in ({"name": "Dough", "unit": "g", "cost": "10.00", "purchase_units": [{"name": "sack",
                                                                                    "multiple": 25000}]},
                 {"name": "=HYPERLINK(\"http://x\",\"y\")", "unit": "pcs", "cost": "0.50", "is_active": False}):
        assert client.post("/api/stock-items/", json=body, headers=headers).status_code == 201


def _export(client, headers, what, fmt="csv"):
    response = client.get(f"/api/{what}/export/", query_string={"format": fmt}, headers=headers)
    assert response.status_code == 200, response.data[:300]
    return response.data


def _import(client, headers, what, body: bytes, name="file.csv"):
    return client.post(f"/api/{what}/import/", data={"file": (io.BytesIO(body), name)}, headers=headers,
                       content_type="multipart/form-data")


def _csv(text: str) -> bytes:
    return text.encode()


def _listed(client, world, tenant="a"):
    rows = client.get("/api/stock-items/", headers=world.headers("manager", tenant)).json["results"]
    return sorted((r["name"], r["unit"], r["cost"], tuple((u["name"], u["multiple"]) for u in r["purchase_units"]),
                   r["is_active"]) for r in rows)


def _recipes(app, client, world):
    """Margherita (tenant a): 200 g dough of its own, 100 g more with its Large size."""
    with app.app_context():
        pizza = db.session.get(Product, world.a.product_id)
        large = next(m.id for m in pizza.modifier_groups[0].modifiers if m.name == "Large")
    items = {r["name"]: r["id"] for r in client.get("/api/stock-items/", headers=world.headers("manager")).json[
        "results"]}
    for body in ({"product_id": world.a.product_id, "stock_item_id": items["Dough"], "quantity": 200},
                 {"modifier_id": large, "stock_item_id": items["Dough"], "quantity": 100}):
        assert client.post("/api/recipes/", json=body, headers=world.headers("manager")).status_code == 201
    return large


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_stock_item_export_imports_back_unchanged(client, world, fmt):
    _items(client, world)
    before = _listed(client, world)
    body = _export(client, world.headers("manager"), "stock-items", fmt)
    answer = _import(client, world.headers("manager"), "stock-items", body, f"stock-items.{fmt}")
    assert answer.status_code == 200, answer.json
    assert answer.json == {"created": 0, "updated": 0, "unchanged": 2}
    assert _listed(client, world) == before


def test_the_stock_item_csv_holds_units_costs_and_purchase_units_with_formulas_neutralised(client, world):
    _items(client, world)
    rows = list(csv.reader(io.StringIO(_export(client, world.headers("manager"), "stock-items").decode())))
    assert rows == [["name", "unit", "cost", "purchase_units", "is_active"],
                    ["'=HYPERLINK(\"http://x\",\"y\")", "pcs", "0.50", "", "false"],
                    ["Dough", "g", "10.00", "sack=25000", "true"]]


def test_importing_stock_items_creates_new_ones_and_changes_the_named_ones(client, world):
    _items(client, world)
    answer = _import(client, world.headers("stockkeeper"), "stock-items", _csv(
        "name,unit,cost,purchase_units\nDough,g,12.00,sack=25000; bag=1000\nMilk,ml,0.03,\n"))
    assert answer.status_code == 200, answer.json
    assert (answer.json["created"], answer.json["updated"]) == (1, 1)
    listed = {row[0]: row for row in _listed(client, world)}
    assert listed["Dough"][2:4] == ("12.00", (("sack", 25000), ("bag", 1000)))
    assert listed["Milk"][1:3] == ("ml", "0.03")


def test_a_file_with_bad_stock_item_rows_writes_nothing_and_names_each_row_by_line(client, world):
    _items(client, world)
    before = _listed(client, world)
    answer = _import(client, world.headers("manager"), "stock-items", _csv(
        "name,unit,cost\nSugar,g,1.00\nDough,ml,10.00\nSalt,kg,1.00\nPepper,g,1.001\nSugar,g,2.00\n"))
    assert answer.status_code == 400
    assert (answer.json["error"], answer.json["code"], answer.json["field"]) == (
        "ValidationError", "INVALID_ROWS", "file") and answer.json["message"]
    assert [(row["line"], row["name"]) for row in answer.json["rows"]] == [
        (3, "Dough"), (4, "Salt"), (5, "Pepper"), (6, "Sugar")]
    assert "unit cannot change" in answer.json["rows"][0]["message"]
    assert _listed(client, world) == before  # not even line 2's Sugar


def test_an_upload_that_is_neither_csv_nor_excel_is_refused(client, world):
    garbage = _import(client, world.headers("manager"), "stock-items", b"PK\x03\x04not really a zip", "x.xlsx")
    headerless = _import(client, world.headers("manager"), "stock-items", _csv("just,some,cells\n"))
    assert (garbage.status_code, garbage.json["code"]) == (400, "INVALID_FILE")
    assert (headerless.status_code, headerless.json["code"], headerless.json["field"]) == (400, "INVALID_FILE", "file")


def test_an_excel_file_typed_by_hand_with_number_cells_imports(client, world):
    book = Workbook()
    book.active.append(["name", "unit", "cost", "purchase_units", "is_active"])
    book.active.append(["Flour", "g", 2.5, "sack=25000", True])
    book.active.append(["Eggs", "pcs", 3, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    answer = _import(client, world.headers("manager"), "stock-items", buffer.getvalue(), "typed.xlsx")
    assert answer.status_code == 200, answer.json
    listed = {row[0]: row for row in _listed(client, world)}
    assert (listed["Flour"][2], listed["Eggs"][2], listed["Eggs"][4]) == ("2.50", "3.00", True)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_recipe_export_imports_back_unchanged(app, client, world, fmt):
    _items(client, world)
    _recipes(app, client, world)
    body = _export(client, world.headers("manager"), "recipes", fmt)
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(body)).active
        assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
            ["product_sku", "modifier_group", "modifier", "stock_item", "quantity"],
            ["AA-PZ", None, None, "Dough", "200"], ["AA-PZ", "Size", "Large", "Dough", "100"]]
    answer = _import(client, world.headers("manager"), "recipes", body, f"recipes.{fmt}")
    assert answer.status_code == 200, answer.json
    assert answer.json == {"created": 0, "updated": 0, "unchanged": 2}


def test_importing_recipes_names_products_and_modifiers_by_sku_group_and_name(app, client, world):
    _items(client, world)
    large = _recipes(app, client, world)
    answer = _import(client, world.headers("manager"), "recipes", _csv(
        "product_sku,modifier_group,modifier,stock_item,quantity\nAA-PZ,,,Dough,250\nAA-PZ,Size,Regular,Dough,10\n"
        "AA-PZ,Size,Large,Dough,100\n"))
    assert answer.status_code == 200, answer.json
    assert answer.json == {"created": 1, "updated": 1, "unchanged": 1}
    recipes = client.get("/api/recipes/", headers=world.headers("manager")).json["results"]
    assert sorted((r["product_id"], r["modifier_id"] == large, r["quantity"]) for r in recipes
                  if r["product_id"]) == [(world.a.product_id, False, 250)]


def test_a_file_with_bad_recipe_rows_writes_nothing_and_names_each_row_by_line(app, client, world):
    _items(client, world)
    _recipes(app, client, world)
    answer = _import(client, world.headers("manager"), "recipes", _csv(
        "product_sku,modifier_group,modifier,stock_item,quantity\nAA-PZ,,,Dough,999\nBB-PZ,,,Dough,1\n"
        "AA-PZ,Size,Huge,Dough,1\nAA-PZ,,,Butter,1\nAA-PZ,Size,Large,Dough,1.5\nAA-PZ,,,Dough,0\n"))
    assert answer.status_code == 400 and answer.json["code"] == "INVALID_ROWS"
    assert [row["line"] for row in answer.json["rows"]] == [3, 4, 5, 6, 7]
    assert "BB-PZ" in answer.json["rows"][0]["message"]  # another tenant's SKU is no product here
    quantities = sorted(r["quantity"] for r in client.get("/api/recipes/", headers=world.headers("manager")).json[
        "results"])
    assert quantities == [100, 200]  # line 2's 999 was not written either


def test_exports_are_recorded_in_the_audit_trail_with_their_format(client, world):
    _export(client, world.headers("stockkeeper"), "stock-items", "xlsx")
    _export(client, world.headers("manager"), "recipes")
    trail = client.get("/api/audit/", query_string={"action": "export"}, headers=world.headers("tenant_owner")).json
    assert sorted((e["object_type"], e["actor"]["role"], e["after"]["format"]) for e in trail["results"]) == [
        ("recipes", "manager", "csv"), ("stock_items", "stockkeeper", "xlsx")]


def test_another_tenants_stock_items_are_neither_exported_nor_changed(client, world):
    _items(client, world)
    theirs = _export(client, world.headers("manager", "b"), "stock-items").decode()
    assert "Dough" not in theirs
    answer = _import(client, world.headers("manager", "b"), "stock-items", _csv("name,unit,cost\nDough,g,99.00\n"))
    assert answer.json["created"] == 1
    assert dict((r[0], r[2]) for r in _listed(client, world))["Dough"] == "10.00"


@pytest.mark.parametrize(("role", "status"), [("stockkeeper", 200), ("manager", 200), ("cashier", 403),
                                              ("kitchen", 403)])
def test_stock_files_are_for_stockkeepers_and_managers(client, world, role, status):
    assert client.get("/api/recipes/export/", headers=world.headers(role)).status_code == status
    answer = _import(client, world.headers(role), "stock-items", _csv("name,unit,cost\nSalt,g,1.00\n"))
    assert answer.status_code == status


def test_an_excel_file_with_more_than_5000_rows_is_refused_and_writes_nothing(client, world):
    book = Workbook()
    book.active.append(["name", "unit", "cost"])
    for n in range(5001):
        book.active.append([f"Item {n}", "g", "1.00"])
    buffer = io.BytesIO()
    book.save(buffer)
    answer = _import(client, world.headers("manager"), "stock-items", buffer.getvalue(), "big.xlsx")
    assert (answer.status_code, answer.json["code"]) == (400, "TOO_MANY_ROWS")
    assert _listed(client, world) == []
