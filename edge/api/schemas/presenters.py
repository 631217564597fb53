"""Hand-written twins of the order, payment and refund response schemas.

marshmallow's generic dump is too slow for the selling path (docs/performance.md).
These functions build the same dicts directly. The schemas in
`orders.py` stay the documentation (OpenAPI) and delegate their `dump` here;
tests/edge/test_presenters.py checks field by field that both agree.
"""
from __future__ import annotations

from datetime import date, datetime

from edge.services.printing import receipt_links
from sync.money import format_amount
from sync.timeutil import isoformat
from sync.vocab import STATIC_QR_METHODS


def _money(value: int | None) -> str | None:
    return None if value is None else format_amount(value)


def _time(value):
    return isoformat(value) if isinstance(value, datetime) else value


def _date(value):
    return value.isoformat() if isinstance(value, date) else value


def modifier(data: dict) -> dict:
    return {"id": data["id"], "name": data["name"], "price": _money(data["price"])}


def item(line) -> dict:
    return {
        "id": line.id, "line_no": line.line_no, "product_id": line.product_id, "product_name": line.product_name,
        "sku": line.sku, "quantity": line.quantity, "unit_price": _money(line.unit_price),
        "modifiers": [modifier(m) for m in line.modifiers], "gross": _money(line.gross),
        "discount_amount": _money(line.discount_amount), "total_price": _money(line.total_price),
        "service_charge": _money(line.service_charge), "tax_amount": _money(line.tax_amount),
        "line_total": _money(line.line_total), "note": line.note, "station": line.station,
        "prep_status": line.prep_status, "voided_quantity": line.voided_quantity,
        "refunded_quantity": line.refunded_quantity,
    }


def applied_promotion(applied) -> dict:
    return {"id": applied.promotion_id, "name": applied.name, "code": applied.code,
            "discount_amount": _money(applied.discount_amount)}


def payment(paid) -> dict:
    out = {
        "id": paid.id, "uuid": paid.uuid, "order_id": paid.order_id, "method": paid.method,
        "amount": _money(paid.amount), "tendered": _money(paid.tendered),
        "change_amount": _money(paid.change_amount), "status": paid.status, "reference": paid.reference,
        "qr_string": getattr(paid, "qr_string", None), "shift_id": paid.shift_id, "terminal": paid.terminal,
        "created_at": _time(paid.created_at),
    }
    if paid.method in STATIC_QR_METHODS:  # checked later at the cloud against the settlement report
        out["unverified"] = True
    if getattr(paid, "provider", None):  # a QRIS / e-wallet payment (set by gateway_payments.decorate)
        out.update(deeplink_url=paid.deeplink_url, expires_at=_time(paid.expires_at), provider=paid.provider,
                   late_payment=paid.late_payment, returned_at=_time(paid.returned_at))
    jobs = getattr(paid, "print_jobs", None)
    if jobs is not None:  # set on the payment just taken: what it queued
        out["print_jobs"] = [dict(job) for job in jobs]
    return out


def refund_line(line: dict) -> dict:
    return {"item_id": line["item_id"], "line_no": line["line_no"], "quantity": line["quantity"],
            "amount": _money(line["amount"])}


def refund(fact) -> dict:
    out = {
        "id": fact.id, "uuid": fact.uuid, "order_id": fact.order_id, "kind": fact.kind, "method": fact.method,
        "amount": _money(fact.amount), "reason": fact.reason, "lines": [refund_line(x) for x in fact.lines],
        "created_by": fact.created_by, "created_at": _time(fact.created_at),
    }
    tenders = getattr(fact, "tenders", None)
    if tenders is not None:  # set on the answer to a refund request: every record it made
        out["tenders"] = [{"id": t["id"], "uuid": t["uuid"], "method": t["method"], "amount": _money(t["amount"])}
                          for t in tenders]
    return out


_ORDER_MONEY = ("subtotal", "discount_amount", "service_charge", "tax_amount", "rounding_amount", "total_amount",
                "paid_amount", "change_amount", "balance_due", "voided_amount", "refunded_amount",
                "overpaid_amount")
_ORDER_TIMES = ("created_at", "updated_at", "confirmed_at", "preparing_at", "ready_at", "served_at",
                "completed_at", "cancelled_at")


def order(sale) -> dict:
    out = {
        "id": sale.id, "uuid": sale.uuid, "order_number": sale.order_number, "outlet_id": sale.outlet_id,
        "terminal": sale.terminal, "shift_id": sale.shift_id, "business_date": _date(sale.business_date),
        "status": sale.status, "source": sale.source, "customer_id": sale.customer_id,
        "customer_name": sale.customer_name, "customer_phone": sale.customer_phone, "table": sale.table_label,
        "note": sale.note, "promo_codes": None if sale.promo_codes is None else [str(c) for c in sale.promo_codes],
        "items": [item(line) for line in sale.items],
        "promotions": [applied_promotion(p) for p in sale.promotions],
        "payments": [payment(p) for p in sale.payments],
        "refunds": [refund(r) for r in sale.refunds],
        "version": sale.version, "sync_status": sale.sync_status, "cancel_reason": sale.cancel_reason,
        "receipt_url": receipt_links.link_for(sale.uuid),
    }
    for name in _ORDER_MONEY:
        out[name] = _money(getattr(sale, name))
    for name in _ORDER_TIMES:
        out[name] = _time(getattr(sale, name))
    return out
