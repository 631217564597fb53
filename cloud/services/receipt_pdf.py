"""The e-receipt as a PDF (fpdf2): the page's figures on an 80 mm wide page, like the
paper. DejaVu Sans when the system has it (as the receipt printers' text images use),
else the PDF core font with characters it lacks replaced."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cloud.services.receipts import EReceipt

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
WIDTH_MM, MARGIN_MM = 80, 5
METHODS = {"cash": "Cash", "card": "Card", "qris": "QRIS", "ewallet": "E-wallet"}


def render(receipt: EReceipt, money: Callable[[int], str], local: Callable) -> bytes:
    from fpdf import FPDF  # imported when used: fpdf2 is 5 % of the cloud's start

    order = receipt.order
    pdf = FPDF(unit="mm", format=(WIDTH_MM, 90 + 6 * (len(receipt.items) + 3 * len(receipt.payments))))
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, MARGIN_MM)
    if FONT.exists():
        pdf.add_font("DejaVu", "", str(FONT))
        family, plain = "DejaVu", str
    else:
        family = "Helvetica"

        def plain(text):
            return str(text).encode("latin-1", "replace").decode("latin-1")
    pdf.add_page()
    inner = WIDTH_MM - 2 * MARGIN_MM

    def centred(text, size=8):
        pdf.set_font(family, size=size)
        pdf.multi_cell(inner, 4, plain(text), align="C", new_x="LMARGIN", new_y="NEXT")

    def row(left, right, size=8):
        pdf.set_font(family, size=size)
        pdf.cell(inner * 0.65, 5, plain(left))
        pdf.cell(inner * 0.35, 5, plain(right), align="R", new_x="LMARGIN", new_y="NEXT")

    def rule():
        pdf.ln(1)
        pdf.line(MARGIN_MM, pdf.get_y(), WIDTH_MM - MARGIN_MM, pdf.get_y())
        pdf.ln(1)

    centred(receipt.tenant.name, 12)
    centred(receipt.outlet.name)
    if receipt.outlet.address:
        centred(receipt.outlet.address)
    rule()
    row("Order", order.order_number)
    row("Date", local(order.created_at))
    if order.customer_name:
        row("Customer", order.customer_name)
    rule()
    for item in receipt.items:
        row(f"{item.quantity} x {item.product_name}", money(item.gross))
    rule()
    row("Subtotal", money(order.subtotal))
    for label, amount in (("Discount", -order.discount_amount), (receipt.service_label, order.service_charge),
                          (receipt.tax_label, order.tax_amount), ("Rounding", order.rounding_amount)):
        if amount:
            row(label, money(amount))
    rule()
    row("TOTAL", money(order.total_amount), 11)
    rule()
    for payment in receipt.payments:
        row(METHODS.get(payment.method, payment.method), money(payment.amount))
        if payment.tendered and payment.tendered != payment.amount:
            row("  Tendered", money(payment.tendered))
            row("  Change", money(payment.change_amount))
    if order.refunded_amount:
        row("Refunded", money(-order.refunded_amount))
    if receipt.tenant.receipt_footer:
        rule()
        centred(receipt.tenant.receipt_footer)
    return bytes(pdf.output())
