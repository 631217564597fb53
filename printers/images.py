"""Pictures on thermal paper: the logo, and QR codes / barcodes drawn as 1-bit images.

A logo is read, scaled to fit the paper (never enlarged, at most half the paper's
width tall), dithered to black and white and centred once, then cached by path,
modification time and size: editing the file takes effect on the next print, and a
missing or broken file never stops a receipt (it prints without the logo).

QR codes and CODE128 barcodes go to the printer as commands when its profile supports
them; otherwise they are drawn here, dot-exact, and sent as raster images.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import qrcode
import qrcode.exceptions
import qrcode.util
from barcode.codex import Code128
from PIL import Image

log = logging.getLogger(__name__)

QR_SHARE_OF_WIDTH = 0.6  # a QR takes at most this much of the paper's width
QR_MAX_MODULE_DOTS = 8
QR_BORDER_MODULES = 2
BARCODE_HEIGHT_DOTS = 64
BARCODE_QUIET_MODULES = 10  # each side
BARCODE_MODULE_DOTS = (3, 2)  # widest first; narrower than 2 dots does not scan reliably


def load_logo(path: str, max_dots: int) -> Image.Image | None:
    """The logo at `path`, ready to print `max_dots` wide, or None if it cannot be read."""
    try:
        stat = os.stat(path)
    except OSError as exc:
        log.warning("logo %s not printed: %s", path, exc)
        return None
    return _prepared_logo(os.path.abspath(path), stat.st_mtime_ns, stat.st_size, max_dots)


@lru_cache(maxsize=16)
def _prepared_logo(path: str, mtime_ns: int, size: int, max_dots: int) -> Image.Image | None:
    try:
        with Image.open(path) as source:
            source.load()
            rgba = source.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        log.warning("logo %s not printed: %s", path, exc)
        return None
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.split()[3])
    grey = flat.convert("L")
    ratio = min(1.0, max_dots / grey.width, (max_dots // 2) / grey.height)
    if ratio < 1.0:
        grey = grey.resize((max(1, int(grey.width * ratio)), max(1, int(grey.height * ratio))), Image.LANCZOS)
    mono = grey.convert("1")  # Floyd-Steinberg dithering
    canvas = Image.new("1", (max_dots, mono.height), 1)
    canvas.paste(mono, ((max_dots - mono.width) // 2, 0))
    return canvas


# --- QR --------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def qr_matrix(payload: str) -> tuple[tuple[bool, ...], ...]:
    """The QR symbol (error correction M, no border) as rows of dark/light modules."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(payload)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


@lru_cache(maxsize=256)
def qr_side_modules(payload: str) -> int | None:
    """Modules per side of the QR for `payload` (None: too long for any QR).

    Only the version is computed (byte mode, error correction M, as the printer
    encodes it), not the symbol: a printer with native QR draws that itself, and
    building it here would cost most of the render time.
    """
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(qrcode.util.QRData(payload.encode("utf-8"), mode=qrcode.util.MODE_8BIT_BYTE))
    try:
        version = code.best_fit()
    except (qrcode.exceptions.DataOverflowError, ValueError):  # qrcode raises either for "too long"
        return None
    return 17 + 4 * version


def qr_module_dots(payload: str, dots: int) -> int:
    """Dots per QR module so the code takes at most ~60 % of the paper width."""
    side = qr_side_modules(payload)
    modules = (side or 177) + 2 * QR_BORDER_MODULES
    return max(1, min(QR_MAX_MODULE_DOTS, int(dots * QR_SHARE_OF_WIDTH) // modules))


@lru_cache(maxsize=64)
def qr_image(payload: str, dots: int) -> Image.Image:
    matrix = qr_matrix(payload)
    module = max(1, min(QR_MAX_MODULE_DOTS, int(dots * QR_SHARE_OF_WIDTH) // (len(matrix) + 2 * QR_BORDER_MODULES)))
    side = (len(matrix) + 2 * QR_BORDER_MODULES) * module
    image = Image.new("1", (dots, side), 1)
    offset_x = (dots - side) // 2 + QR_BORDER_MODULES * module
    offset_y = QR_BORDER_MODULES * module
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                left, top = offset_x + x * module, offset_y + y * module
                image.paste(0, (left, top, left + module, top + module))
    return image


# --- CODE128 ---------------------------------------------------------------------------


def is_code128_text(data: str) -> bool:
    return bool(data) and all(0x20 <= ord(c) < 0x7F for c in data)


def hardware_code128_modules(data: str) -> int:
    """Width in modules of `data` in code set B: start, data, check (11 each), stop (13)."""
    return 11 * (len(data) + 2) + 13


@lru_cache(maxsize=256)
def software_code128_modules(data: str) -> str:
    """The bars as a '1'/'0' module string (python-barcode picks the shortest code sets)."""
    return Code128(data).build()[0]


@dataclass(frozen=True)
class BarcodePlan:
    """How a barcode will be printed: by the printer (GS k) or as an image."""

    method: Literal["hardware", "image"]
    module_dots: int


def plan_barcode(data: str, dots: int, hardware: bool, images: bool) -> BarcodePlan | None:
    """The widest scannable way to print `data` on this paper, or None if it cannot fit."""
    if not is_code128_text(data):
        return None
    if hardware:
        modules = hardware_code128_modules(data) + 2 * BARCODE_QUIET_MODULES
        for module_dots in BARCODE_MODULE_DOTS:
            if modules * module_dots <= dots:
                return BarcodePlan("hardware", module_dots)
    if images:
        modules = len(software_code128_modules(data)) + 2 * BARCODE_QUIET_MODULES
        for module_dots in BARCODE_MODULE_DOTS:
            if modules * module_dots <= dots:
                return BarcodePlan("image", module_dots)
    return None


@lru_cache(maxsize=64)
def barcode_image(data: str, module_dots: int, dots: int) -> Image.Image:
    bars = software_code128_modules(data)
    width = len(bars) * module_dots
    image = Image.new("1", (dots, BARCODE_HEIGHT_DOTS), 1)
    left = (dots - width) // 2
    for index, bar in enumerate(bars):
        if bar == "1":
            x = left + index * module_dots
            image.paste(0, (x, 0, x + module_dots, BARCODE_HEIGHT_DOTS))
    return image
