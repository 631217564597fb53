"""The receipt as a customer reads it off the paper (rendered, then decoded)."""
from __future__ import annotations

import os

import pytest
from PIL import Image

from printers.profiles import Paper
from printers.render import render, render_text
from printers.values import Payment, PrintLocale, ReceiptLine
from tests.printers.paper import PROFILE_FOR_COLUMNS, print_and_read
from tests.printers.samples import ORDER_NUMBER, receipt, rupiah
from tests.support.escpos_decoder import decode

WIDTHS = sorted(PROFILE_FOR_COLUMNS)


@pytest.mark.parametrize("columns", WIDTHS)
def test_item_amount_is_flush_with_the_right_edge(columns):
    decoded = print_and_read(receipt(), PROFILE_FOR_COLUMNS[columns])
    line = decoded.line("1 x Es Teh Manis").text
    assert line.endswith("Rp 15.000")
    assert len(line) == columns


@pytest.mark.parametrize("columns", WIDTHS)
def test_long_item_name_wraps_under_itself_with_the_amount_on_its_first_line(columns):
    decoded = print_and_read(receipt(), PROFILE_FOR_COLUMNS[columns])
    first = decoded.line("2 x Margherita").text
    assert first.endswith("Rp 190.000") and len(first) == columns
    start = decoded.lines.index(first)
    continuation = decoded.lines[start + 1]
    assert continuation.startswith("    ") and "Crust" in " ".join(decoded.lines[start:start + 3])
    name_words = " ".join(line.strip() for line in decoded.lines[start:start + 3]).replace("Rp 190.000", "")
    assert "Margherita Pizza Extra Large With Stuffed Crust" in " ".join(name_words.split())


@pytest.mark.parametrize("columns", WIDTHS)
def test_no_line_is_wider_than_the_paper(columns):
    decoded = print_and_read(receipt(), PROFILE_FOR_COLUMNS[columns])  # asserts no overflow
    assert all(line.width <= columns for line in decoded.styled_lines)


def test_columns_override_narrows_an_80mm_printer_to_42():
    decoded = print_and_read(receipt(), "TM-T20II", columns=42)
    assert len(decoded.line("1 x Es Teh Manis").text) == 42


def test_modifiers_are_indented_under_their_item_with_their_price_delta():
    decoded = print_and_read(receipt())
    cheese = decoded.line("+ Extra cheese").text
    assert cheese.startswith("    + Extra cheese") and cheese.endswith("Rp 20.000")
    assert decoded.line("+ No basil").text.strip() == "+ No basil"


def test_unit_price_note_and_line_discount_follow_the_item():
    lines = print_and_read(receipt()).lines
    start = next(i for i, line in enumerate(lines) if line.startswith("2 x Margherita"))
    block = lines[start:start + 7]
    assert any(line.strip() == "@ Rp 95.000" for line in block)
    assert any(line.strip() == "Note: well done" for line in block)
    assert any(line.strip().startswith("Happy hour 10%") and line.endswith("-Rp 19.000") for line in block)


def test_totals_block_shows_every_stored_amount():
    decoded = print_and_read(receipt())
    assert decoded.line("Subtotal").text.endswith("Rp 206.000")
    assert decoded.line("WEEKEND30").text.endswith("-Rp 61.800")
    assert decoded.line("Service 5%").text.endswith("Rp 7.210")
    assert decoded.line("Tax 10%").text.endswith("Rp 15.141")
    assert decoded.line("Rounding").text.endswith("-Rp 51")


@pytest.mark.parametrize("columns", WIDTHS)
def test_total_is_printed_large_and_bold(columns):
    total = print_and_read(receipt(), PROFILE_FOR_COLUMNS[columns]).line("TOTAL")
    assert total.double_height and total.bold
    assert total.text.endswith("Rp 166.500")


