"""The kitchen ticket: big order number and table, items a cook can read at arm's length.

No prices: the kitchen needs what to cook, for whom, and when it was ordered.
Items, modifiers and notes print in double height (bold), which keeps the full
width for long dish names; the order number and table print double width too when
they fit.
"""
from __future__ import annotations

from ..blocks import TALL, Beep, Cut
from ..values import KitchenTicket
from .sheet import Sheet


def layout_kitchen_ticket(ticket: KitchenTicket, sheet: Sheet) -> None:
    label = ticket.locale.label
    if ticket.copy:
        sheet.banner(label("copy"))
    if ticket.cancelled:
        sheet.banner(label("cancelled"))
    if ticket.station:
        sheet.centered(ticket.station.upper())
    sheet.large(ticket.order_number)
    if ticket.table:
        sheet.large(f"{label('table')} {ticket.table}")
    if ticket.customer_name:  # two lines at most: the items are what the cook needs to see
        sheet.centered(ticket.customer_name, style=TALL, max_lines=2)
    details = [
        (label("source"), ticket.source),
        (label("time"), ticket.locale.format_time(ticket.created_at)),
    ]
    for name, value in details:
        if value:
            sheet.row(name, value)
    sheet.rule()

    for item in ticket.items:
        prefix = f"{item.quantity} x "
        hang = len(prefix)
        sheet.row(prefix + item.name, "", hanging=hang, style=TALL)
        for modifier in item.modifiers:
            sheet.row(f"+ {modifier}", "", indent=hang, hanging=hang + 2, style=TALL)
        if item.note:
            sheet.row(f"! {item.note}", "", indent=hang, hanging=hang + 2, style=TALL)
    sheet.rule()
    if ticket.order_note:
        sheet.text(f"{label('note')}: {ticket.order_note}", style=TALL)
    sheet.add(Cut())
    if ticket.beep:
        sheet.add(Beep())
