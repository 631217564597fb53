"""Fake printers for the printers tests (see tests/support/fake_printers.py)."""
from __future__ import annotations

import pytest

from tests.support.fake_printers import FakeNetworkPrinter, FakeSerialPrinter


@pytest.fixture
def serial_printer():
    with FakeSerialPrinter() as printer:
        yield printer


@pytest.fixture
def network_printer():
    with FakeNetworkPrinter() as printer:
        yield printer
