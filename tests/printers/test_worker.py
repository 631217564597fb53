"""PrintWorker scenarios: real transports, fake printers, the in-memory JobStore, real threads."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest

from printers.backoff import Backoff
from printers.config import PrinterConfig
from printers.jobs import InMemoryJobStore
from printers.render import render, render_drawer_kick
from printers.values import DrawerKick
from printers.worker import PrintWorker, WorkerPolicy
from tests.printers.samples import big_receipt, kitchen_ticket
from tests.printers.workers import (
    FAST,
    PROFILE,
    FakeClock,
    Passes,
    network_config,
    printed_order_numbers,
    queue_receipts,
    running,
    serial_config,
)
from tests.support.escpos_decoder import decode

NUMBERS = [f"YOG-261123-1-00{n:02d}" for n in range(1, 6)]


def _all_done(store, jobs):
    return lambda s: all(s.get(job.id).state == "done" for job in jobs)


def test_jobs_print_in_order_exactly_once(serial_printer):
    config, store = serial_config(serial_printer), InMemoryJobStore()
    jobs = queue_receipts(store, config, NUMBERS)
    with running(PrintWorker(config, store, policy=FAST)):
        assert store.wait_for(_all_done(store, jobs))
    assert printed_order_numbers(serial_printer, 5) == NUMBERS


def test_network_printer_off_while_five_jobs_queue_prints_all_in_order_once_back(network_printer):
    config, store = network_config(network_printer), InMemoryJobStore()
    network_printer.refuse_connections()
    jobs = queue_receipts(store, config, NUMBERS)
    with running(PrintWorker(config, store, policy=FAST)):
        assert store.wait_for(lambda s: s.get(jobs[0].id).attempts >= 2)
        assert [store.get(job.id).state for job in jobs] == ["queued"] * 5
        assert network_printer.received == b""
        network_printer.accept_connections()
        assert store.wait_for(_all_done(store, jobs))
    assert printed_order_numbers(network_printer, 5) == NUMBERS


def test_serial_printer_reporting_offline_is_waited_for_then_gets_every_job_once(serial_printer):
    config, store = serial_config(serial_printer), InMemoryJobStore()
    serial_printer.state = "offline"
    jobs = queue_receipts(store, config, NUMBERS)
    with running(PrintWorker(config, store, policy=FAST)):
        assert store.wait_for(lambda s: len(s.history(jobs[0].id)) >= 3)
        head = store.get(jobs[0].id)
        assert (head.state, head.attempts, head.last_error) == ("queued", 0, "offline")
        serial_printer.state = "online"
        assert store.wait_for(_all_done(store, jobs))
    assert printed_order_numbers(serial_printer, 5) == NUMBERS


@pytest.mark.parametrize("problem, reason", [("paper_out", "paper out"), ("cover_open", "cover open")])
def test_job_waits_without_being_sent_and_resumes_when_the_printer_is_fixed(serial_printer, problem, reason):
    config, store = serial_config(serial_printer), InMemoryJobStore()
    serial_printer.state = problem
    [job] = queue_receipts(store, config, NUMBERS[:1])
    worker = PrintWorker(config, store, policy=FAST)
    passes = Passes(worker)
    with running(worker):
        assert store.wait_for(lambda s: s.get(job.id).last_error == reason)
        assert passes.more(3)  # it looked at the printer three more times and still held the job
        assert store.get(job.id).state == "queued" and store.get(job.id).attempts == 0
        assert b"\x1b@" not in serial_printer.received  # only status queries went out
        assert worker.waiting_for == reason
        serial_printer.state = "online"
        assert store.wait_for(_all_done(store, [job]))
    assert printed_order_numbers(serial_printer, 1) == NUMBERS[:1]


def test_printer_that_stops_reading_mid_job_gets_a_copy_and_never_blocks_the_worker(serial_printer):
    config, store = serial_config(serial_printer), InMemoryJobStore()
    document = big_receipt()
    job = store.add(config.name, "receipt", document.to_dict(), render(document, config))
    serial_printer.stop_reading_after(3000)
    started = time.monotonic()
    worker = PrintWorker(config, store, policy=FAST)
    passes = Passes(worker)
    with running(worker):
        assert store.wait_for(lambda s: s.get(job.id).state == "failed", timeout=3)
        assert time.monotonic() - started < config.write_timeout_s + 1.0
        failed = store.get(job.id)
        assert failed.last_error.startswith("interrupted after"), failed.last_error
        [copy] = [j for j in store.jobs() if j.copy_of == job.id]
        assert copy.copy and copy.document["copy"] is True and copy.state == "queued"
        assert passes.more(3)  # three more looks at the stalled printer
        assert store.get(copy.id).state == "queued"  # the stalled printer is waited for
        serial_printer.resume_reading()
        assert store.wait_for(_all_done(store, [copy]), timeout=5)
        serial_printer.wait_until(lambda printer: printer.received.endswith(copy.data))
    reprint = decode(serial_printer.jobs()[-1], profile=PROFILE)
    assert reprint.styled_lines[0].inverted and reprint.styled_lines[0].text.strip() == "COPY"
    assert reprint.cuts == 1
    assert decode(serial_printer.jobs()[0], profile=PROFILE).cuts == 0  # the original never finished


def test_network_connection_dropped_mid_job_is_reprinted_as_copy_not_resent(network_printer):
    config, store = network_config(network_printer), InMemoryJobStore()
    document = kitchen_ticket()
    job = store.add(config.name, "kitchen", document.to_dict(), render(document, config))
    network_printer.drop_after(200)
    with running(PrintWorker(config, store, policy=FAST)):
        assert store.wait_for(lambda s: s.get(job.id).state == "failed")
        [copy] = [j for j in store.jobs() if j.copy_of == job.id]
        assert store.wait_for(_all_done(store, [copy]))
    printed = [decode(data, profile=PROFILE) for data in network_printer.jobs()]
    assert [d.cuts for d in printed] == [0, 1]  # a partial original, then one full COPY
    assert printed[1].inverted_lines[0].strip() == "COPY"
    assert printed[1].line("2 x Margherita").double_height


def test_drawer_kick_older_than_15_seconds_is_expired_never_fired(serial_printer):
    config, store = serial_config(serial_printer), InMemoryJobStore()
    clock = FakeClock()
    kick = store.add(config.name, "drawer", DrawerKick().to_dict(), render_drawer_kick(config),
                     created_at=clock() - timedelta(seconds=16))
    with running(PrintWorker(config, store, policy=FAST, clock=clock)):
        assert store.wait_for(lambda s: s.get(kick.id).state == "expired")
    assert "not fired late" in store.get(kick.id).last_error
    assert b"\x1bp" not in serial_printer.received


def test_fresh_drawer_kick_fires(serial_printer):
    config, store = serial_config(serial_printer), InMemoryJobStore()
    kick = store.add(config.name, "drawer", DrawerKick().to_dict(), render_drawer_kick(config))
    with running(PrintWorker(config, store, policy=FAST)):
        assert store.wait_for(_all_done(store, [kick]))
        serial_printer.wait_until(lambda printer: printer.received.endswith(kick.data))
    assert decode(serial_printer.received).drawer_pulses == [(2, 100, 100)]


def test_drawer_kick_that_waited_out_a_paper_jam_past_15_seconds_is_expired(serial_printer):
    config, store = serial_config(serial_printer), InMemoryJobStore()
    clock = FakeClock()
    serial_printer.state = "paper_out"
    kick = store.add(config.name, "drawer", DrawerKick().to_dict(), render_drawer_kick(config), created_at=clock())
    with running(PrintWorker(config, store, policy=FAST, clock=clock)):
        assert store.wait_for(lambda s: s.get(kick.id).last_error == "paper out")
        clock.advance(16)
        serial_printer.state = "online"
        assert store.wait_for(lambda s: s.get(kick.id).state == "expired")
    assert b"\x1bp" not in serial_printer.received


def test_after_max_attempts_a_job_fails_with_its_reason_and_the_next_one_is_tried(network_printer):
    config, store = network_config(network_printer), InMemoryJobStore()
    network_printer.refuse_connections()
    first, second = queue_receipts(store, config, NUMBERS[:2])
    policy = WorkerPolicy(max_attempts=3, retry=Backoff(0.01, 0.02), idle_poll_s=0.05)
    with running(PrintWorker(config, store, policy=policy)):
        assert store.wait_for(lambda s: s.get(first.id).state == "failed")
        assert store.wait_for(lambda s: s.get(second.id).attempts >= 1)
    failed = store.get(first.id)
    assert failed.attempts == 3
    assert failed.last_error.startswith("cannot reach printer") and "gave up after 3 attempts" in failed.last_error


def test_printer_that_never_answers_status_still_gets_its_jobs(serial_printer):
    config, store = serial_config(serial_printer), InMemoryJobStore()
    serial_printer.silent = True
    jobs = queue_receipts(store, config, NUMBERS[:3])
    with running(PrintWorker(config, store, policy=FAST)):
        assert store.wait_for(_all_done(store, jobs))
    assert printed_order_numbers(serial_printer, 3) == NUMBERS[:3]
    assert serial_printer.status_queries == 1  # asked once, then trusted to be a non-answerer


def test_printer_that_answered_before_and_goes_quiet_is_waited_for(serial_printer):
    config, store = serial_config(serial_printer), InMemoryJobStore()
    [first] = queue_receipts(store, config, NUMBERS[:1])
    with running(PrintWorker(config, store, policy=FAST)):
        assert store.wait_for(_all_done(store, [first]))
        serial_printer.silent = True
        [second] = queue_receipts(store, config, NUMBERS[1:2])
        assert store.wait_for(lambda s: "stopped answering" in s.get(second.id).last_error)
        assert store.get(second.id).state == "queued"
        serial_printer.silent = False
        assert store.wait_for(_all_done(store, [second]))
    assert printed_order_numbers(serial_printer, 2) == NUMBERS[:2]


def test_wake_makes_an_idle_worker_print_a_new_job_at_once(tmp_path):
    config = PrinterConfig(name="front", kind="file", device=str(tmp_path / "front.escpos"), profile=PROFILE)
    store = InMemoryJobStore()
    policy = WorkerPolicy(idle_poll_s=30, retry=Backoff(0.02, 0.1), wait=Backoff(0.02, 0.1))
    worker = PrintWorker(config, store, policy=policy)
    passes = Passes(worker)
    with running(worker):
        assert passes.idle_for(30)  # now idle until the next poll, 30 s away
        [job] = queue_receipts(store, config, NUMBERS[:1])
        worker.wake()
        assert store.wait_for(_all_done(store, [job]), timeout=1.0)


def test_job_left_sending_by_a_previous_run_is_reprinted_as_copy(tmp_path):
    path = tmp_path / "front.escpos"
    config = PrinterConfig(name="front", kind="file", device=str(path), profile=PROFILE)
    store = InMemoryJobStore()
    [job] = queue_receipts(store, config, NUMBERS[:1])
    store.mark_sending(job)  # the edge stopped in the middle of sending it
    with running(PrintWorker(config, store, policy=FAST)):
        assert store.wait_for(lambda s: any(j.copy_of == job.id and j.state == "done" for j in s.jobs()))
    assert store.get(job.id).state == "failed"
    assert [line.strip() for line in decode(path.read_bytes(), profile=PROFILE).inverted_lines] == ["COPY"]


def test_worker_stops_promptly_even_in_a_long_backoff(network_printer):
    config, store = network_config(network_printer), InMemoryJobStore()
    network_printer.refuse_connections()
    [job] = queue_receipts(store, config, NUMBERS[:1])
    worker = PrintWorker(config, store, policy=WorkerPolicy(retry=Backoff(30, 60)))
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), daemon=True)
    thread.start()
    assert store.wait_for(lambda s: s.get(job.id).attempts == 1)
    stop.set()  # no wake(): the worker must notice by itself
    thread.join(timeout=1.0)
    assert not thread.is_alive()


def test_run_once_never_blocks_on_a_stalled_printer_longer_than_its_timeouts(serial_printer):
    config, store = serial_config(serial_printer), InMemoryJobStore()
    document = big_receipt()
    store.add(config.name, "receipt", document.to_dict(), render(document, config))
    serial_printer.stop_reading()
    worker = PrintWorker(config, store, policy=FAST)
    started = time.monotonic()
    worker.run_once()
    assert time.monotonic() - started < config.status_timeout_s * 4 + config.write_timeout_s + 0.5


def test_the_worker_does_not_import_eventlet():
    code = "import sys, printers.worker, printers.transports; print('eventlet' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
