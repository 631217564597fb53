"""Lines a printer's code page cannot print, drawn as raster images so the cook can read
them: "辣" on a note, a customer's Arabic name, an emoji.

A line is drawn on the same grid the text lines use (the paper's width in `columns`
cells of 12 x 24 dots, say): plain characters sit in their cells in a monospaced face,
so amounts stay flush right; a run of other script (with the spaces inside it) is shaped
as a whole (Pillow with libraqm: Arabic joins and runs right to left) in the first of
the system's fonts that has its glyphs, and squeezed into the cells it was given if it
is wider. Double width and height scale the drawn line, as the printer scales its own
characters. A character no font has is drawn as an empty box (it is there, it cannot be
shown); no font at all: the line is still drawn, in boxes.

Fonts come from Debian packages (`fonts-dejavu-core`, `fonts-droid-fallback` for
Chinese/Japanese/Korean, `fonts-symbola` for emoji; `fonts-noto-cjk` is used when
present), or from `POS_PRINT_FONTS` (paths separated by ':', tried in order).
"""
from __future__ import annotations

import logging
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from .blocks import Style

log = logging.getLogger(__name__)

FONTS_VARIABLE = "POS_PRINT_FONTS"
GRID_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
DEFAULT_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  # Latin, Greek, Cyrillic, Arabic, Hebrew, symbols
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # fonts-noto-cjk, when installed
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",  # fonts-droid-fallback: CJK
    "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",  # fonts-symbola: emoji, in black and white
)
CELL_HEIGHT = 24  # dots per text line on thermal printers' font A (12 x 24)
THRESHOLD = 128  # grey -> black or white, crisp text rather than dithered


@dataclass(frozen=True)
class Face:
    path: str
    index: int  # the face inside a .ttc collection
    coverage: frozenset[int]


def _coverage(path: str) -> tuple[int, frozenset[int]] | None:
    from fontTools.ttLib import TTCollection, TTFont

    try:
        if path.lower().endswith((".ttc", ".otc")):
            font = TTCollection(path, lazy=True).fonts[0]
        else:
            font = TTFont(path, lazy=True)
        cmap = font.getBestCmap() or {}
        return 0, frozenset(cmap)
    except Exception as error:  # noqa: BLE001 - a broken font file must never stop printing
        log.warning("font %s not used: %s", path, error)
        return None


@lru_cache(maxsize=1)
def faces() -> tuple[Face, ...]:
    """The fonts that exist here, in the order they are tried."""
    wanted = os.environ.get(FONTS_VARIABLE)
    paths = [p for p in wanted.split(":") if p] if wanted else list(DEFAULT_FONTS)
    found = []
    for path in paths:
        if os.path.isfile(path):
            loaded = _coverage(path)
            if loaded is not None:
                found.append(Face(path, *loaded))
    if not found:
        log.warning("no font for lines the code page cannot print (install fonts-dejavu-core); they print as boxes")
    return tuple(found)


def face_for(char: str) -> Face | None:
    code = ord(char)
    return next((face for face in faces() if code in face.coverage), None)


def drawable(char: str) -> bool:
    return face_for(char) is not None


@lru_cache(maxsize=32)
def _font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size=size, index=index)


def _grid_font(size: int) -> ImageFont.FreeTypeFont | None:
    if os.path.isfile(GRID_FONT):
        return _font(GRID_FONT, 0, size)
    face = faces()[0] if faces() else None
    return _font(face.path, face.index, size) if face else None


def _cells(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _plain(char: str) -> bool:
    return char.isascii()


def runs(text: str) -> list[tuple[bool, str]]:
    """(plain?, run) pieces: plain ASCII in cells; other script with the spaces between
    its words kept together, so a phrase is shaped (and ordered) as one."""
    pieces: list[tuple[bool, str]] = []
    for char in text:
        plain = _plain(char) and not (char == " " and pieces and not pieces[-1][0])
        if pieces and pieces[-1][0] == plain:
            pieces[-1] = (plain, pieces[-1][1] + char)
        else:
            pieces.append((plain, char))
    result = []
    for plain, piece in pieces:  # trailing spaces of a script run go back to the grid
        if not plain and piece != piece.rstrip(" "):
            stripped = piece.rstrip(" ")
            result.append((False, stripped))
            result.append((True, piece[len(stripped):]))
        else:
            result.append((plain, piece))
    return result


def _shaped(run: str, cell_width: int, height: int) -> Image.Image:
    """A run of script drawn at its natural width, font by font (first that has it)."""
    size = height - 2
    parts: list[tuple[Face | None, str]] = []
    for char in run:
        face = face_for(char) if char != " " else (parts[-1][0] if parts else None)
        if parts and parts[-1][0] == face:
            parts[-1] = (face, parts[-1][1] + char)
        else:
            parts.append((face, char))
    width = max(1, sum(_cells(c) for c in run)) * cell_width * 2 + size * len(run)
    canvas = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(canvas)
    x = 0
    for face, piece in parts:
        if face is None:  # no font has these: one empty box per character
            for char in piece:
                box = max(1, _cells(char)) * cell_width
                if char != " ":
                    draw.rectangle((x + 1, 3, x + box - 2, height - 4), outline=0)
                x += box
            continue
        font = _font(face.path, face.index, size)
        draw.text((x, height - height // 6), piece, font=font, fill=0, anchor="ls")
        x += round(draw.textlength(piece, font=font))
    return canvas.crop((0, 0, max(1, x), height))


def text_image(text: str, style: Style, columns: int, dots: int) -> Image.Image:
    """`text` (a line laid out for `columns` cells at `style`) as a 1-bit image `dots` wide.

    Drawn at the larger of the style's two scales and then brought to the printed size,
    so double-height Chinese keeps its strokes rather than being a stretched blur."""
    width_factor = 2 if style.double_width else 1
    height_factor = 2 if style.double_height else 1
    scale = max(width_factor, height_factor)
    line_cells = max(1, columns // width_factor)
    cell_width = max(1, dots // columns) * scale
    height = CELL_HEIGHT * scale
    canvas = Image.new("L", (line_cells * cell_width, height), 255)
    draw = ImageDraw.Draw(canvas)
    grid = _grid_font(height - 4 * scale)
    column = 0
    for plain, piece in runs(text):
        if plain:
            for char in piece:
                if char != " " and grid is not None:
                    draw.text((column * cell_width + cell_width // 2, height - 5 * scale), char, font=grid, fill=0,
                              anchor="ms", stroke_width=scale if style.bold else 0, stroke_fill=0)
                column += 1
            continue
        budget = max(1, sum(_cells(c) for c in piece)) * cell_width
        drawn = _shaped(piece, cell_width, height)
        if drawn.width > budget:
            drawn = drawn.resize((budget, height), Image.LANCZOS)
        canvas.paste(drawn, (column * cell_width, 0))
        column += max(1, sum(_cells(c) for c in piece))
    size = (line_cells * (cell_width // scale) * width_factor, CELL_HEIGHT * height_factor)
    if canvas.size != size:
        canvas = canvas.resize(size, Image.LANCZOS)
    if style.invert:
        canvas = Image.eval(canvas, lambda value: 255 - value)
    mono = canvas.point(lambda value: 255 if value >= THRESHOLD else 0).convert("1", dither=Image.Dither.NONE)
    line = Image.new("1", (dots, mono.height), 0 if style.invert else 1)
    line.paste(mono, (0, 0))
    return line