def test_payments_show_method_amount_tendered_and_change():
    decoded = print_and_read(receipt())
    assert decoded.line("Card").text.endswith("Rp 66.500")
    assert decoded.line("Ref AUTH 123456")
    cash = next(i for i, line in enumerate(decoded.lines) if line.startswith("Cash "))
    assert decoded.lines[cash].endswith("Rp 100.000")
    assert decoded.lines[cash + 1].strip().startswith("Tendered") and decoded.lines[cash + 1].endswith("Rp 150.000")
    assert decoded.lines[cash + 2].strip().startswith("Change") and decoded.lines[cash + 2].endswith("Rp 50.000")


def test_header_has_tenant_large_and_order_date_cashier_table_customer():
    decoded = print_and_read(receipt())
    assert decoded.line("Pizza Palace").double_width
    assert decoded.line("Order").text.endswith(ORDER_NUMBER)
    assert decoded.line("Date").text.endswith("23/11/2026 14:05")  # Asia/Jakarta
    assert decoded.line("Cashier").text.endswith("Sari")
    assert decoded.line("Table").text.endswith("12")
    assert decoded.line("Customer").text.endswith("Budi")
    assert decoded.line("Tel 0274-555123")


def test_reprint_starts_with_an_inverted_copy_banner():
    decoded = print_and_read(receipt(copy=True))
    assert decoded.styled_lines[0].inverted
    assert decoded.styled_lines[0].text.strip() == "COPY"
    assert [line.strip() for line in decoded.inverted_lines] == ["COPY"]


def test_original_has_no_copy_banner():
    decoded = print_and_read(receipt())
    assert decoded.inverted_lines == []
    assert not decoded.lines_containing("COPY")


def test_refund_receipt_has_refund_banner_reason_and_negative_amounts():
    refund = receipt(
        refund=True,
        refund_reason="Wrong order",
        original_order_number=ORDER_NUMBER,
        order_number="YOG-261123-1-0043",
        lines=[ReceiptLine("Es Teh Manis", -1, -rupiah(15_000))],
        subtotal=-rupiah(15_000),
        promotions=[],
        service_charge=0,
        tax=0,
        rounding=0,
        total=-rupiah(15_000),
        payments=[Payment("cash", -rupiah(15_000))],
    )
    decoded = print_and_read(refund)
    assert [line.strip() for line in decoded.inverted_lines] == ["REFUND"]
    assert decoded.line("Refund of").text.endswith(ORDER_NUMBER)
    assert decoded.line("Reason: Wrong order")
    assert decoded.line("TOTAL").text.endswith("-Rp 15.000")


def test_qr_code_carries_the_e_receipt_link_on_a_printer_with_native_qr():
    decoded = print_and_read(receipt(), "TM-T20II")
    assert decoded.qr == [receipt().qr_payload]
    assert decoded.line("Scan for your e-receipt")


def test_qr_code_is_printed_as_an_image_where_the_profile_has_no_native_qr():
    decoded = print_and_read(receipt(), "POS-5890")
    assert decoded.qr == []
    assert len(decoded.images) == 1
    assert decoded.images[0].width <= 384
    image_event = next(event for event in decoded.events if event.kind == "image")
    caption = decoded.lines.index(decoded.line("Scan for your e-receipt").text)
    assert image_event.line_index == caption  # the QR image sits right above its caption


def test_a_payload_too_long_for_any_qr_code_leaves_out_the_code_and_its_caption():
    decoded = print_and_read(receipt(qr_payload="x" * 3000))
    assert decoded.qr == [] and decoded.images == []
    assert not decoded.lines_containing("Scan for")
    assert decoded.line("TOTAL")


def test_barcode_carries_the_order_number():
    decoded = print_and_read(receipt(), "TM-T88V")
    assert [(b.symbology, b.data) for b in decoded.barcodes] == [("CODE128", ORDER_NUMBER)]


def test_barcode_that_cannot_fit_58mm_at_a_scannable_width_is_left_out():
    long_number = print_and_read(receipt(), "Sunmi-V2")  # 58 mm, hardware CODE128
    short_number = print_and_read(receipt(order_number="A-0042"), "Sunmi-V2")
    assert long_number.barcodes == []
    assert [b.data for b in short_number.barcodes] == ["A-0042"]


