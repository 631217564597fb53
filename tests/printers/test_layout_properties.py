"""Any receipt, at any supported width and code page: fits the paper, reads back as rendered."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from printers.blocks import TextImage, TextLine
from printers.profiles import Paper
from printers.render import layout, render, render_text, text_for_paper
from printers.values import Payment, Promotion, ReceiptLine, ReceiptModifier
from tests.printers.samples import receipt
from tests.support.escpos_decoder import decode

names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)
money = st.integers(min_value=-10**14, max_value=10**14)
lines = st.builds(
    ReceiptLine,
    name=names,
    quantity=st.integers(min_value=-99, max_value=999),
    amount=money,
    unit_price=st.none() | money,
    modifiers=st.lists(st.builds(ReceiptModifier, name=names, amount=money), max_size=3),
    note=st.text(max_size=80),
    discount=money,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    profile=st.sampled_from(["TM-T20II", "TM-T88V", "POS-5890", "Sunmi-V2"]),
    code_page=st.sampled_from(["CP437", "CP858", "CP1252"]),
    items=st.lists(lines, min_size=1, max_size=4),
    tenant=names,
    total=money,
    promotion=st.builds(Promotion, name=names, amount=money),
    payment=st.builds(Payment, method=names, amount=money, tendered=st.none() | money, change=money),
    copy=st.booleans(),
)
def test_any_receipt_fits_the_paper_and_reads_back_as_its_text_view(
    profile, code_page, items, tenant, total, promotion, payment, copy
):
    document = receipt(lines=items, tenant_name=tenant, total=total, promotions=[promotion],
                       payments=[payment], copy=copy, qr_payload="", barcode=False)
    paper = Paper.for_profile(profile, code_page=code_page)
    decoded = decode(render(document, paper), profile=profile, columns=paper.columns)
    assert decoded.overflows == [] and decoded.unknown == [] and decoded.unprinted == ""
    blocks = layout(document, paper.columns, *text_for_paper(code_page, paper.image_impl is not None))
    # lines the code page cannot print are drawn, one image of the paper's width each
    assert decoded.lines == [block.text for block in blocks if isinstance(block, TextLine)]
    drawn = [block for block in blocks if isinstance(block, TextImage)]
    assert [(image.width, image.height) for image in decoded.images] == [
        (paper.dots, 24 * (2 if block.style.double_height else 1)) for block in drawn]
    assert render_text(document, paper.columns, code_page) == [
        block.text for block in blocks if isinstance(block, (TextLine, TextImage))]
