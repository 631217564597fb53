"""Two pushes of the same batch at once apply once: a retry racing the first try, and
two edge processes of the same device by mistake (a restored backup on a second PC).

On PostgreSQL the cloud runs `pos cloud run --workers 4` (four gunicorn processes, each
with its own connection pool), so the racing requests meet only in the database, at the
unique (outlet, event_id) key of processed_events. On SQLite it runs one process with
eight threads (SQLite is a one-host database), where BEGIN IMMEDIATE serialises them.
"""
import random
import threading
from pathlib import Path

import pytest

from tests.support.processes import wait_http
from tests.sync.faults import (  # noqa: F401
    Laps,
    Till,
    assert_cloud_matches_edge,
    backend,
    busy_day,
    check_dashboard,
    device_client,
    make_outlet,
    outbox_wire,
    read_dashboard,
    report,
    templates,
    wait_drained,
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RACERS = 6


def race(clients, batch: list[dict]) -> list[list[dict]]:
    """Every client pushes `batch` at the same moment; returns each one's results."""
    start = threading.Barrier(len(clients))
    answers: list = [None] * len(clients)

    def push(index: int) -> None:
        start.wait()
        answers[index] = clients[index].push(batch).body["results"]

    threads = [threading.Thread(target=push, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def workers_of(pid: int) -> int:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return len(children)


@pytest.mark.postgres
def test_the_same_batch_pushed_twice_at_once_applies_once(make_outlet, backend):  # noqa: F811
    laps = Laps()
    workers = 4 if backend == "postgres" else 1
    outlet = make_outlet(workers=workers)
    edge = outlet.edge
    outlet.cloud.start()
    wait_until(lambda: workers_of(outlet.cloud.proc.pid) == workers, 30, f"{workers} cloud workers")
    edge.start()
    cashier, manager, cook = Till(edge), Till(edge, "manager"), Till(edge, "kitchen")
    cashier.open_shift()
    wait_drained(edge, 30)
    before_outage = len(outbox_wire(edge.data_dir, "sent"))  # the shift, its sign-ins' audit records
    outlet.proxy.refuse()  # the outlet sells offline: a backlog every copy of the device will push
    busy_day(cashier, manager, cook, random.Random(4), 18)
    edge.stop()
    laps.lap("sell")

    # A retry racing the first try: the same batch, RACERS pushes at the same moment.
    backlog = [{k: v for k, v in e.items() if k != "sent_at"} for e in outbox_wire(edge.data_dir)]
    clients = [device_client(edge.data_dir, outlet.cloud.url) for _ in range(RACERS)]
    for client in clients:
        client.authenticate()
    raced = 0
    for first in range(0, min(len(backlog), 90), 30):
        batch = backlog[first:first + 30]
        answers = race(clients, batch)
        for event in batch:
            statuses = sorted(next(r["status"] for r in answer if r["event_id"] == event["event_id"])
                              for answer in answers)
            assert statuses == ["applied"] + ["duplicate"] * (RACERS - 1), (event["type"], statuses)
        raced += len(batch)
    laps.lap("race")

    # Two edge processes of the same device, each with the whole backlog, start together.
    twin = outlet.add_edge("twin", copy_of=edge.data_dir)
    outlet.proxy.resume()
    edge.start(wait=False)
    twin.start(wait=False)
    for process in (edge, twin):
        wait_http(process.health_url)
    drain_s = max(wait_drained(edge, 60), wait_drained(twin, 60))
    laps.lap("twins")

    agreed = assert_cloud_matches_edge(outlet, edge.data_dir)
    assert assert_cloud_matches_edge(outlet, twin.data_dir) == agreed
    assert agreed.events == len(backlog) + before_outage
    for process in (edge, twin):
        check_dashboard(read_dashboard(process, Till(process, "manager")), pending=0, succeeded=True,
                        cursor=outlet.cursor_range())
    laps.lap("check")
    report("concurrent", backend=outlet.backend, workers=workers, racers=RACERS, raced_events=raced,
           backlog=len(backlog), orders=agreed.orders, drain_s=round(drain_s, 1), laps=laps)
