"""X and Z shift reports: expected vs counted per method, movements, totals."""
from __future__ import annotations

from printers.values import MethodTotal
from tests.printers.paper import print_and_read
from tests.printers.samples import shift_report


def test_z_report_heading_and_times():
    decoded = print_and_read(shift_report())
    assert decoded.line("Z REPORT").double_height
    assert decoded.line("Opened").text.endswith("23/11/2026 08:00")
    assert decoded.line("Closed").text.endswith("23/11/2026 17:00")


def test_x_report_has_no_closing_time_and_shows_uncounted_methods():
    report = shift_report(report="X", closed_at=None,
                          methods=[MethodTotal("cash", expected=100_000_00, payment_count=3)])
    decoded = print_and_read(report)
    assert decoded.line("X REPORT")
    assert not decoded.lines_containing("Closed")
    assert decoded.line("Counted").text.endswith("not counted")
    assert not decoded.lines_containing("Difference")


def test_each_method_shows_taken_refunds_net_expected_counted_and_a_shortage_as_negative():
    lines = print_and_read(shift_report()).lines
    cash = next(i for i, line in enumerate(lines) if line.startswith("Cash ") and "Payments 31" in line)
    rows = [(line.split()[0], line.split("  ")[-1].strip()) for line in lines[cash + 1:cash + 7]]
    assert rows == [("Taken", "Rp 1.595.000"), ("Refunds", "-Rp 95.000"), ("Net", "Rp 1.500.000"),
                    ("Expected", "Rp 2.125.000"), ("Counted", "Rp 2.120.000"), ("Difference", "-Rp 5.000")]


def test_a_shortage_is_bold_and_a_balanced_method_is_not():
    decoded = print_and_read(shift_report())
    differences = [line for line in decoded.styled_lines if "Difference" in line.text]
    shown = [(line.text.split("  ")[-1].strip(), line.bold) for line in differences]
    assert shown == [("-Rp 5.000", True), ("Rp 0", False)]


def test_opening_float_and_cash_movements_with_their_direction():
    decoded = print_and_read(shift_report())
    assert decoded.line("Opening float").text.endswith("Rp 500.000")
    assert decoded.line("Cash in: Float top-up").text.endswith("Rp 200.000")
    assert decoded.line("Cash out: Ice delivery").text.endswith("-Rp 75.000")


def test_totals_section():
    decoded = print_and_read(shift_report())
    assert decoded.line("Orders").text.endswith("43")
    assert decoded.line("Gross sales").text.endswith("Rp 3.400.000")
    assert decoded.line("Discounts").text.endswith("-Rp 150.000")
    assert decoded.line("Net sales").text.endswith("Rp 3.250.000")
    assert decoded.line("Payments taken").text.endswith("Rp 3.075.000")
    assert decoded.line("Refunds Cash").text.endswith("-Rp 95.000")  # an amount per method, not a count
    assert not decoded.lines_containing("Refunds (")
    assert decoded.line("Total collected").text.endswith("Rp 2.980.000")  # payments less refunds
    assert decoded.kinds()[-1] == "cut"
