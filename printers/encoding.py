"""Text in a printer's code page, with a deliberate fallback for what it cannot show.

A thermal printer has no Unicode: it prints one byte per character from the code page
it was told to use (ESC t n). Each printer here has exactly one configured code page,
and every string is folded to characters that page can show BEFORE the layout measures
it, so widths are right and no byte ever prints as garbage:

1. the text is NFC-normalised (so "e" + combining acute becomes "é");
2. a character the page has prints as itself;
3. control characters become a space (a name can never inject an ESC/POS command) and
   invisible format characters (zero-width space, soft hyphen, BOM) are dropped;
4. a small table covers common symbols and letters without a decomposition
   ("€" -> "EUR", "–" -> "-", curly quotes -> straight, "…" -> "...", "ß" -> "ss");
5. Unicode NFKD decomposition with the accents removed ("é" -> "e", "ﬁ" -> "fi");
6. anything else becomes "?" - on a printer that takes raster images, a line holding such
   characters (Chinese, Arabic, emoji ...) is drawn as an image instead (`display` keeps
   them for that; see `printers.text_images`).

Only single-byte code pages that python-escpos can encode with a Python codec are
offered, so the bytes it writes and the text a decoder reads back agree exactly.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from escpos.capabilities import CAPABILITIES

# Step 4 of the fallback: common symbols and letters that NFKD does not decompose.
SYMBOL_FALLBACKS: dict[str, str] = {
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "Rs",
    "₩": "KRW",
    "₫": "VND",
    "฿": "THB",
    "¢": "c",
    "–": "-",  # en dash
    "—": "-",  # em dash
    "‐": "-",
    "‑": "-",
    "−": "-",  # minus sign
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "′": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "″": '"',
    "«": '"',
    "»": '"',
    "‹": "'",
    "›": "'",
    "…": "...",
    "•": "*",
    "·": ".",
    "×": "x",
    "÷": "/",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "→": "->",
    "←": "<-",
    "©": "(C)",
    "®": "(R)",
    "™": "TM",
    "°": "o",
    "½": "1/2",
    "¼": "1/4",
    "¾": "3/4",
    "ß": "ss",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "Th",
    "ı": "i",
    "\u00a0": " ",  # no-break space
    "\u2009": " ",  # thin space
    "\u202f": " ",  # narrow no-break space
}

UNPRINTABLE = "?"

# Multi-byte pages python-escpos cannot write one byte per character.
_MULTI_BYTE = {"CP932"}

# Friendly spellings people type in a config file.
_ALIASES = {
    "LATIN1": "ISO_8859-1",
    "LATIN9": "ISO_8859-15",
    "WINDOWS1252": "CP1252",
    "WINDOWS1250": "CP1250",
    "WINDOWS1251": "CP1251",
    "PC437": "CP437",
    "PC850": "CP850",
    "PC858": "CP858",
    "PC852": "CP852",
}


class CodePageError(ValueError):
    """A code page name we cannot print with."""


def _key(name: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", name.upper())


def _supported() -> dict[str, str]:
    """escpos code page name -> Python codec, for the pages we can print."""
    pages = {}
    for name, data in CAPABILITIES["encodings"].items():
        codec = data.get("python_encode")
        if not codec or name in _MULTI_BYTE:
            continue
        try:
            ascii_half = bytes(range(0x20, 0x7F)).decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
        if ascii_half != bytes(range(0x20, 0x7F)).decode("ascii"):
            continue  # python-escpos sends ASCII as is; such a page would misread it
        pages[name] = codec
    return pages


SUPPORTED_CODE_PAGES: dict[str, str] = _supported()
_BY_KEY = {_key(name): name for name in SUPPORTED_CODE_PAGES}
_BY_KEY.update({alias: name for alias, name in _ALIASES.items()})


def canonical_code_page(name: str) -> str:
    """'cp858', 'ISO-8859-15', 'latin9' -> the escpos name ('CP858', 'ISO_8859-15')."""
    found = _BY_KEY.get(_key(name or ""))
    if found is None:
        choices = ", ".join(sorted(SUPPORTED_CODE_PAGES))
        raise CodePageError(f"unsupported code page {name!r}; choose one of {choices}")
    return found


def python_codec(code_page: str) -> str:
    """The Python codec that reads this code page's bytes back ('cp858')."""
    return SUPPORTED_CODE_PAGES[canonical_code_page(code_page)]


@dataclass(frozen=True)
class CodePageText:
    """Folds text to what one code page can print (see the module docstring)."""

    code_page: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "code_page", canonical_code_page(self.code_page))

    def fold(self, text: str) -> str:
        return _fold(self.code_page, text)

    def encode(self, text: str) -> bytes:
        """The bytes the printer receives for `text` (after folding)."""
        return self.fold(text).encode(python_codec(self.code_page))

    def display(self, text: str) -> str:
        """`text` folded, except that characters the fold would turn into "?" stay as
        they are: a printer that takes images draws those lines instead (see
        `printers.text_images`), so nothing a cook must read becomes "?"."""
        return _display(self.code_page, text)

    def printable(self, text: str) -> bool:
        """Every character of `text` is one of this page's (no image needed)."""
        printable = _printable(self.code_page)
        return all(c in printable for c in text)


@cache
def _printable(code_page: str) -> frozenset[str]:
    """Printable ASCII plus every character bytes 0x80-0xFF decode to in this page."""
    codec = SUPPORTED_CODE_PAGES[code_page]
    chars = {chr(c) for c in range(0x20, 0x7F)}
    for byte in range(0x80, 0x100):
        try:
            char = bytes([byte]).decode(codec)
        except UnicodeDecodeError:
            continue
        if unicodedata.category(char)[0] != "C":  # skip C1 controls some pages map
            chars.add(char)
    return frozenset(chars)


@lru_cache(maxsize=8192)
def _fold_char(code_page: str, char: str) -> str:
    printable = _printable(code_page)
    if char in printable:
        return char
    category = unicodedata.category(char)
    if category == "Cc":
        return " "
    if category == "Cf":
        return ""
    replacement = SYMBOL_FALLBACKS.get(char)
    if replacement is not None and all(c in printable for c in replacement):
        return replacement
    decomposed = unicodedata.normalize("NFKD", char)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    if stripped and stripped != char:
        folded = "".join(
            c if c in printable else SYMBOL_FALLBACKS.get(c, UNPRINTABLE) for c in stripped
        )
        if all(c in printable for c in folded):
            return folded
    if decomposed and not stripped:  # a lone combining mark: nothing to show
        return ""
    return UNPRINTABLE


def _fold(code_page: str, text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    if all(c in _printable(code_page) for c in text):
        return text
    return "".join(_fold_char(code_page, c) for c in text)


def _display(code_page: str, text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    printable = _printable(code_page)
    if all(c in printable for c in text):
        return text
    out = []
    for char in text:
        folded = _fold_char(code_page, char)
        out.append(char if folded == UNPRINTABLE and char != UNPRINTABLE else folded)
    return "".join(out)


def fold_text(text: str, code_page: str) -> str:
    """`text` as the printer with `code_page` will show it."""
    return _fold(canonical_code_page(code_page), text)
