"""Text the printer's code page cannot show is folded deliberately, never garbage."""
from __future__ import annotations

import pytest
from escpos.printer import Dummy
from hypothesis import given, settings
from hypothesis import strategies as st

from printers.encoding import (
    SUPPORTED_CODE_PAGES,
    CodePageError,
    canonical_code_page,
    fold_text,
    python_codec,
)
from printers.values import DEFAULT_CHARACTER_SAMPLE
from tests.printers.paper import print_and_read
from tests.printers.samples import receipt


def test_characters_the_page_has_print_as_themselves():
    assert fold_text("Crème brûlée €5", "CP858") == "Crème brûlée €5"


def test_euro_sign_falls_back_to_eur_where_the_page_lacks_it():
    assert fold_text("€5", "CP437") == "EUR5"


def test_accents_are_stripped_where_the_page_lacks_them():
    assert fold_text("Crème brûlée", "CP866") == "Creme brulee"


def test_typographic_punctuation_becomes_ascii():
    assert fold_text("“Chef’s” – special…", "CP437") == "\"Chef's\" - special..."


def test_unprintable_characters_become_a_question_mark():
    assert fold_text("Pizza 🍕 漢", "CP437") == "Pizza ? ?"


def test_control_characters_can_never_inject_a_command():
    decoded = print_and_read(receipt(customer_name="Bob\x1bd\x05\x1dV\x00"))
    assert decoded.cuts == 1  # only the receipt's own cut
    assert decoded.line("Customer").text.endswith("Bob d  V")


def test_invisible_format_characters_are_dropped():
    assert fold_text("Ice\u200bTea\u00ad", "CP437") == "IceTea"


def test_decomposed_accents_are_recombined_first():
    assert fold_text("Cafe\u0301", "CP858") == "Café"


@pytest.mark.parametrize("spelling", ["cp858", "CP858", "pc858", "CP-858"])
def test_code_page_names_are_forgiving(spelling):
    assert canonical_code_page(spelling) == "CP858"


def test_iso_pages_and_aliases():
    assert canonical_code_page("iso-8859-15") == canonical_code_page("latin9") == "ISO_8859-15"


def test_unsupported_code_page_lists_the_choices():
    with pytest.raises(CodePageError, match="CP437"):
        canonical_code_page("UTF-8")


@pytest.mark.parametrize("code_page", sorted(SUPPORTED_CODE_PAGES))
def test_python_escpos_writes_folded_text_as_the_bytes_the_codec_reads_back(code_page):
    folded = fold_text(DEFAULT_CHARACTER_SAMPLE + " Kopi Susu", code_page)
    printer = Dummy()
    printer.magic.encoder.codepages = {code_page: 0}  # slot number is irrelevant here
    printer.charcode(code_page)
    printer.text(folded)
    written = printer.output[3:]  # after ESC t n
    assert written.decode(python_codec(code_page)) == folded


@settings(max_examples=200, deadline=None)
@given(st.text(), st.sampled_from(["CP437", "CP858", "CP1252", "ISO_8859-15", "CP866"]))
def test_folded_text_always_encodes_and_reads_back_unchanged(text, code_page):
    folded = fold_text(text, code_page)
    codec = python_codec(code_page)
    assert folded.encode(codec).decode(codec) == folded
    assert all(ord(c) >= 0x20 for c in folded)
