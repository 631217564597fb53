"""The printer test page: is it connected, how wide is it, which characters does it show.

The ruler line proves the configured columns match the paper (it must end exactly at
the right edge), and the character sample shows which accents print natively in the
configured code page and which fall back.
"""
from __future__ import annotations

from ..blocks import BOLD, LARGE, Barcode, Cut, QrCode, Style
from ..values import TestPage
from .sheet import Sheet


def layout_test_page(page: TestPage, sheet: Sheet) -> None:
    label = page.locale.label
    if page.copy:
        sheet.banner(label("copy"))
    sheet.large(label("test_page"))
    sheet.rule()
    for name, value in (
        (label("printer"), page.printer_name),
        (label("profile"), page.profile),
        (label("columns"), str(page.columns)),
        (label("code_page"), page.code_page),
        (label("printed"), page.locale.format_time(page.printed_at)),
    ):
        sheet.row(name, value)
    for detail in page.details:
        sheet.text(detail)
    sheet.rule()
    sheet.line("".join(str((i + 1) % 10) for i in range(sheet.columns)))
    sheet.text(label("character_sample"), style=BOLD)
    sheet.text(page.sample)
    sheet.text("Bold", style=BOLD)
    sheet.text("Inverted", style=Style(invert=True))
    sheet.text("Large", style=LARGE)
    sheet.rule()
    if page.qr_payload:
        sheet.add(QrCode(page.qr_payload))
        sheet.centered(page.qr_payload)
    if page.barcode_data:
        sheet.add(Barcode(page.barcode_data))
        sheet.centered(page.barcode_data)
    sheet.add(Cut())

