"""What a failed job tells people, and where a file printer writes.

A job's error is the link's plain text ("no connection to the network printer"), never
the socket's own words: "Connection refused" against "timed out" would tell whoever
set the printer up which ports of another host are closed. The log keeps the details.
A file printer's file is the owner's alone and never reached through a symbolic link."""
from __future__ import annotations

import logging
import os
import stat

import pytest

from printers.backoff import Backoff
from printers.config import PrinterConfig
from printers.jobs import InMemoryJobStore
from printers.transports import FileTransport, OpenError
from printers.worker import PrintWorker, WorkerPolicy
from tests.printers.workers import network_config, queue_receipts, running
from tests.support.ports import free_port

POLICY = WorkerPolicy(max_attempts=2, retry=Backoff(0.01, 0.02), idle_poll_s=0.05)


def test_a_refused_connection_is_not_quoted_on_the_job(network_printer, caplog):
    caplog.set_level(logging.WARNING, logger="printers.worker")
    config, store = network_config(network_printer), InMemoryJobStore()
    network_printer.refuse_connections()
    (job,) = queue_receipts(store, config, ["YOG-261123-1-0001"])
    with running(PrintWorker(config, store, policy=POLICY)):
        assert store.wait_for(lambda s: s.get(job.id).state == "failed")
    failed = store.get(job.id).last_error
    assert failed == "cannot reach printer: no connection to the network printer (gave up after 2 attempts)"
    assert "refused" in caplog.text.lower()  # the details are for the log


def test_a_closed_port_and_another_host_read_the_same_on_the_job():
    texts = set()
    for host, port in (("127.0.0.1", free_port()), ("192.0.2.1", 9100)):  # a closed port; TEST-NET (refused or silent)
        config = PrinterConfig(name="p", kind="network", host=host, port=port, connect_timeout_s=0.2)
        store = InMemoryJobStore()
        (job,) = queue_receipts(store, config, ["YOG-261123-1-0001"])
        with running(PrintWorker(config, store, policy=POLICY)):
            assert store.wait_for(lambda s, job=job: s.get(job.id).state == "failed", timeout=10)
        texts.add(store.get(job.id).last_error)
    assert len(texts) == 1, texts


def test_a_file_printer_creates_its_file_for_the_owner_only(tmp_path):
    path = tmp_path / "printers" / "front.escpos"
    with FileTransport(str(path)) as transport:
        transport.write(b"hello")
    assert path.read_bytes() == b"hello"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


def test_a_file_printer_does_not_follow_a_symbolic_link(tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("untouched")
    link = tmp_path / "front.escpos"
    link.symlink_to(target)
    with pytest.raises(OpenError) as refused:
        FileTransport(str(link)).open()
    assert refused.value.public == "cannot open the printer's file" and str(link) in str(refused.value)
    assert target.read_text() == "untouched"
