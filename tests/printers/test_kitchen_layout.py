"""The kitchen ticket as a cook reads it: big, no prices, a beep where there is a buzzer."""
from __future__ import annotations

import re

from printers.values import KitchenItem
from tests.printers.paper import print_and_read
from tests.printers.samples import ORDER_NUMBER, kitchen_ticket, receipt

MONEY = re.compile(r"Rp|\d{1,3}\.\d{3}")


def test_kitchen_ticket_prints_no_prices():
    decoded = print_and_read(kitchen_ticket())
    assert [line for line in decoded.lines if MONEY.search(line)] == []
    assert MONEY.search(print_and_read(receipt()).text)  # the pattern does catch prices


def test_order_number_and_table_are_large():
    decoded = print_and_read(kitchen_ticket(), "TM-T20II")
    assert decoded.line(ORDER_NUMBER).double_height
    table = decoded.line("Table 12")
    assert table.double_width and table.double_height


def test_order_number_too_long_for_double_width_on_58mm_stays_double_height():
    decoded = print_and_read(kitchen_ticket(), "POS-5890")
    number = decoded.line(ORDER_NUMBER)
    assert number.double_height and not number.double_width


def test_station_source_and_time_are_shown():
    decoded = print_and_read(kitchen_ticket())
    assert decoded.line("PIZZA OVEN")
    assert decoded.line("Source").text.endswith("kiosk")
    assert decoded.line("Time").text.endswith("23/11/2026 14:05")


def test_items_modifiers_and_notes_are_in_large_readable_type():
    decoded = print_and_read(kitchen_ticket(), "TM-T88V")
    item = decoded.line("2 x Margherita")
    assert item.double_height and item.bold
    assert decoded.line("+ Extra cheese").double_height
    assert decoded.line("+ No basil").text.startswith("    + No basil")
    assert decoded.line("! well done").double_height
    assert decoded.line("1 x Garlic Bread").double_height
    assert decoded.line("Note: Birthday").double_height


def test_ticket_beeps_on_a_printer_with_a_buzzer_and_is_cut():
    decoded = print_and_read(kitchen_ticket(), "TM-T20II", buzzer=True)
    assert decoded.cuts == 1
    assert len(decoded.beeps) == 1


def test_no_buzzer_command_is_sent_to_a_printer_without_one():
    decoded = print_and_read(kitchen_ticket(), "TM-T20II")
    assert decoded.beeps == []


def test_ticket_can_ask_for_no_beep():
    decoded = print_and_read(kitchen_ticket(beep=False), "TM-T20II", buzzer=True)
    assert decoded.beeps == []


def test_reprinted_ticket_has_copy_banner_and_cancelled_ticket_says_so():
    assert [line.strip() for line in print_and_read(kitchen_ticket(copy=True)).inverted_lines] == ["COPY"]
    assert [line.strip() for line in print_and_read(kitchen_ticket(cancelled=True)).inverted_lines] == ["CANCELLED"]


def test_long_dish_name_wraps_with_a_hanging_indent():
    ticket = kitchen_ticket(items=[KitchenItem("Spaghetti Carbonara with Extra Pancetta and Truffle", 3)])
    lines = print_and_read(ticket, "POS-5890").lines
    start = next(i for i, line in enumerate(lines) if line.startswith("3 x Spaghetti"))
    assert lines[start + 1].startswith("    ") and lines[start + 1].strip()


def test_a_120_character_customer_name_takes_two_lines_at_most():
    name = "Anak Agung Gede Ngurah Made Putra Wijaya Kusuma " * 3
    decoded = print_and_read(kitchen_ticket(customer_name=name[:120]))
    shown = [line for line in decoded.lines if "Anak" in line or "Kusuma" in line or "Wijaya" in line]
    assert len(shown) == 2 and shown[-1].rstrip().endswith("...")
    assert decoded.overflows == []
