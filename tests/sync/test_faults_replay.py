"""Every batch the relay sent, replayed twice, in shuffled order: the cloud's data is
unchanged, and every replayed event is reported `duplicate`.

The history covers every event type (orders and their versions, payments, refunds,
shift, customer, loyalty, promotion uses). The batches are the relay's own: the edge marks
a batch's events sent in one transaction with one `sent_at`, so grouping the outbox by
`sent_at` gives back what each push carried.
"""
import json
import random
from itertools import groupby

import pytest
from sqlalchemy import inspect

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
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

IGNORED = {"devices",  # last_seen_at and last_pushed_seq move on every push, by design
           "security_request_log"}  # a row per request received, replays included, by design


def cloud_snapshot(outlet) -> dict:
    """Every row of every table of the cloud, except the devices' bookkeeping."""
    tables = sorted(set(inspect(outlet.engine).get_table_names()) - IGNORED)
    return {name: sorted(json.dumps(row, sort_keys=True, default=str)
                          for row in outlet.cloud_rows(f'SELECT * FROM "{name}"')) for name in tables}


def sent_batches(data_dir) -> list[list[dict]]:
    """What each push carried: the relay marks a batch sent with one `sent_at`."""
    wire = sorted(outbox_wire(data_dir, "sent"), key=lambda e: (e["sent_at"], e["seq"]))
    return [[{k: v for k, v in e.items() if k != "sent_at"} for e in group]
            for _, group in groupby(wire, key=lambda e: e["sent_at"])]


@pytest.mark.postgres
def test_every_batch_replayed_twice_in_shuffled_order_changes_nothing(make_outlet):  # noqa: F811
    laps = Laps()
    outlet = make_outlet(edge_env={"POS_EDGE_PUSH_BATCH": "25"})
    outlet.cloud.start()
    edge = outlet.edge.start()
    cashier, manager, cook = Till(edge), Till(edge, "manager"), Till(edge, "kitchen")
    laps.lap("start")
    busy_day(cashier, manager, cook, random.Random(2), 24)
    wait_drained(edge, 60)
    laps.lap("sell")
    check_dashboard(read_dashboard(edge, manager), pending=0, succeeded=True, cursor=outlet.cursor_range())
    edge.stop()  # no more pulls or pushes: only the replays touch the cloud from here
    agreed = assert_cloud_matches_edge(outlet)
    batches = sent_batches(edge.data_dir)
    types = {e["type"] for batch in batches for e in batch}
    assert types >= {"order.snapshot", "payment.recorded", "refund.recorded", "shift.snapshot", "customer.upserted",
                     "loyalty.accrued", "promotion.usage"}, types
    assert sum(len(b) for b in batches) == agreed.events and len(batches) > 3
    before = cloud_snapshot(outlet)
    laps.lap("snapshot")

    client = device_client(edge.data_dir, outlet.cloud.url)
    rng = random.Random(7)
    replays = [list(batch) for batch in batches for _ in range(2)]
    rng.shuffle(replays)
    statuses = []
    for batch in replays:
        rng.shuffle(batch)
        statuses += [r["status"] for r in client.push(batch).body["results"]]
    laps.lap("replay")
    assert set(statuses) == {"duplicate"} and len(statuses) == 2 * agreed.events
    after = cloud_snapshot(outlet)
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"replays changed {changed}"
    assert_cloud_matches_edge(outlet)
    report("replay", backend=outlet.backend, batches=len(batches), events=agreed.events, orders=agreed.orders,
           replayed=len(statuses), tables=len(before), laps=laps)
