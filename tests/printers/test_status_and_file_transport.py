"""DLE EOT answers become a PrinterStatus; the file printer is always online."""
from __future__ import annotations

from printers.status import parse_status, query_status
from printers.transports import FileTransport
from tests.support.escpos_decoder import decode
from tests.support.fake_printers import status_byte


def test_all_fine_answers_mean_ready():
    status = parse_status({1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12})
    assert status.ready and status.online and status.detail == "online"


def test_paper_end_is_read_from_the_roll_sensor():
    status = parse_status({1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x72})
    assert status.paper_out and not status.ready and status.problem == "paper out"


def test_autocutter_error_is_an_error():
    assert parse_status({1: 0x1A, 2: 0x52, 3: 0x1A, 4: 0x12}).error


def test_no_answer_to_the_first_query_is_unknown_and_asks_nothing_more():
    asked = []

    def exchange(request):
        asked.append(request)

    status = query_status(exchange)
    assert status.online is None and status.ready
    assert asked == [b"\x10\x04\x01"]


def test_the_fake_printers_answers_parse_back_to_their_state():
    for state, attribute in [("paper_out", "paper_out"), ("cover_open", "cover_open"), ("error", "error")]:
        status = parse_status({n: status_byte(n, state) for n in (1, 2, 3, 4)})
        assert getattr(status, attribute) and not status.online


def test_file_printer_appends_each_job(tmp_path):
    path = tmp_path / "printers" / "bar.escpos"
    for text in (b"one\n", b"two\n"):
        with FileTransport(str(path)) as transport:
            assert transport.status().ready
            transport.write(b"\x1b@" + text)
    assert decode(path.read_bytes()).lines == ["one", "two"]