def test_receipt_ends_with_a_cut_on_a_printer_with_a_cutter():
    decoded = print_and_read(receipt(), "TM-T20II")
    assert decoded.cuts == 1
    assert decoded.kinds()[-1] == "cut"


def test_receipt_feeds_to_the_tear_bar_on_a_printer_without_a_cutter():
    decoded = print_and_read(receipt(), "POS-5890")
    assert decoded.cuts == 0
    assert decoded.kinds()[-1] == "feed" and decoded.feeds >= 4


@pytest.mark.parametrize("profile", ["TM-T20II", "TM-T88V", "POS-5890", "Sunmi-V2"])
@pytest.mark.parametrize("copy", [False, True])
def test_text_view_is_exactly_what_the_paper_shows(profile, copy):
    paper = Paper.for_profile(profile, code_page="CP437")
    document = receipt(copy=copy, tenant_name="Pizza Palace €", footer="Grazie – “à bientôt”")
    decoded = decode(render(document, paper), profile=profile, columns=paper.columns)
    assert decoded.lines == render_text(document, paper.columns, "CP437")


def test_euro_sign_prints_natively_on_cp858_and_as_eur_on_cp437():
    document = receipt(footer="Prices in € incl. VAT")
    assert print_and_read(document, code_page="CP858").line("Prices in").text.strip() == "Prices in € incl. VAT"
    assert print_and_read(document, code_page="CP437").line("Prices in").text.strip() == "Prices in EUR incl. VAT"


def test_text_view_without_a_code_page_keeps_unicode():
    lines = render_text(receipt(footer="Prices in € incl. VAT"), 48)
    assert any(line.strip() == "Prices in € incl. VAT" for line in lines)


def test_labels_can_be_printed_in_the_outlets_language():
    locale = PrintLocale(timezone="Asia/Jakarta", labels={"change": "Kembali", "total": "JUMLAH"})
    decoded = print_and_read(receipt(locale=locale))
    assert decoded.line("Kembali").text.endswith("Rp 50.000")
    assert decoded.line("JUMLAH").text.endswith("Rp 166.500")


def _logo(path, size, colour="black"):
    Image.new("RGB", size, colour).save(path)


def test_logo_is_printed_first_scaled_to_the_paper_width(tmp_path):
    logo = tmp_path / "logo.png"
    _logo(logo, (1200, 300))
    decoded = print_and_read(receipt(logo_path=str(logo)), "TM-T20II")
    assert decoded.kinds()[:3] == ["reset", "code_page", "image"]
    assert decoded.images[0].width <= 576
    assert decoded.images[0].height == 144  # 1200x300 scaled to 576 wide


def test_logo_change_on_disk_is_picked_up(tmp_path):
    logo = tmp_path / "logo.png"
    _logo(logo, (200, 100))
    first = print_and_read(receipt(logo_path=str(logo)))
    _logo(logo, (200, 40))
    os.utime(logo, ns=(os.stat(logo).st_atime_ns, os.stat(logo).st_mtime_ns + 1_000_000_000))
    second = print_and_read(receipt(logo_path=str(logo)))
    assert (first.images[0].height, second.images[0].height) == (100, 40)


def test_missing_logo_does_not_stop_the_receipt(tmp_path):
    decoded = print_and_read(receipt(logo_path=str(tmp_path / "gone.png")))
    assert decoded.images == []
    assert decoded.line("TOTAL")


def test_payment_methods_print_by_the_names_the_caller_gives_and_unnamed_ones_as_they_are():
    """The printers package keeps no list of methods: the edge passes its vocabulary's labels."""
    named = PrintLocale(timezone="Asia/Jakarta", method_labels={"cash": "Tunai", "card": "Kartu"})
    lines = print_and_read(receipt(locale=named)).lines
    assert any(line.startswith("Tunai ") for line in lines) and any(line.startswith("Kartu ") for line in lines)
    bare = print_and_read(receipt(locale=PrintLocale(timezone="Asia/Jakarta"))).lines
    assert any(line.startswith("cash ") for line in bare)
