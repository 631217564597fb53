"""Bulk import and export of stock items and recipes, CSV or Excel (docs/api-extensions.md,
"Stock import and export").

An export reads back as an import that changes nothing: stock items are matched by name,
recipes by their owner (a product's SKU, or a product's SKU with one of its modifier
groups and modifiers) and stock item name. Import is all-or-nothing: every row is checked
before anything is written, and the whole file is refused with the failing rows (line
numbers as a spreadsheet shows them, the header being line 1) if any is wrong. Rows go
through the same service calls as the API. Rows absent from the file are left alone:
an import never deletes. Files are written by `spreadsheets`, so no name runs as a formula.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal

from sqlalchemy import select

from cloud.models import Modifier, ModifierGroup, Product, Recipe, StockItem
from cloud.services import spreadsheets, stock
from cloud.services.actor import Actor
from sync import money
from sync.errors import Invalid
from sync.vocab import STOCK_UNITS

ITEM_COLUMNS = ("name", "unit", "cost", "purchase_units", "is_active")
RECIPE_COLUMNS = ("product_sku", "modifier_group", "modifier", "stock_item", "quantity")
XLSX_MIME = spreadsheets.XLSX_MIME
MAX_ROWS = 5000
MAX_COLUMNS = 64  # of an Excel sheet: ours have five
MAX_QUANTITY = 2**31 - 1
_TRUE, _FALSE = {"1", "true", "yes", "y"}, {"0", "false", "no", "n"}
_PURCHASE_UNIT = re.compile(r"^\s*([^=;]{1,40}?)\s*=\s*([0-9]+)\s*$")


# --- reading a file ------------------------------------------------------------------

def _cell_text(value) -> str:
    """An Excel cell as the text a CSV would hold (whole numbers without ".0")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(Decimal(str(value)))
    return str(value)


def _xlsx_rows(body: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # imported when used: openpyxl is a tenth of the cloud's start

    try:
        book = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise Invalid(f"The Excel file could not be read ({type(error).__name__})", "INVALID_FILE", "file") from None
    rows = []
    # bounded: a small .xlsx can unpack into a huge sheet; past the limit read_table refuses it
    for row in book.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS):
        rows.append([_cell_text(value) for value in row])
        if len(rows) > MAX_ROWS + 1:
            break
    book.close()
    return rows


def _csv_rows(body: bytes) -> list[list[str]]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("A CSV file must be UTF-8 text", "INVALID_FILE", "file") from None
    if "\x00" in text:
        raise Invalid("The CSV may not contain NUL characters", "INVALID_FILE", "file")
    return list(csv.reader(io.StringIO(text)))


def read_table(body: bytes, required: tuple[str, ...]) -> list[tuple[int, dict]]:
    """[(line, {column: text})] of a CSV or Excel upload (told apart by their first bytes:
    an .xlsx is a zip); blank lines skipped, cells trimmed, the text mark dropped."""
    rows = _xlsx_rows(body) if body[:2] == b"PK" else _csv_rows(body)
    if not rows:
        raise Invalid(f"The file needs a header row with {', '.join(required)}", "INVALID_FILE", "file")
    header = [cell.strip().lower() for cell in rows[0]]
    if not set(required) <= set(header):
        raise Invalid(f"The file needs a header row with {', '.join(required)}", "INVALID_FILE", "file")
    table = []
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(table) >= MAX_ROWS:
            raise Invalid(f"At most {MAX_ROWS} rows per import", "TOO_MANY_ROWS", "file")
        table.append((line, {name: spreadsheets.read_text(cells[i].strip()) if i < len(cells) else ""
                             for i, name in enumerate(header) if name}))
    return table


def _refuse(errors: list[dict]) -> None:
    if errors:
        raise Invalid(f"{len(errors)} row(s) are invalid; nothing was imported", "INVALID_ROWS", "file",
                      extra={"rows": errors[:100]})


def _whole(text: str, column: str, minimum: int) -> int:
    if not re.fullmatch(r"[0-9]+", text or ""):
        raise ValueError(f"{column} must be a whole number")
    value = int(text)
    if not minimum <= value <= MAX_QUANTITY:
        raise ValueError(f"{column} must be between {minimum} and {MAX_QUANTITY}")
    return value


