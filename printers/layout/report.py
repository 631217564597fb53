"""The shift report: X (so far) or Z (closed), as a cashier and a manager check a till.

Per payment method it shows what it took, what it gave back (refunds are amounts, per
method), the net, what the till expects against what was counted (or "not counted")
and the difference (negative is a shortage); then the shift's totals, where the total
collected is the payments less the refunds.
"""
from __future__ import annotations

from ..blocks import BOLD, PLAIN, Cut
from ..money_format import format_money
from ..values import ShiftReport
from .sheet import Sheet


def layout_shift_report(report: ShiftReport, sheet: Sheet) -> None:
    label = report.locale.label

    def money(amount: int) -> str:
        return format_money(amount, report.currency)

    if report.copy:
        sheet.banner(label("copy"))
    sheet.large(label("x_report") if report.report == "X" else label("z_report"))
    if report.tenant_name:
        sheet.centered(report.tenant_name)
    sheet.rule()
    details = [
        (label("outlet"), report.outlet_name),
        (label("terminal"), report.terminal),
        (label("cashier"), report.cashier_name),
        (label("opened"), report.locale.format_time(report.opened_at)),
        (label("closed"), report.locale.format_time(report.closed_at) if report.closed_at else ""),
        (label("printed"), report.locale.format_time(report.printed_at)),
    ]
    for name, value in details:
        if value:
            sheet.row(name, value)
    sheet.rule()

    sheet.row(label("opening_float"), money(report.opening_float))
    if report.cash_movements:
        sheet.blank()
        sheet.heading(label("cash_movements"))
        for movement in report.cash_movements:
            name = label("cash_in") if movement.direction == "in" else label("cash_out")
            amount = movement.amount if movement.direction == "in" else -movement.amount
            when = f" {report.locale.format_time(movement.at)}" if movement.at else ""
            reason = f": {movement.reason}" if movement.reason else ""
            sheet.row(f"{name}{when}{reason}", money(amount), hanging=2)
    sheet.rule()

    sheet.heading(label("payments_by_method"))
    for method in report.methods:
        sheet.row(report.locale.method_label(method.method), f"{label('payment_count')} {method.payment_count}",
                  style=BOLD)
        sheet.row(label("taken"), money(method.taken), indent=2)
        if method.refunds:
            sheet.row(label("refunds"), money(-method.refunds), indent=2)
        sheet.row(label("net"), money(method.net), indent=2)
        sheet.row(label("expected"), money(method.expected), indent=2)
        if method.counted is None:
            sheet.row(label("counted"), label("not_counted"), indent=2)
        else:
            sheet.row(label("counted"), money(method.counted), indent=2)
            difference = method.difference
            sheet.row(label("difference"), money(difference), indent=2, style=BOLD if difference else PLAIN)
    sheet.rule()

    sheet.heading(label("totals"))
    sheet.row(label("orders"), str(report.order_count))
    sheet.row(label("gross_sales"), money(report.gross_sales))
    sheet.row(label("discounts"), money(-report.discounts))
    sheet.row(label("net_sales"), money(report.net_sales))
    sheet.row(label("service_charge"), money(report.service_charge))
    sheet.row(label("tax"), money(report.tax))
    if report.rounding:
        sheet.row(label("rounding"), money(report.rounding))
    sheet.row(label("payments_taken"), money(report.payments_total))
    for method in report.methods:
        if method.refunds:
            sheet.row(f"{label('refunds')} {report.locale.method_label(method.method)}", money(-method.refunds))
    sheet.rule("=")
    sheet.row(label("collected"), money(report.total_collected), style=BOLD)
    sheet.add(Cut())
