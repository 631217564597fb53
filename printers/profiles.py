"""What one printer can do, read from the escpos-printer-db profile shipped with python-escpos.

The profile decides the width (font A columns: 48 or 42 on 80 mm paper, 32 on 58 mm),
the paper's printable dots (for logos, QR and barcode images), and which commands the
printer understands (native QR, hardware barcodes, the cutter, the drawer pulse).
A printer's configuration may override the columns (an 80 mm printer set to 42-column
mode) and the dots; the buzzer is opt-in because the database does not record it.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from escpos.capabilities import CAPABILITIES, Profile

from .encoding import SUPPORTED_CODE_PAGES, CodePageError, canonical_code_page

FONT_A = "0"
FONT_A_DOTS = 12  # font A is 12 x 24 dots on Epson-compatible printers
MIN_COLUMNS, MAX_COLUMNS = 16, 96
IMAGE_IMPLEMENTATIONS = ("bitImageRaster", "graphics", "bitImageColumn")


class ProfileError(ValueError):
    """An unknown profile, or a setting the profile cannot honour."""


def profile_names() -> list[str]:
    return sorted(CAPABILITIES["profiles"])


def _profile_data(name: str) -> dict:
    try:
        return CAPABILITIES["profiles"][name]
    except KeyError:
        raise ProfileError(f"unknown printer profile {name!r}; choose one of {', '.join(profile_names())}") from None


def _int_or_none(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Paper:
    """The printer as the layout and the ESC/POS writer see it."""

    profile_name: str
    columns: int
    dots: int
    code_page: str
    qr_native: bool
    barcode_hardware: bool
    image_impl: str | None
    cutter: Literal["partial", "full"] | None
    drawer: bool
    buzzer: bool

    @property
    def large_columns(self) -> int:
        """Characters per line in double width."""
        return self.columns // 2

    @classmethod
    def for_profile(
        cls,
        profile: str = "default",
        *,
        columns: int | None = None,
        code_page: str = "CP437",
        dots: int | None = None,
        buzzer: bool = False,
    ) -> Paper:
        data = _profile_data(profile)
        features = data.get("features", {})
        profile_columns = data["fonts"][FONT_A]["columns"]
        if columns is None:
            columns = profile_columns
        if isinstance(columns, bool) or not isinstance(columns, int) or not MIN_COLUMNS <= columns <= MAX_COLUMNS:
            raise ProfileError(f"columns must be {MIN_COLUMNS}..{MAX_COLUMNS}, got {columns!r}")
        if dots is None:
            media_dots = _int_or_none(data.get("media", {}).get("width", {}).get("pixels"))
            if media_dots is None:
                dots = columns * FONT_A_DOTS
            else:
                # A narrower column mode narrows the print area in proportion.
                dots = min(media_dots, media_dots * columns // profile_columns)
        if isinstance(dots, bool) or not isinstance(dots, int) or not 128 <= dots <= 2048:
            raise ProfileError(f"dots must be 128..2048, got {dots!r}")
        try:
            code_page = canonical_code_page(code_page)
        except CodePageError as exc:
            raise ProfileError(str(exc)) from None
        if code_page not in data.get("codePages", {}).values():
            offered = sorted(set(data.get("codePages", {}).values()) & set(SUPPORTED_CODE_PAGES))
            raise ProfileError(f"profile {profile!r} has no code page {code_page}; it offers {', '.join(offered)}")
        cutter = "partial" if features.get("paperPartCut") else "full" if features.get("paperFullCut") else None
        image_impl = next((impl for impl in IMAGE_IMPLEMENTATIONS if features.get(impl)), None)
        return cls(
            profile_name=profile,
            columns=columns,
            dots=dots - dots % 8,  # raster images are whole bytes wide
            code_page=code_page,
            qr_native=bool(features.get("qrCode")),
            barcode_hardware=bool(features.get("barcodeB")),
            image_impl=image_impl,
            cutter=cutter,
            drawer=bool(features.get("pulseStandard")),
            buzzer=buzzer,
        )

    def escpos_profile(self) -> Profile:
        """A python-escpos profile for this paper (cached; never mutates the shared db)."""
        return _escpos_profile(self.profile_name, self.columns, self.dots)


@lru_cache(maxsize=64)
def _escpos_profile_class(name: str, dots: int) -> type:
    data = copy.deepcopy(_profile_data(name))
    # Known dots, so python-escpos never prints "media.width.pixel field ... not set"
    # and checks images against the real width.
    data.setdefault("media", {}).setdefault("width", {})["pixels"] = dots
    # Keep the lowest slot for each code page: python-escpos would otherwise use the
    # last duplicate (POS-5890 lists CP437 at 0, 50 and 52); slot 0..19 is the
    # Epson-standard numbering that clones most often share.
    first_slot: dict[str, str] = {}
    for slot in sorted(data.get("codePages", {}), key=int):
        first_slot.setdefault(data["codePages"][slot], slot)
    data["codePages"] = {slot: page for page, slot in first_slot.items()}
    return type(f"PrintersProfile_{len(data)}", (Profile,), {"profile_data": data})


def _escpos_profile(name: str, columns: int, dots: int) -> Profile:
    cls = _escpos_profile_class(name, dots)
    return cls(columns=columns, features=dict(cls.profile_data.get("features", {})))
