"""The real SerialTransport (pyserial) against a fake printer on a pseudo-terminal."""
from __future__ import annotations

import time

import pytest

from printers.transports import OpenError, SerialTransport, WriteTimeout

STALL_JOB = bytes(range(32, 127)) * 4000  # ~380 KB: more than any pty buffer


def _transport(printer, **options):
    options = {"write_timeout_s": 0.3, "status_timeout_s": 0.2, **options}
    return SerialTransport(printer.device, 19200, **options)


def test_job_bytes_arrive_exactly(serial_printer):
    job = b"\x1b@Hello\nWorld\n\x1dV\x01"
    with _transport(serial_printer) as transport:
        transport.write(job)
    assert serial_printer.wait_for_bytes(len(job)) == job


def test_status_of_a_healthy_printer(serial_printer):
    with _transport(serial_printer) as transport:
        status = transport.status()
    assert (status.online, status.paper_out, status.cover_open, status.error) == (True, False, False, False)
    assert status.ready and serial_printer.status_queries == 4


@pytest.mark.parametrize("state, problem", [
    ("paper_out", "paper out"), ("cover_open", "cover open"), ("offline", "offline"), ("error", "printer error"),
])
def test_status_reports_why_the_printer_cannot_print(serial_printer, state, problem):
    serial_printer.state = state
    with _transport(serial_printer) as transport:
        status = transport.status()
    assert not status.ready and status.problem == problem


def test_paper_near_end_still_prints(serial_printer):
    serial_printer.state = "paper_near_end"
    with _transport(serial_printer) as transport:
        status = transport.status()
    assert status.ready and status.paper_near_end


def test_a_printer_that_never_answers_is_unknown_after_one_short_timeout(serial_printer):
    serial_printer.state = "silent"
    with _transport(serial_printer, status_timeout_s=0.2) as transport:
        started = time.monotonic()
        status = transport.status()
        elapsed = time.monotonic() - started
    assert status.online is None and status.ready
    assert 0.15 < elapsed < 0.6


def test_a_stalled_printer_makes_the_write_time_out_and_says_bytes_went(serial_printer):
    serial_printer.stop_reading_after(2000)
    with _transport(serial_printer, write_timeout_s=0.3) as transport:
        started = time.monotonic()
        with pytest.raises(WriteTimeout) as raised:
            transport.write(STALL_JOB)
        elapsed = time.monotonic() - started
    assert raised.value.started and raised.value.bytes_written >= 2000
    assert elapsed < 1.5


def test_closing_after_a_stall_does_not_wait_for_the_unsent_bytes(serial_printer):
    serial_printer.stop_reading()
    transport = _transport(serial_printer)
    transport.open()
    with pytest.raises(WriteTimeout):
        transport.write(STALL_JOB)
    started = time.monotonic()
    transport.close()
    assert time.monotonic() - started < 0.5


def test_a_missing_port_cannot_be_opened():
    with pytest.raises(OpenError, match="/dev/ttyNOPE"):
        SerialTransport("/dev/ttyNOPE").open()


def test_the_port_is_held_exclusively(serial_printer):
    with _transport(serial_printer), pytest.raises(OpenError):
        _transport(serial_printer).open()