# --- stock items ---------------------------------------------------------------------

def _purchase_units_text(units: list) -> str:
    return "; ".join(f"{unit['name']}={unit['multiple']}" for unit in units or [])


def _purchase_units(text: str) -> list[dict]:
    units = []
    for part in filter(str.strip, (text or "").split(";")):
        match = _PURCHASE_UNIT.match(part)
        if not match:
            raise ValueError("purchase_units must read like 'sack=25000; bag=1000'")
        units.append({"name": match.group(1), "multiple": _whole(match.group(2), "a purchase unit's multiple", 1)})
    if len(units) > 20:
        raise ValueError("at most 20 purchase units")
    return units


def export_items(session, tenant_id: int, fmt: str) -> tuple[bytes, str, str]:
    rows = [[item.name, item.unit, money.format_amount(item.cost), _purchase_units_text(item.purchase_units),
             "true" if item.is_active else "false"]
            for item in session.execute(stock.items_query(tenant_id).order_by(StockItem.name, StockItem.id)).scalars()]
    if fmt == "xlsx":
        return spreadsheets.xlsx_bytes("stock_items", ITEM_COLUMNS, rows), XLSX_MIME, "stock-items.xlsx"
    return spreadsheets.csv_bytes(ITEM_COLUMNS, rows), "text/csv", "stock-items.csv"


def _item_row(raw: dict, existing: dict) -> dict:
    name = raw.get("name", "")
    if not name or len(name) > 120:
        raise ValueError("name is required, at most 120 characters")
    if raw.get("unit") not in STOCK_UNITS:
        raise ValueError(f"unit must be one of {', '.join(STOCK_UNITS)}")
    found = existing.get(name)
    if found is not None and found.unit != raw["unit"]:
        raise ValueError(f"a stock item's unit cannot change (it is {found.unit}); create a new item")
    try:
        cost = money.parse_amount(raw.get("cost") or "0")
    except money.MoneyFormatError as error:
        raise ValueError(f"cost: {error}") from None
    if cost < 0:
        raise ValueError("cost may not be negative")
    active = (raw.get("is_active") or "true").lower()
    if active not in _TRUE | _FALSE:
        raise ValueError("is_active must be true or false")
    return {"name": name, "unit": raw["unit"], "cost": cost, "purchase_units": _purchase_units(
        raw.get("purchase_units", "")), "is_active": active in _TRUE}


def import_items(session, actor: Actor, body: bytes) -> dict:
    tenant_id = actor.require_tenant()
    table = read_table(body, ("name", "unit", "cost"))
    existing = {item.name: item for item in session.execute(stock.items_query(tenant_id)).scalars()}
    rows, errors, seen = [], [], {}
    for line, raw in table:
        try:
            row = _item_row(raw, existing)
            if row["name"] in seen:
                raise ValueError(f"the name {row['name']!r} is also on line {seen[row['name']]}")
            seen[row["name"]] = line
            rows.append(row)
        except ValueError as error:
            errors.append({"line": line, "name": raw.get("name"), "message": str(error)})
    _refuse(errors)
    result = {"created": 0, "updated": 0, "unchanged": 0}
    for row in rows:
        item = existing.get(row["name"])
        if item is None:
            stock.create_item(session, actor, row)
            result["created"] += 1
            continue
        changed = {key: value for key, value in row.items() if getattr(item, key) != value}
        if changed:
            stock.update_item(session, item, changed)
        result["updated" if changed else "unchanged"] += 1
    return result


# --- recipes -------------------------------------------------------------------------

def _owners(session, tenant_id: int):
    """{sku: product id}, {(sku, group name, modifier name): modifier id} and the inverse
    names of each (for the export)."""
    products = {sku: pid for pid, sku in session.execute(
        select(Product.id, Product.sku).where(Product.tenant_id == tenant_id))}
    modifiers = {}
    for modifier_id, sku, group, name in session.execute(
            select(Modifier.id, Product.sku, ModifierGroup.name, Modifier.name)
            .join(ModifierGroup, ModifierGroup.id == Modifier.group_id)
            .join(Product, Product.id == ModifierGroup.product_id)
            .where(Modifier.tenant_id == tenant_id).order_by(Modifier.id)):
        modifiers.setdefault((sku, group, name), modifier_id)  # the first of two same-named ones
    return products, modifiers


