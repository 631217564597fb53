"""The paper model between a layout and the bytes: lines of text, codes, images, a cut.

Layouts produce a list of blocks; `escpos_writer` turns them into ESC/POS bytes and
`render_text` keeps only the text lines. Because both read the same blocks, the text a
person reads off the paper and the text view of a receipt cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Style:
    bold: bool = False
    invert: bool = False
    underline: bool = False
    double_width: bool = False
    double_height: bool = False

    @property
    def width_factor(self) -> int:
        return 2 if self.double_width else 1


PLAIN = Style()
BOLD = Style(bold=True)
LARGE = Style(bold=True, double_width=True, double_height=True)
TALL = Style(bold=True, double_height=True)


@dataclass(frozen=True)
class TextLine:
    """One printed line. `text` is already folded to the code page and fits the paper."""

    text: str
    style: Style = PLAIN


@dataclass(frozen=True)
class TextImage:
    """A line the code page cannot print (a "辣" note, Arabic, emoji), drawn as a raster
    image of the paper's width: `text` is laid out like a TextLine (cells, not chars)."""

    text: str
    style: Style = PLAIN


@dataclass(frozen=True)
class QrCode:
    payload: str


@dataclass(frozen=True)
class Barcode:
    """A CODE128 barcode of `data` (printed only where the paper is wide enough)."""

    data: str


@dataclass(frozen=True)
class Logo:
    path: str


@dataclass(frozen=True)
class Cut:
    """Feed past the tear bar and cut (or just feed, on printers without a cutter)."""


@dataclass(frozen=True)
class Beep:
    times: int = 2
    duration: int = 3


@dataclass(frozen=True)
class DrawerPulse:
    pin: int = 2
    on_ms: int = 100
    off_ms: int = 100


Block = TextLine | TextImage | QrCode | Barcode | Logo | Cut | Beep | DrawerPulse


def text_lines(blocks: list[Block]) -> list[str]:
    """What a person reads off the paper, line by line (image lines included, as text)."""
    return [block.text for block in blocks if isinstance(block, (TextLine, TextImage))]
