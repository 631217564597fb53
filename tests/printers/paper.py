"""Print a document for a profile and read it back the way a person would."""
from __future__ import annotations

from printers.profiles import Paper
from printers.render import render
from tests.support.escpos_decoder import Decoded, decode

# The three paper widths the product supports, each with a real escpos-printer-db profile.
PROFILE_FOR_COLUMNS = {48: "TM-T20II", 42: "TM-T88V", 32: "POS-5890"}


def print_and_read(document, profile: str = "TM-T20II", code_page: str = "CP437", **paper_options) -> Decoded:
    """Render for `profile`, then decode as that printer (power-on page CP437) would print it."""
    paper = Paper.for_profile(profile, code_page=code_page, **paper_options)
    data = render(document, paper)
    decoded = decode(data, encoding="cp437", profile=profile, columns=paper.columns)
    assert decoded.unknown == [], f"renderer sent commands the decoder does not know: {decoded.unknown}"
    assert decoded.overflows == [], f"lines wider than {paper.columns} columns: {decoded.overflows}"
    return decoded
