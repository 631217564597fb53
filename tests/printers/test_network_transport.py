"""The real NetworkTransport (raw TCP) against a fake printer on 127.0.0.1."""
from __future__ import annotations

import socket
import time

import pytest

from printers.transports import (
    ConnectionLost,
    NetworkTransport,
    OpenError,
    WriteTimeout,
)

STALL_JOB = bytes(range(32, 127)) * 4000  # ~380 KB: more than the socket buffers


def _transport(printer, **options):
    options = {"write_timeout_s": 0.3, "status_timeout_s": 0.2, "connect_timeout_s": 0.3, **options}
    return NetworkTransport(printer.host, printer.port, **options)


def test_job_bytes_arrive_exactly(network_printer):
    job = b"\x1b@Hello\nWorld\n\x1dV\x01" * 100
    with _transport(network_printer) as transport:
        transport.write(job)
    assert network_printer.wait_for_bytes(len(job)) == job


def test_status_is_answered_over_the_connection(network_printer):
    network_printer.state = "cover_open"
    with _transport(network_printer) as transport:
        status = transport.status()
    assert status.online is False and status.cover_open and status.problem == "cover open"


def test_a_printer_that_never_answers_is_unknown(network_printer):
    network_printer.silent = True
    with _transport(network_printer) as transport:
        assert transport.status().online is None


def test_a_switched_off_printer_refuses_and_nothing_was_sent(network_printer):
    network_printer.refuse_connections()
    with pytest.raises(OpenError) as raised:
        _transport(network_printer).open()
    assert not raised.value.started


def test_connect_gives_up_after_the_connect_timeout():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    filler = socket.create_connection(listener.getsockname())  # the accept queue is now full
    try:
        transport = NetworkTransport("127.0.0.1", listener.getsockname()[1], connect_timeout_s=0.3)
        started = time.monotonic()
        with pytest.raises(OpenError, match="no answer"):
            transport.open()
        assert time.monotonic() - started < 1.0
    finally:
        filler.close()
        listener.close()


def test_a_printer_that_stops_reading_mid_job_makes_the_write_time_out(network_printer):
    network_printer.stop_reading_after(1000)
    with _transport(network_printer) as transport:
        started = time.monotonic()
        with pytest.raises(WriteTimeout) as raised:
            transport.write(STALL_JOB)
        elapsed = time.monotonic() - started
    assert raised.value.started
    assert elapsed < 1.5


def test_a_job_the_buffers_swallow_is_not_done_until_the_printer_took_it(network_printer):
    network_printer.stop_reading_after(100)
    with _transport(network_printer) as transport, pytest.raises(WriteTimeout, match="still queued") as raised:
        transport.write(b"x" * 20_000)  # fits in the kernel buffers, never read
    assert raised.value.started


def test_a_dropped_connection_mid_job_is_reported_with_bytes_sent(network_printer):
    network_printer.drop_after(3000)
    with _transport(network_printer, write_timeout_s=2) as transport, \
            pytest.raises((ConnectionLost, WriteTimeout)) as raised:
        transport.write(STALL_JOB)
    assert raised.value.started


def test_an_idle_connection_closed_by_the_printer_is_noticed(network_printer):
    with _transport(network_printer) as transport:
        network_printer.wait_until(lambda p: p.connections == 1)
        assert transport.link_alive()
        network_printer.drop_connections()
        deadline = time.monotonic() + 2
        while transport.link_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not transport.link_alive()
