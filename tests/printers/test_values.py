"""Layout values check themselves and survive being stored with a print job."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from printers.config import PrinterConfig
from printers.render import make_test_page
from printers.value_codec import DocumentError
from printers.values import (
    DrawerKick,
    MethodTotal,
    PrintLocale,
    Receipt,
    ReceiptLine,
    ShiftReport,
    load_document,
)
from tests.printers.samples import kitchen_ticket, receipt, shift_report


@pytest.mark.parametrize("document", [
    receipt(), receipt(copy=True, refund=True), kitchen_ticket(), shift_report(), DrawerKick(pin=5),
    make_test_page(PrinterConfig(name="bar", kind="file", device="/tmp/x"),
                   datetime(2026, 11, 23, 7, 5, 1, 123456, tzinfo=UTC)),
], ids=lambda d: type(d).__name__)
def test_documents_round_trip_through_json(document):
    stored = json.dumps(document.to_dict())
    assert load_document(json.loads(stored)) == document


def test_to_dict_tags_the_document_type():
    assert receipt().to_dict()["type"] == "receipt"
    assert kitchen_ticket().to_dict()["type"] == "kitchen_ticket"


def test_naive_datetimes_are_taken_as_utc():
    naive = receipt(created_at=datetime(2026, 11, 23, 7, 5))
    assert naive.created_at == datetime(2026, 11, 23, 7, 5, tzinfo=UTC)
    assert naive.to_dict()["created_at"] == "2026-11-23T07:05:00Z"


def test_lists_are_stored_as_tuples_so_values_compare_equal():
    line = ReceiptLine("Tea", 1, 100)
    assert receipt(lines=[line]) == receipt(lines=(line,))


def test_float_money_is_refused_when_building_a_value():
    with pytest.raises(DocumentError, match="int minor units"):
        ReceiptLine("Tea", 1, 15000.0)


def test_float_money_is_refused_when_loading_a_stored_document():
    data = receipt().to_dict()
    data["total"] = 166500.0
    with pytest.raises(DocumentError, match="Receipt.total"):
        load_document(data)


def test_unknown_fields_are_refused():
    with pytest.raises(DocumentError, match="unknown field"):
        Receipt.from_dict({**receipt().to_dict(), "totl": 1})


def test_a_document_of_another_type_is_refused():
    with pytest.raises(DocumentError, match="not a printable document"):
        load_document({"type": "invoice"})
    with pytest.raises(DocumentError, match="expected a 'receipt'"):
        Receipt.from_dict(kitchen_ticket().to_dict())


def test_a_z_report_needs_its_closing_time():
    with pytest.raises(DocumentError, match="closed_at"):
        shift_report(report="Z", closed_at=None)


def test_unknown_time_zone_and_label_are_refused():
    with pytest.raises(DocumentError, match="time zone"):
        PrintLocale(timezone="Asia/Yogya")
    with pytest.raises(DocumentError, match="label"):
        PrintLocale(labels={"totl": "x"})


def test_method_difference_is_counted_minus_expected():
    assert MethodTotal("cash", expected=1000, counted=900).difference == -100
    assert MethodTotal("cash", expected=1000).difference is None


def test_report_kind_must_be_x_or_z():
    with pytest.raises(DocumentError, match="'Y' is not one of"):
        ShiftReport.from_dict({**shift_report().to_dict(), "report": "Y"})
