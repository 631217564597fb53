"""Printable documents built from what is stored: every figure on a receipt is the
order's stored amount, never recomputed."""
from __future__ import annotations

from datetime import UTC

from edge.models import Order, Shift
from edge.services.auth import find_user_by_id
from edge.services.printing import receipt_links
from edge.services.syncing import outlet as outlet_settings
from printers import (
    CashMovement,
    CurrencyFormat,
    KitchenItem,
    KitchenTicket,
    MethodTotal,
    Payment,
    PrintLocale,
    Promotion,
    Receipt,
    ReceiptLine,
    ReceiptRefund,
    ShiftReport,
)
from printers.values import PaymentQr, ReceiptModifier
from sync.money import format_rate
from sync.timeutil import utcnow
from sync.vocab import METHOD_LABELS

# Currencies shown without minor units on receipts (the wire still carries two places).
ZERO_DECIMAL_CURRENCIES = {"IDR": "Rp", "JPY": "¥", "KRW": "₩", "VND": "₫"}


def currency_format(code: str) -> CurrencyFormat:
    if code in ZERO_DECIMAL_CURRENCIES:
        return CurrencyFormat(symbol=ZERO_DECIMAL_CURRENCIES[code], thousands_separator=".", decimal_separator=",",
                              decimals=0)
    return CurrencyFormat(symbol=code, thousands_separator=",", decimal_separator=".", decimals=2)


def _aware(moment):
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _locale(session) -> PrintLocale:
    return PrintLocale(timezone=outlet_settings.outlet(session).timezone, method_labels=dict(METHOD_LABELS))


def receipt_reference(order: Order) -> str:
    """What the receipt's QR carries: the order's e-receipt link (signed offline; the same
    `receipt_url` the order answer carries), or before enrollment the plain reference."""
    return receipt_links.link_for(order.uuid) or f"POS:{order.order_number}:{order.uuid}"


def _receipt_line(item) -> ReceiptLine:
    """The item at its base price, each modifier's total under it: the column adds up to
    the item's stored gross (discounts print with the order's promotions)."""
    base = item.unit_price - sum(m["price"] for m in item.modifiers)
    return ReceiptLine(name=item.product_name, quantity=item.quantity, unit_price=base, amount=base * item.quantity,
                       modifiers=tuple(ReceiptModifier(m["name"], m["price"] * item.quantity) for m in item.modifiers),
                       note=item.note)


def receipt(session, order: Order, *, copy: bool = False) -> Receipt:
    tenant, place = outlet_settings.tenant(session), outlet_settings.outlet(session)
    charges = outlet_settings.charges(session)
    cashier = find_user_by_id(session, order.cashier_id)
    lines = tuple(_receipt_line(item) for item in order.items)
    return Receipt(
        order_number=order.order_number, created_at=_aware(order.created_at), tenant_name=tenant.name,
        lines=lines, subtotal=order.subtotal, total=order.total_amount, currency=currency_format(tenant.currency),
        locale=_locale(session), outlet_name=place.name, outlet_address=place.address,
        outlet_phone=place.phone or tenant.phone, terminal=str(order.terminal),
        cashier_name=cashier.full_name if cashier else "", table=order.table_label,
        customer_name=order.customer_name, order_note=order.note,
        promotions=tuple(Promotion(p.name, p.discount_amount) for p in order.promotions),
        service_charge=order.service_charge,
        service_charge_label=f"Service {format_rate(charges.service_charge_bp).rstrip('0').rstrip('.')}%",
        tax=order.tax_amount, tax_label=f"Tax {format_rate(charges.tax_rate_bp).rstrip('0').rstrip('.')}%",
        rounding=order.rounding_amount,
        payments=tuple(Payment(method=p.method, amount=p.amount, tendered=p.tendered, change=p.change_amount,
                               reference=p.reference) for p in order.payments
                       if p.status == "paid"),  # a QR that waited, expired or was withdrawn took nothing
        footer=tenant.receipt_footer, qr_payload=receipt_reference(order), copy=copy,
        refunds=tuple(ReceiptRefund(method=r.method or "cash", amount=r.amount, reason=r.reason,
                                    at=_aware(r.created_at)) for r in order.refunds if r.kind == "refund"),
    )


