"""Paper blocks -> ESC/POS bytes, through python-escpos's Dummy printer.

Every job starts with ESC @ (so a previous job's styles never leak into this one)
and ESC t for the printer's configured code page; the code page is then fixed for the
whole job (text was already folded to it, see `encoding`). Styles are sent only when
they change. Codes the printer cannot do natively are sent as images, and a barcode
that cannot fit the paper at a scannable width is left out (the order number is
printed as text anyway). A line the code page cannot print is drawn as an image of
the paper's width (`text_images`).
"""
from __future__ import annotations

import logging

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

from .blocks import (
    PLAIN,
    Barcode,
    Beep,
    Block,
    Cut,
    DrawerPulse,
    Logo,
    QrCode,
    Style,
    TextImage,
    TextLine,
)
from .images import (
    BARCODE_HEIGHT_DOTS,
    barcode_image,
    load_logo,
    plan_barcode,
    qr_image,
    qr_module_dots,
    qr_side_modules,
)
from .profiles import Paper
from .text_images import text_image

log = logging.getLogger(__name__)

TEAR_OFF_FEED_LINES = 6  # without a cutter, feed the last line past the tear bar


class RenderError(ValueError):
    """A document the printer cannot print as asked (a bug in a layout, or no drawer port)."""


def write_escpos(blocks: list[Block], paper: Paper) -> bytes:
    printer = Dummy(profile=paper.escpos_profile())
    printer.hw("INIT")
    printer.charcode(paper.code_page)
    style = PLAIN
    for block in blocks:
        if isinstance(block, TextLine):
            _check_width(block, paper)
            if block.style != style:
                _set_style(printer, block.style)
                style = block.style
            printer.text(block.text + "\n")
            continue
        if style != PLAIN:
            _set_style(printer, PLAIN)
            style = PLAIN
        if isinstance(block, TextImage):
            if paper.image_impl:
                printer.image(text_image(block.text, block.style, paper.columns, paper.dots), impl=paper.image_impl)
            else:  # a layout made for a printer that takes images: say plainly what cannot print
                printer.text("".join(c if c.isascii() else "?" for c in block.text) + "\n")
        elif isinstance(block, QrCode):
            _qr(printer, block.payload, paper)
        elif isinstance(block, Barcode):
            _barcode(printer, block.data, paper)
        elif isinstance(block, Logo):
            image = load_logo(block.path, paper.dots)
            if image is not None and paper.image_impl:
                printer.image(image, impl=paper.image_impl)
        elif isinstance(block, Cut):
            if paper.cutter:
                printer.cut(mode="PART" if paper.cutter == "partial" else "FULL")
            else:
                printer.print_and_feed(TEAR_OFF_FEED_LINES)
        elif isinstance(block, Beep):
            if paper.buzzer:
                printer.buzzer(block.times, block.duration)
        elif isinstance(block, DrawerPulse):
            _drawer(printer, block, paper)
        else:  # pragma: no cover - a new block type without a writer
            raise RenderError(f"no ESC/POS writer for {type(block).__name__}")
    return printer.output


def _check_width(line: TextLine, paper: Paper) -> None:
    if len(line.text) * line.style.width_factor > paper.columns:
        raise RenderError(f"line wider than {paper.columns} columns: {line.text!r}")


def _set_style(printer: Dummy, style: Style) -> None:
    # ESC ! (the size) also resets bold and underline, so every change sends them all.
    printer.set(
        bold=style.bold,
        underline=1 if style.underline else 0,
        invert=style.invert,
        double_width=style.double_width,
        double_height=style.double_height,
        normal_textsize=not (style.double_width or style.double_height),
    )


def _qr(printer: Dummy, payload: str, paper: Paper) -> None:
    if qr_side_modules(payload) is None:
        log.warning("QR code not printed: %d characters is more than a QR code holds", len(payload))
        return
    if paper.qr_native:
        printer.set(align="center")
        printer.qr(payload, ec=QR_ECLEVEL_M, size=qr_module_dots(payload, paper.dots), native=True)
        printer.set(align="left")
    elif paper.image_impl:
        printer.image(qr_image(payload, paper.dots), impl=paper.image_impl)


def _barcode(printer: Dummy, data: str, paper: Paper) -> None:
    plan = plan_barcode(data, paper.dots, paper.barcode_hardware, paper.image_impl is not None)
    if plan is None:
        return
    if plan.method == "hardware":
        # The public Escpos.barcode() prints "Using hardware barcode renderer" to stdout on
        # every call; _hw_barcode is the same code without that. "{B" selects code set B,
        # and a literal "{" is escaped as "{{".
        printer._hw_barcode(
            "{B" + data.replace("{", "{{"),
            "CODE128",
            height=BARCODE_HEIGHT_DOTS,
            width=plan.module_dots,
            pos="OFF",
            align_ct=True,
            function_type="B",
        )
        printer.set(align="left")
    else:
        printer.image(barcode_image(data, plan.module_dots, paper.dots), impl=paper.image_impl)


def _drawer(printer: Dummy, pulse: DrawerPulse, paper: Paper) -> None:
    if not paper.drawer:
        raise RenderError(f"profile {paper.profile_name} has no drawer kick (ESC p)")
    pin = {2: 0, 5: 1}[pulse.pin]
    on, off = (max(1, min(255, ms // 2)) for ms in (pulse.on_ms, pulse.off_ms))
    printer.cashdraw([27, 112, pin, on, off])