def export_recipes(session, tenant_id: int, fmt: str) -> tuple[bytes, str, str]:
    products, modifiers = _owners(session, tenant_id)
    product_names = {pid: sku for sku, pid in products.items()}
    modifier_names = {mid: key for key, mid in modifiers.items()}
    items = {item.id: item.name for item in session.execute(stock.items_query(tenant_id)).scalars()}
    rows = []
    for recipe in session.execute(stock.recipes_query(tenant_id)).scalars():
        if recipe.product_id is not None:
            owner = (product_names.get(recipe.product_id, ""), "", "")
        else:
            owner = modifier_names.get(recipe.modifier_id, ("", "", ""))
        rows.append([*owner, items.get(recipe.stock_item_id, ""), recipe.quantity])
    rows.sort(key=lambda row: (row[0], row[1], row[2], row[3]))
    rows = [[*row[:4], str(row[4])] for row in rows]
    if fmt == "xlsx":
        return spreadsheets.xlsx_bytes("recipes", RECIPE_COLUMNS, rows), XLSX_MIME, "recipes.xlsx"
    return spreadsheets.csv_bytes(RECIPE_COLUMNS, rows), "text/csv", "recipes.csv"


def _recipe_row(raw: dict, products: dict, modifiers: dict, items: dict) -> dict:
    sku, group, modifier = raw.get("product_sku", ""), raw.get("modifier_group", ""), raw.get("modifier", "")
    if sku not in products:
        raise ValueError(f"no product has the SKU {sku!r}" if sku else "product_sku is required")
    row = {"product_id": None, "modifier_id": None}
    if group or modifier:
        if (sku, group, modifier) not in modifiers:
            raise ValueError(f"product {sku} has no modifier {modifier!r} in a group {group!r}")
        row["modifier_id"] = modifiers[(sku, group, modifier)]
    else:
        row["product_id"] = products[sku]
    if raw.get("stock_item", "") not in items:
        raise ValueError(f"no stock item is named {raw.get('stock_item', '')!r}")
    row["stock_item_id"] = items[raw["stock_item"]]
    row["quantity"] = _whole(raw.get("quantity", ""), "quantity", 1)
    return row


def import_recipes(session, actor: Actor, body: bytes) -> dict:
    """Create or change recipe lines (owner and stock item) to the file's quantities."""
    tenant_id = actor.require_tenant()
    table = read_table(body, RECIPE_COLUMNS)
    products, modifiers = _owners(session, tenant_id)
    items = {item.name: item.id for item in session.execute(stock.items_query(tenant_id)).scalars()}
    existing = {(r.product_id, r.modifier_id, r.stock_item_id): r
                for r in session.execute(stock.recipes_query(tenant_id)).scalars()}
    rows, errors, seen = [], [], {}
    for line, raw in table:
        try:
            row = _recipe_row(raw, products, modifiers, items)
            key = (row["product_id"], row["modifier_id"], row["stock_item_id"])
            if key in seen:
                raise ValueError(f"the same recipe line is also on line {seen[key]}")
            seen[key] = line
            rows.append(row)
        except ValueError as error:
            errors.append({"line": line, "product_sku": raw.get("product_sku"), "message": str(error)})
    _refuse(errors)
    result = {"created": 0, "updated": 0, "unchanged": 0}
    for row in rows:
        recipe: Recipe | None = existing.get((row["product_id"], row["modifier_id"], row["stock_item_id"]))
        if recipe is None:
            stock.create_recipe(session, actor, row)
            result["created"] += 1
        elif recipe.quantity != row["quantity"]:
            stock.update_recipe(session, recipe, {"quantity": row["quantity"]})
            result["updated"] += 1
        else:
            result["unchanged"] += 1
    return result
