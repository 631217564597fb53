"""A waiting QRIS payment's code on the receipt printer: who is asking, how much, the
code itself as a native ESC/POS QR (the printer draws it: sharp at any size), and until
when it can be paid."""
from __future__ import annotations

from ..blocks import BOLD, Cut, QrCode
from ..money_format import format_money
from ..values import PaymentQr
from .sheet import Sheet


def layout_payment_qr(slip: PaymentQr, sheet: Sheet) -> None:
    label = slip.locale.label
    if slip.copy:
        sheet.banner(label("copy"))
    if slip.tenant_name:
        sheet.large(slip.tenant_name)
    if slip.outlet_name and slip.outlet_name != slip.tenant_name:
        sheet.centered(slip.outlet_name)
    sheet.rule()
    sheet.row(label("order"), slip.order_number)
    sheet.row(f"{label('amount_to_pay')} {slip.method_label}", format_money(slip.amount, slip.currency), style=BOLD)
    sheet.rule()
    sheet.add(QrCode(slip.qr_payload))
    sheet.centered(label("scan_to_pay"))
    if slip.expires_at is not None:
        sheet.centered(f"{label('pay_before')} {slip.locale.format_time(slip.expires_at)}")
    sheet.add(Cut())
