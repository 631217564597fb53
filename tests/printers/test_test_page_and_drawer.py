"""`pos printer test NAME` and the cash drawer kick."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from printers.config import PrinterConfig
from printers.profiles import Paper
from printers.render import make_test_page, render, render_drawer_kick
from tests.support.escpos_decoder import decode


def _config(**overrides):
    return PrinterConfig(**{"name": "Bar", "kind": "network", "device": "10.0.0.7", "profile": "TM-T20II",
                            "code_page": "CP858", **overrides})


def test_test_page_names_the_printer_its_profile_width_and_code_page():
    config = _config()
    page = make_test_page(config, datetime(2026, 11, 23, tzinfo=UTC))
    decoded = decode(render(page, config), profile="TM-T20II", columns=48)
    assert decoded.line("Printer").text.endswith("Bar")
    assert decoded.line("Profile").text.endswith("TM-T20II")
    assert decoded.line("Columns").text.endswith("48")
    assert decoded.line("Code page").text.endswith("CP858")
    assert decoded.line("Link: network 10.0.0.7:9100")


def test_test_page_ruler_is_exactly_as_wide_as_the_paper():
    config = _config(profile="POS-5890", code_page="CP437")
    decoded = decode(render(make_test_page(config), config), profile="POS-5890", columns=32)
    assert "12345678901234567890123456789012" in decoded.lines


def test_test_page_shows_the_character_sample_through_the_code_page_and_prints_codes():
    config = _config()
    decoded = decode(render(make_test_page(config), config), profile="TM-T20II", columns=48)
    sample = " ".join(decoded.lines[decoded.lines.index("Character sample:") + 1:][:2])
    assert "àéîõü" in sample and "€" in sample  # CP858 has both
    assert decoded.qr and decoded.barcodes[0].data == "TEST-0001"
    assert decoded.inverted_lines and decoded.cuts == 1


@pytest.mark.parametrize("pin", [2, 5])
def test_drawer_kick_pulses_the_chosen_pin_and_prints_nothing(pin):
    decoded = decode(render_drawer_kick(Paper.for_profile("TM-T88V"), pin=pin))
    assert decoded.drawer_pulses == [(pin, 100, 100)]
    assert decoded.lines == [] and decoded.cuts == 0
