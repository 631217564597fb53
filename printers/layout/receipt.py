"""The customer receipt, top to bottom as the customer reads it.

Amounts are the stored ones, printed right-aligned so the column adds up: an item's
base amount, then its modifiers and line discount under it, then subtotal, promotions,
service charge, tax, rounding and the TOTAL in large type, then the payments.
"""
from __future__ import annotations

from ..blocks import BOLD, Barcode, Cut, Logo, QrCode
from ..images import qr_side_modules
from ..money_format import format_money
from ..values import Receipt, ReceiptLine
from .sheet import Sheet


def layout_receipt(receipt: Receipt, sheet: Sheet) -> None:
    label = receipt.locale.label

    def money(amount: int) -> str:
        return format_money(amount, receipt.currency)

    if receipt.copy:
        sheet.banner(label("copy"))
    if receipt.refund:
        sheet.banner(label("refund"))
    if receipt.logo_path:
        sheet.add(Logo(receipt.logo_path))

    sheet.large(receipt.tenant_name)
    if receipt.outlet_name and receipt.outlet_name != receipt.tenant_name:
        sheet.centered(receipt.outlet_name)
    if receipt.outlet_address:
        sheet.centered(receipt.outlet_address)
    if receipt.outlet_phone:
        sheet.centered(f"{label('phone')} {receipt.outlet_phone}")
    if receipt.tax_number:
        sheet.centered(f"{label('tax_number')} {receipt.tax_number}")
    sheet.rule()

    details = [
        (label("order"), receipt.order_number if not receipt.refund else ""),
        (label("refund_of"), (receipt.original_order_number or receipt.order_number) if receipt.refund else ""),
        (label("date"), receipt.locale.format_time(receipt.created_at)),
        (label("cashier"), receipt.cashier_name),
        (label("terminal"), receipt.terminal),
        (label("table"), receipt.table),
        (label("customer"), receipt.customer_name),
    ]
    for name, value in details:
        if value:
            sheet.row(name, value)
    if receipt.refund and receipt.refund_reason:
        sheet.text(f"{label('reason')}: {receipt.refund_reason}")
    if receipt.refund and receipt.approved_by:
        sheet.row(label("approved_by"), receipt.approved_by)
    sheet.rule()

    for line in receipt.lines:
        _item(sheet, line, money, label)
    if receipt.order_note:
        sheet.text(f"{label('note')}: {receipt.order_note}")
    sheet.rule()

    sheet.row(label("subtotal"), money(receipt.subtotal))
    for promotion in receipt.promotions:
        sheet.row(promotion.name, money(-promotion.amount))
    if receipt.service_charge:
        sheet.row(receipt.service_charge_label or label("service_charge"), money(receipt.service_charge))
    if receipt.tax:
        sheet.row(receipt.tax_label or label("tax"), money(receipt.tax))
    if receipt.rounding:
        sheet.row(label("rounding"), money(receipt.rounding))
    sheet.rule("=")
    sheet.large_row(label("total_refund") if receipt.refund else label("total"), money(receipt.total))
    sheet.rule("=")

    for payment in receipt.payments:
        name = receipt.locale.method_label(payment.method)
        name = f"{label('given_back')} {name}" if receipt.refund else name
        sheet.row(name, money(payment.amount), style=BOLD)
        if payment.reference:
            sheet.text(f"{label('reference')} {payment.reference}", indent=2)
        if payment.tendered is not None:
            sheet.row(label("tendered"), money(payment.tendered), indent=2)
            sheet.row(label("change"), money(payment.change), indent=2)
        elif payment.change:
            sheet.row(label("change"), money(payment.change), indent=2)
    if receipt.payments:
        sheet.rule()
    if receipt.refunds:
        _refunds(sheet, receipt, money, label)

    if receipt.footer:
        sheet.blank()
        sheet.centered(receipt.footer)
    if receipt.qr_payload and qr_side_modules(receipt.qr_payload) is not None:
        sheet.blank()
        sheet.add(QrCode(receipt.qr_payload))
        sheet.centered(receipt.qr_caption or label("qr_caption"))
    if receipt.barcode:
        sheet.blank()
        sheet.add(Barcode(receipt.order_number))
    sheet.add(Cut())


def _item(sheet: Sheet, line: ReceiptLine, money, label) -> None:
    prefix = f"{line.quantity} x "
    hang = len(prefix)
    sheet.row(prefix + line.name, money(line.amount), hanging=hang)
    if line.unit_price is not None and abs(line.quantity) != 1:
        sheet.text(f"{label('each')} {money(line.unit_price)}", indent=hang)
    for modifier in line.modifiers:
        amount = money(modifier.amount) if modifier.amount else ""
        sheet.row(f"+ {modifier.name}", amount, indent=hang, hanging=hang + 2)
    if line.note:
        sheet.text(f"{label('note')}: {line.note}", indent=hang)
    if line.discount:
        sheet.row(line.discount_label or label("discount"), money(-line.discount), indent=hang)


def _refunds(sheet: Sheet, receipt: Receipt, money, label) -> None:
    """What was given back on this order, after what was paid, and what that leaves."""
    sheet.heading(label("refunds_heading"))
    for index, given in enumerate(receipt.refunds):
        when = f" {receipt.locale.format_time(given.at)}" if given.at else ""
        sheet.row(f"{receipt.locale.method_label(given.method)}{when}", money(-given.amount), hanging=2)
        following = receipt.refunds[index + 1] if index + 1 < len(receipt.refunds) else None
        same_request = following is not None and (following.reason, following.at) == (given.reason, given.at)
        if given.reason and not same_request:  # one request's records (one per method) share their reason
            sheet.text(f"{label('reason')}: {given.reason}", indent=2)
    paid = sum(payment.amount for payment in receipt.payments)
    sheet.row(label("net_paid"), money(paid - sum(given.amount for given in receipt.refunds)), style=BOLD)
    sheet.rule()
