"""The in-memory JobStore keeps the protocol's promises; backoff doubles with jitter."""
from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from printers.backoff import Backoff
from printers.jobs import InMemoryJobStore, InvalidTransition, JobStore, PrintJob

LATER = datetime(2030, 1, 1, tzinfo=UTC)


def _store_with(*names):
    store = InMemoryJobStore()
    return store, [store.add("bar", "receipt", {"type": "receipt", "n": name}, name.encode()) for name in names]


def test_in_memory_store_implements_the_protocol():
    assert isinstance(InMemoryJobStore(), JobStore)


def test_jobs_come_out_in_the_order_they_were_queued_per_printer():
    store, (a, b) = _store_with("a", "b")
    store.add("kitchen", "kitchen", {}, b"k")
    assert store.next_job("bar") == a
    store.mark_done(store.mark_sending(a))
    assert store.next_job("bar") == b


def test_a_waiting_job_is_not_overtaken():
    store, (a, _b) = _store_with("a", "b")
    store.mark_waiting(a, "paper out", LATER)
    assert store.next_job("bar").id == a.id
    assert store.get(a.id).attempts == 0 and store.get(a.id).last_error == "paper out"


def test_a_failed_attempt_with_a_retry_time_stays_queued_and_counts():
    store, (a,) = _store_with("a")
    store.mark_failed(a, "connection refused", LATER)
    assert (store.get(a.id).state, store.get(a.id).attempts) == ("queued", 1)
    store.mark_failed(store.get(a.id), "connection refused", None)
    assert (store.get(a.id).state, store.get(a.id).attempts) == ("failed", 2)


def test_a_copy_takes_the_interrupted_jobs_place_at_the_head_of_the_queue():
    store, (a, _b) = _store_with("a", "b")
    sending = store.mark_sending(a)
    copy = store.requeue_as_copy(sending, "interrupted", {"type": "receipt", "copy": True}, b"COPY a")
    assert store.get(a.id).state == "failed"
    assert (copy.copy, copy.copy_of, copy.kind) == (True, a.id, "receipt")
    assert store.next_job("bar").id == copy.id
    assert [job.id for job in store.jobs("bar")][:2] == [a.id, copy.id]


def test_transitions_that_do_not_fit_the_state_are_refused():
    store, (a,) = _store_with("a")
    with pytest.raises(InvalidTransition):
        store.mark_done(a)
    store.expire(a, "too old")
    with pytest.raises(InvalidTransition):
        store.mark_sending(store.get(a.id))


def test_jobs_left_sending_are_found_for_recovery():
    store, (a, _b) = _store_with("a", "b")
    store.mark_sending(a)
    assert [job.id for job in store.stuck_sending("bar")] == [a.id]


def test_print_job_refuses_unknown_kinds_and_non_bytes():
    now = datetime.now(UTC)
    with pytest.raises(ValueError):
        PrintJob(1, "bar", "invoice", {}, b"", now)
    with pytest.raises(TypeError):
        PrintJob(1, "bar", "receipt", {}, "text", now)


def test_backoff_ceiling_doubles_up_to_the_cap():
    backoff = Backoff(1.0, 10.0)
    assert [backoff.ceiling(n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_backoff_delay_is_jittered_within_the_upper_half_of_the_ceiling():
    backoff, rng = Backoff(1.0, 60.0), random.Random(7)
    delays = [backoff.delay(4, rng) for _ in range(200)]
    assert all(4.0 <= d <= 8.0 for d in delays)
    assert len({round(d, 3) for d in delays}) > 100