def refund_slip(session, order: Order, given: list) -> Receipt:
    """The slip of one refund request (`given`: its records, one per method, the first
    holding the lines): REFUND, the original order, each line given back at its share,
    the amount per method, and the manager who approved it."""
    tenant, place = outlet_settings.tenant(session), outlet_settings.outlet(session)
    first = given[0]
    items = {item.id: item for item in order.items}
    lines = []
    for line in first.lines:
        item = items.get(line["item_id"])
        if item is not None:
            lines.append(ReceiptLine(name=item.product_name, quantity=line["quantity"], amount=line["amount"],
                                     modifiers=tuple(ReceiptModifier(m["name"]) for m in item.modifiers)))
    total = sum(record.amount for record in given)
    shares = sum(line.amount for line in lines) if lines else total
    approver = find_user_by_id(session, first.created_by)
    return Receipt(
        order_number=order.order_number, original_order_number=order.order_number,
        created_at=_aware(first.created_at), tenant_name=tenant.name, lines=tuple(lines), subtotal=shares,
        total=total, rounding=total - shares if lines else 0, currency=currency_format(tenant.currency),
        locale=_locale(session), outlet_name=place.name, outlet_address=place.address,
        outlet_phone=place.phone or tenant.phone, terminal=str(order.terminal), table=order.table_label,
        customer_name=order.customer_name,
        payments=tuple(Payment(method=record.method or "cash", amount=record.amount) for record in given),
        refund=True, refund_reason=first.reason, approved_by=approver.full_name if approver else "",
        barcode=False,
    )


def kitchen_tickets(session, order: Order, stations: list[str | None], *, copy: bool = False,
                    cancelled: bool = False) -> dict[str | None, KitchenTicket]:
    """One ticket per station asked for (None: the whole order); stations with no items
    of this order get none."""
    tickets = {}
    for station in stations:
        items = tuple(
            KitchenItem(name=i.product_name, quantity=i.quantity - i.voided_quantity,
                        modifiers=tuple(m["name"] for m in i.modifiers), note=i.note)
            for i in order.items if (station is None or i.station == station) and i.quantity > i.voided_quantity
        )
        if items:
            tickets[station] = KitchenTicket(
                order_number=order.order_number, created_at=_aware(order.confirmed_at or order.created_at),
                items=items, station=station or "", table=order.table_label, customer_name=order.customer_name,
                source=order.source, order_note=order.note, locale=_locale(session), copy=copy, cancelled=cancelled)
    return tickets


def shift_report(session, shift: Shift, figures: dict, *, copy: bool = False) -> ShiftReport:
    """The printed X/Z from the report's figures (a Z stored before refunds were netted
    is netted here the same way: collected = payments - refunds)."""
    tenant, place = outlet_settings.tenant(session), outlet_settings.outlet(session)
    cashier = find_user_by_id(session, shift.opened_by)
    counted = figures.get("counted") or {}
    closed = figures["status"] == "closed"
    methods = tuple(
        MethodTotal(method=method, expected=figures["expected"][method],
                    counted=counted.get(method) if closed else None,
                    payment_count=figures["payments"][method]["count"], refunds=figures["refunds"][method]["amount"],
                    taken=figures["payments"][method]["amount"])
        for method in figures["expected"]
        if figures["payments"][method]["count"] or figures["refunds"][method]["count"] or method == "cash"
        or counted.get(method) is not None
    )
    orders = figures["orders"]
    payments_total = sum(p["amount"] for p in figures["payments"].values())
    refunds_total = sum(r["amount"] for r in figures["refunds"].values())
    return ShiftReport(
        report="Z" if closed else "X", opened_at=_aware(shift.opened_at),
        printed_at=_aware(shift.closed_at or utcnow()),
        opening_float=shift.opening_cash, methods=methods, currency=currency_format(tenant.currency),
        locale=_locale(session), tenant_name=tenant.name, outlet_name=place.name, terminal=str(shift.terminal),
        cashier_name=cashier.full_name if cashier else "", closed_at=_aware(shift.closed_at),
        cash_movements=tuple(CashMovement(direction=m.kind, amount=m.amount, reason=m.reason,
                                          at=_aware(m.created_at)) for m in shift.movements),
        order_count=orders["count"], refund_count=sum(r["count"] for r in figures["refunds"].values()),
        gross_sales=orders["subtotal"], discounts=orders["discounts"],
        net_sales=orders["subtotal"] - orders["discounts"], service_charge=orders["service_charge"],
        tax=orders["tax"], rounding=orders["rounding"], refunds_total=refunds_total, payments_total=payments_total,
        total_collected=payments_total - refunds_total, copy=copy,
    )


def payment_qr(session, order: Order, payment, *, qr_string: str, expires_at) -> PaymentQr:
    """A waiting QRIS payment's code for the customer to scan off the receipt printer."""
    tenant, place = outlet_settings.tenant(session), outlet_settings.outlet(session)
    return PaymentQr(order_number=order.order_number, amount=payment.amount, qr_payload=qr_string,
                     tenant_name=tenant.name, outlet_name=place.name, expires_at=_aware(expires_at),
                     currency=currency_format(tenant.currency), locale=_locale(session))
