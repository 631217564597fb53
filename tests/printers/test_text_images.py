"""Printing any script: a note in Chinese, a name in Arabic, an emoji. The code page
cannot print them; the printer draws those lines as images of the paper's width, so the
cook reads "辣" instead of "?". Without a font for a character it draws a box."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from printers import text_images
from printers.blocks import PLAIN, Style, TextImage, TextLine
from printers.profiles import Paper
from printers.render import layout, render, render_text, text_for_paper
from printers.text_images import drawable, text_image
from printers.values import KitchenItem, KitchenTicket
from tests.support.escpos_decoder import decode

SPICY = "辣 extra spicy"


def ticket(**overrides) -> KitchenTicket:
    fields = {"order_number": "YOG-261206-1-0007", "created_at": datetime(2026, 12, 6, 6, 0, tzinfo=UTC),
              "items": (KitchenItem("Aglio e Olio", 2, ("Hot",), SPICY), KitchenItem("Iced Cola", 1, (), "no ice")),
              "table": "5"}
    fields.update(overrides)
    return KitchenTicket(**fields)


def black(image) -> int:
    return image.convert("L").histogram()[0]


def test_the_fonts_ci_installs_cover_chinese_arabic_and_emoji():
    assert all(drawable(char) for char in "辣生日快乐فاطمة🌶🎂"), [f.path for f in text_images.faces()]


@pytest.mark.parametrize("profile", ["TM-T20II", "TM-T88V", "POS-5890"])
def test_a_note_the_code_page_cannot_print_is_drawn_not_questioned(profile):
    """Before: "! ? extra spicy" on paper."""
    paper = Paper.for_profile(profile, code_page="CP437")
    decoded = decode(render(ticket(), paper), encoding="cp437", profile=profile, columns=paper.columns)
    assert decoded.overflows == [] and decoded.unknown == []
    assert not any("?" in line for line in decoded.lines)
    assert [line.strip() for line in decoded.lines if "no ice" in line] == ["! no ice"]  # plain notes stay text
    (drawn,) = decoded.images
    assert drawn.width == paper.dots and drawn.height == 48  # the item lines are double height
    (event,) = [event for event in decoded.events if event.kind == "image"]
    assert decoded.lines[event.line_index - 1].strip() == "+ Hot"  # in its place: after the item's options,
    assert decoded.lines[event.line_index] == "1 x Iced Cola"  # before the next item


def test_the_text_view_and_transcript_show_what_the_paper_shows():
    lines = render_text(ticket(), 48, "CP437")
    assert "    ! 辣 extra spicy" in lines
    assert render_text(ticket(), 48, "CP437", images=False)[lines.index("    ! 辣 extra spicy")] == \
        "    ! ? extra spicy"  # a printer that takes no images shows "?", and says so in its text


def test_the_drawn_line_holds_the_glyph_in_its_cells():
    image = text_image("! 辣", PLAIN, 48, 576)
    assert image.size == (576, 24) and image.mode == "1"
    mark, glyph, rest = image.crop((0, 0, 12, 24)), image.crop((24, 0, 48, 24)), image.crop((48, 0, 576, 24))
    assert black(mark) > 10 and black(glyph) > 40 and black(rest) == 0  # "!" in cell 0, 辣 in cells 2-3


def test_amounts_stay_in_their_column_on_a_drawn_line():
    drawn = text_image("2 x 牛肉面" + " " * 29 + "Rp 30.000", PLAIN, 48, 576)
    plain = text_image("2 x Beef noodles" + " " * 23 + "Rp 30.000", PLAIN, 48, 576)
    right = (39 * 12, 0, 576, 24)  # the last nine cells
    assert drawn.crop(right).tobytes() == plain.crop(right).tobytes()


def test_arabic_is_shaped_and_right_to_left():
    joined = text_image("فاطمة", PLAIN, 48, 576)
    apart = text_image("ف ا ط م ة", PLAIN, 48, 576)
    assert black(joined) > 30 and joined.tobytes() != apart.tobytes()


def test_a_wide_line_is_measured_in_cells_and_wraps_inside_the_paper():
    note = "王" * 60  # 120 cells
    blocks = layout(ticket(items=(KitchenItem("Noodles", 1, (), note),)), 32, *text_for_paper("CP437", True))
    drawn = [block for block in blocks if isinstance(block, TextImage)]
    assert "".join(block.text.strip().lstrip("! ") for block in drawn) == note  # all of it, wrapped
    assert all(sum(2 if c == "王" else 1 for c in block.text) <= 32 for block in drawn)
    assert len(drawn) > 3 and all(isinstance(block, TextLine) for block in blocks
                                  if getattr(block, "text", "").startswith("Time"))


def test_a_character_no_font_has_is_a_box_and_printing_goes_on(monkeypatch):
    assert not drawable("\U0010fffd")
    boxed = text_image("note \U0010fffd", PLAIN, 48, 576)
    assert black(boxed.crop((60, 0, 72, 24))) > 10  # the box in cell 5
    monkeypatch.setenv(text_images.FONTS_VARIABLE, "/nonexistent/font.ttf")
    text_images.faces.cache_clear()
    try:
        paper = Paper.for_profile("TM-T20II", code_page="CP437")
        decoded = decode(render(ticket(), paper), encoding="cp437", profile="TM-T20II", columns=paper.columns)
        assert len(decoded.images) == 1 and decoded.unknown == []
    finally:
        monkeypatch.delenv(text_images.FONTS_VARIABLE)
        text_images.faces.cache_clear()


def test_a_banner_in_another_script_is_white_on_black_and_double_size():
    banner = Style(bold=True, invert=True, double_width=True, double_height=True)
    image = text_image("          退款          ", banner, 48, 576)
    assert image.size == (576, 48)
    assert black(image) > 0.8 * 576 * 48  # white glyphs on a black band
    assert black(image.crop((0, 0, 200, 48))) == 200 * 48  # the band runs to the edge
