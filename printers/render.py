"""Documents -> ESC/POS bytes for one printer, or -> the lines a person reads off it.

    data = render(receipt, config)            # bytes to store in the print job
    lines = render_text(receipt, 48, "CP858") # the same lines, for ?format=text

Both go through the same layout, so the text view is exactly what the paper shows
(pass the printer's code page to see its fallbacks; without one, text stays Unicode).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from .blocks import Block, text_lines
from .config import PrinterConfig
from .encoding import CodePageText
from .escpos_writer import RenderError, write_escpos
from .images import plan_barcode
from .layout.drawer import layout_drawer_kick
from .layout.kitchen import layout_kitchen_ticket
from .layout.payment_qr import layout_payment_qr
from .layout.receipt import layout_receipt
from .layout.report import layout_shift_report
from .layout.sheet import Sheet
from .layout.test_page import layout_test_page
from .profiles import MAX_COLUMNS, MIN_COLUMNS, Paper
from .values import (
    Document,
    DrawerKick,
    KitchenTicket,
    PaymentQr,
    Receipt,
    ShiftReport,
    TestPage,
    load_document,
)

_LAYOUTS: dict[type, Callable] = {
    Receipt: layout_receipt,
    KitchenTicket: layout_kitchen_ticket,
    ShiftReport: layout_shift_report,
    TestPage: layout_test_page,
    DrawerKick: layout_drawer_kick,
    PaymentQr: layout_payment_qr,
}


def _paper(target: Paper | PrinterConfig) -> Paper:
    return target if isinstance(target, Paper) else target.paper()


def layout(document: Document, columns: int, fold: Callable[[str], str] = str,
           needs_image: Callable[[str], bool] | None = None) -> list[Block]:
    """The paper blocks of `document` for a paper `columns` wide."""
    try:
        build = _LAYOUTS[type(document)]
    except KeyError:
        raise RenderError(f"cannot print a {type(document).__name__}") from None
    sheet = Sheet(columns, fold, needs_image)
    build(document, sheet)
    return sheet.blocks


def text_for_paper(code_page: str, images: bool) -> tuple[Callable[[str], str], Callable[[str], bool] | None]:
    """How text reaches the paper: folded to the code page, or (a printer that takes
    images) kept where the page cannot show it, those lines drawn instead."""
    page = CodePageText(code_page)
    if images:
        return page.display, lambda line: not page.printable(line)
    return page.fold, None


def render(document: Document, target: Paper | PrinterConfig) -> bytes:
    """The ESC/POS bytes of `document` for the printer described by `target`."""
    paper = _paper(target)
    fold, needs_image = text_for_paper(paper.code_page, paper.image_impl is not None)
    return write_escpos(layout(document, paper.columns, fold, needs_image), paper)


def render_stored(document: dict, target: Paper | PrinterConfig) -> bytes:
    """Render a document stored with a print job (`to_dict()` form)."""
    return render(load_document(document), target)


def render_text(document: Document, columns: int, code_page: str | None = None, images: bool = True) -> list[str]:
    """The text lines of `document` exactly as printed `columns` wide.

    With `code_page`, characters the printer cannot show appear as it prints them
    (e.g. "EUR" for "€" on CP437; "?" only on a printer without images: `images=False`,
    others draw such lines and the text keeps them); without it they stay as they are.
    """
    if isinstance(columns, bool) or not isinstance(columns, int) or not MIN_COLUMNS <= columns <= MAX_COLUMNS:
        raise ValueError(f"columns must be {MIN_COLUMNS}..{MAX_COLUMNS}")
    if not code_page:
        return text_lines(layout(document, columns, str))
    return text_lines(layout(document, columns, *text_for_paper(code_page, images)))


def render_drawer_kick(target: Paper | PrinterConfig, pin: int = 2) -> bytes:
    """The bytes that open the cash drawer on connector pin 2 or 5."""
    return render(DrawerKick(pin=pin), target)


def make_test_page(config: PrinterConfig, printed_at: datetime | None = None) -> TestPage:
    """A test page describing `config` as its profile resolves it."""
    paper = config.paper()
    qr = "native" if paper.qr_native else "image" if paper.image_impl else "not printable"
    barcode = plan_barcode("TEST-0001", paper.dots, paper.barcode_hardware, paper.image_impl is not None)
    details = (
        f"Link: {config.kind} {_address(config)}",
        f"Paper: {paper.dots} dots, {paper.columns // 2} large columns",
        f"QR: {qr}; barcode: {barcode.method if barcode else 'does not fit'}",
        f"Cutter: {paper.cutter or 'none (tear off)'}; buzzer: {'yes' if paper.buzzer else 'no'}",
    )
    return TestPage(
        printer_name=config.name,
        profile=config.profile,
        columns=paper.columns,
        code_page=paper.code_page,
        printed_at=printed_at or datetime.now(UTC),
        details=details,
    )


def _address(config: PrinterConfig) -> str:
    if config.kind == "network":
        return f"{config.host}:{config.port}"
    if config.kind == "usb":
        product = f"{config.product_id:04x}" if config.product_id is not None else "*"
        return f"{config.vendor_id:04x}:{product}"
    if config.kind == "serial":
        return f"{config.device} {config.baudrate} baud"
    return config.device
