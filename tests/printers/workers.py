"""Running a PrintWorker in a real thread against a fake printer, with short timeouts."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from printers.backoff import Backoff
from printers.config import PrinterConfig
from printers.jobs import InMemoryJobStore, PrintJob
from printers.render import render
from printers.worker import PrintWorker, WorkerPolicy
from tests.printers.samples import receipt
from tests.support.escpos_decoder import decode

PROFILE = "TM-T20II"
FAST = WorkerPolicy(max_attempts=50, retry=Backoff(0.02, 0.1), wait=Backoff(0.02, 0.1), idle_poll_s=0.05)


def serial_config(printer, **options) -> PrinterConfig:
    return PrinterConfig(**{"name": "kitchen", "kind": "serial", "device": printer.device, "baudrate": 19200,
                            "profile": PROFILE, "write_timeout_s": 0.3, "status_timeout_s": 0.1, **options})


def network_config(printer, **options) -> PrinterConfig:
    return PrinterConfig(**{"name": "bar", "kind": "network", "host": printer.host, "port": printer.port,
                            "profile": PROFILE, "write_timeout_s": 0.3, "status_timeout_s": 0.1,
                            "connect_timeout_s": 0.3, **options})


def queue_receipts(store: InMemoryJobStore, config: PrinterConfig, numbers) -> list[PrintJob]:
    jobs = []
    for number in numbers:
        document = receipt(order_number=number, qr_payload="", barcode=False)
        jobs.append(store.add(config.name, "receipt", document.to_dict(), render(document, config)))
    return jobs


def _order_numbers(fake) -> list[str]:
    numbers = []
    for job in fake.jobs():
        decoded = decode(job, profile=PROFILE)
        numbers += [line.split()[-1] for line in decoded.lines if line.startswith("Order ")]
    return numbers


def printed_order_numbers(fake, expected: int, timeout: float = 2.0) -> list[str]:
    """The order numbers on the receipts the fake printer received, in order.

    "done" means the bytes were handed over; the fake reads them a moment later, so
    this waits (up to `timeout`) for `expected` receipts, then looks once more a
    little later so that an extra, duplicate receipt would be seen too.
    """
    deadline = time.monotonic() + timeout
    while len(_order_numbers(fake)) < expected and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    return _order_numbers(fake)


class FakeClock:
    """UTC wall clock a test can move forward."""

    def __init__(self):
        self.now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += timedelta(seconds=seconds)


class Passes:
    """Counts a worker's passes (`run_once`), so a test can wait for "it looked again N
    times" or "it has gone idle" instead of sleeping and hoping it did."""

    def __init__(self, worker: PrintWorker):
        self._changed = threading.Condition()
        self.count = 0
        self.longest_delay = 0.0
        inner = worker.run_once

        def counted() -> float:
            delay = inner()
            with self._changed:
                self.count, self.longest_delay = self.count + 1, max(self.longest_delay, delay)
                self._changed.notify_all()
            return delay

        worker.run_once = counted  # run_forever calls self.run_once: this one

    def more(self, passes: int, timeout: float = 5.0) -> bool:
        """Wait until the worker has made `passes` more passes."""
        with self._changed:
            target = self.count + passes
            return self._changed.wait_for(lambda: self.count >= target, timeout)

    def idle_for(self, at_least_s: float, timeout: float = 5.0) -> bool:
        """Wait until a pass ended with the worker going to sleep for `at_least_s` or more."""
        with self._changed:
            return self._changed.wait_for(lambda: self.longest_delay >= at_least_s, timeout)


@contextmanager
def running(worker: PrintWorker):
    """The worker's run_forever in a thread; on exit it must stop within a second."""
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        worker.wake()
        thread.join(timeout=1.0)
        assert not thread.is_alive(), "print worker did not stop within a second"
