"""Widths and abilities come from the escpos-printer-db profiles shipped with python-escpos."""
from __future__ import annotations

import pytest
from escpos.capabilities import CAPABILITIES

from printers.profiles import Paper, ProfileError
from printers.render import render
from tests.printers.samples import receipt


@pytest.mark.parametrize("profile, columns, dots", [
    ("TM-T20II", 48, 576),        # 80 mm, Epson 203 dpi
    ("TM-L90", 48, 576),
    ("TM-T88V", 42, 512),         # 80 mm, Epson 180 dpi
    ("TM-T20II-42col", 42, 544),  # 546 dots, rounded down to whole bytes
    ("default", 42, 504),         # width unknown: 42 columns x 12 dots
    ("POS-5890", 32, 384),        # 58 mm
    ("NT-5890K", 32, 384),
    ("ZJ-5870", 32, 384),
    ("Sunmi-V2", 32, 384),
])
def test_columns_and_dots_come_from_the_profile(profile, columns, dots):
    paper = Paper.for_profile(profile)
    assert (paper.columns, paper.dots) == (columns, dots)


def test_configured_42_columns_on_a_48_column_printer_narrows_images_too():
    paper = Paper.for_profile("TM-T20II", columns=42)
    assert (paper.columns, paper.dots) == (42, 504)


def test_abilities_of_an_epson_and_a_cheap_58mm_printer():
    epson, cheap = Paper.for_profile("TM-T88V"), Paper.for_profile("POS-5890")
    assert (epson.qr_native, epson.barcode_hardware, epson.cutter) == (True, True, "partial")
    assert (cheap.qr_native, cheap.barcode_hardware, cheap.cutter) == (False, False, None)
    assert cheap.image_impl == "bitImageRaster"


def test_code_page_must_be_offered_by_the_profile():
    with pytest.raises(ProfileError, match="no code page CP858"):
        Paper.for_profile("ZJ-5870", code_page="CP858")


def test_unknown_profile_is_refused_with_the_choices():
    with pytest.raises(ProfileError, match="TM-T88V"):
        Paper.for_profile("TM-T1000")


def test_rendering_never_changes_the_shared_profile_database():
    before = CAPABILITIES["profiles"]["default"]["media"]["width"]["pixels"]
    render(receipt(logo_path=""), Paper.for_profile("default"))
    assert CAPABILITIES["profiles"]["default"]["media"]["width"]["pixels"] == before == "Unknown"


def test_duplicate_code_page_slots_use_the_lowest_number():
    # POS-5890 lists CP437 at slots 0, 50 and 52; python-escpos alone would send ESC t 52.
    data = render(receipt(), Paper.for_profile("POS-5890", code_page="CP437"))
    assert data.startswith(b"\x1b@\x1bt\x00")
