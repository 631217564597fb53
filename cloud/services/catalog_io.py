"""Bulk catalog import (CSV) and export (CSV or Excel), one row per product.

Import is all-or-nothing: every row is validated first and the whole file is refused,
with the failing rows listed, if any row is wrong. Rows go through the same service
calls as the API, so a manager's new products and price changes still await approval.

Export shows what outlets sell: published products at their approved prices. Asked
for (`include_pending`), it lists every product with its status and any price still
waiting for approval. Cells are written by `spreadsheets`, so no name runs as a formula.
"""
from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from cloud.models import Category, Product
from cloud.services import catalog, spreadsheets
from cloud.services.actor import Actor
from sync import money
from sync.errors import Invalid
from sync.patterns import WEB_URL_MESSAGE, WEB_URL_PATTERN

COLUMNS = ("sku", "name", "category", "price", "description", "barcode", "image_url", "is_available", "track_stock")
REVIEW_COLUMNS = ("status", "pending_price")  # with include_pending
XLSX_MIME = spreadsheets.XLSX_MIME
MAX_ROWS = 5000
_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"0", "false", "no", "n", ""}


def _rows(session, tenant_id: int, include_pending: bool):
    stmt = (select(Product, Category.name).join(Category, Category.id == Product.category_id)
            .where(Product.tenant_id == tenant_id).order_by(Product.sku))
    if not include_pending:
        stmt = stmt.where(Product.is_published.is_(True))
    for product, category_name in session.execute(stmt):
        row = [product.sku, product.name, category_name, money.format_amount(product.price), product.description,
               product.barcode, product.image_url or "", "true" if product.is_available else "false",
               "true" if product.track_stock else "false"]
        if include_pending:
            pending = (product.pending_changes or {}).get("price")
            row += [product.status, money.format_amount(pending) if isinstance(pending, int) else ""]
        yield row


def export(session, tenant_id: int, fmt: str, include_pending: bool = False) -> tuple[bytes, str, str]:
    """Published products at approved prices; `include_pending` adds the rest, with
    each product's status and the price waiting for approval."""
    columns = COLUMNS + REVIEW_COLUMNS if include_pending else COLUMNS
    rows = _rows(session, tenant_id, include_pending)
    if fmt == "xlsx":
        return spreadsheets.xlsx_bytes("products", columns, rows), XLSX_MIME, "products.xlsx"
    return spreadsheets.csv_bytes(columns, rows), "text/csv", "products.csv"


def _bool(value: str, column: str) -> bool:
    lowered = (value or "").strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"{column} must be true or false")


def _parse(text: str) -> list[dict]:
    if "\x00" in text:
        raise Invalid("The CSV may not contain NUL characters", "INVALID_CSV", "file")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"sku", "name", "category", "price"} <= {f.strip() for f in reader.fieldnames}:
        raise Invalid("CSV needs a header row with at least sku, name, category, price",
                               "INVALID_CSV", "file")
    rows, errors = [], []
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            raise Invalid(f"At most {MAX_ROWS} rows per import", "TOO_MANY_ROWS", "file")
        # a row longer than the header keeps its extra cells in a list under None: ignored
        raw = {k.strip(): spreadsheets.read_text(v.strip()) for k, v in raw.items()
               if isinstance(k, str) and isinstance(v, str)}
        try:
            if not raw.get("sku") or not raw.get("name") or not raw.get("category"):
                raise ValueError("sku, name and category are required")
            if len(raw["sku"]) > 64 or len(raw["name"]) > 200 or len(raw["category"]) > 120:
                raise ValueError("sku, name or category is too long")
            if not re.search(WEB_URL_PATTERN, raw.get("image_url", "")) or len(raw.get("image_url", "")) > 500:
                raise ValueError(f"image_url: {WEB_URL_MESSAGE}")
            price = money.parse_amount(raw["price"])
            if price <= 0:
                raise ValueError("Product price must be positive")  # 0.00 too, as in the API
            rows.append({
                "line": line, "sku": raw["sku"], "name": raw["name"], "category": raw["category"], "price": price,
                "description": raw.get("description", ""), "barcode": raw.get("barcode", "")[:64],
                "image_url": raw.get("image_url") or None,
                "is_available": _bool(raw.get("is_available", "true") or "true", "is_available"),
                "track_stock": _bool(raw.get("track_stock", "false"), "track_stock"),
            })
        except (ValueError, money.MoneyFormatError) as error:
            errors.append({"line": line, "sku": raw.get("sku"), "message": str(error)})
    if errors:
        raise Invalid(f"{len(errors)} row(s) are invalid; nothing was imported", "INVALID_ROWS", "file",
                      extra={"rows": errors[:100]})
    seen = set()
    for row in rows:
        if row["sku"] in seen:
            raise Invalid(f"SKU {row['sku']} appears twice; nothing was imported", "DUPLICATE_SKU", "file",
                          extra={"rows": [{"line": row["line"], "sku": row["sku"]}]})
        seen.add(row["sku"])
    return rows


def import_csv(session, actor: Actor, text: str) -> dict:
    tenant_id = actor.require_tenant()
    rows = _parse(text)
    categories = {c.name: c for c in session.execute(select(Category).where(Category.tenant_id == tenant_id)).scalars()}
    existing = {p.sku: p for p in session.execute(select(Product).where(Product.tenant_id == tenant_id)).scalars()}
    result = {"created": 0, "updated": 0, "unchanged": 0, "pending_approval": 0}
    for row in rows:
        category = categories.get(row["category"])
        if category is None:
            category = catalog.create_category(session, actor, {"name": row["category"]})
            categories[category.name] = category
        fields = {k: row[k] for k in ("name", "price", "description", "barcode", "image_url", "is_available",
                                     "track_stock")}
        fields["category_id"] = category.id
        product = existing.get(row["sku"])
        if product is None:
            product = catalog.create_product(session, actor, {"sku": row["sku"], **fields})
            result["created"] += 1
        else:
            changed = {k: v for k, v in fields.items() if getattr(product, k) != v}
            if not changed:
                result["unchanged"] += 1
                continue
            catalog.update_product(session, actor, product, changed)
            result["updated"] += 1
        if product.status == "pending_approval":
            result["pending_approval"] += 1
    return result
