"""An outlet's records when a till's database goes back in time or is copied, on real
processes: a WAL whose tail was lost (a disk that ignored fsync), a nightly backup
restored on a second PC while the original till still sells (online, and offline), and a
second edge enrolled for the same outlet. After a final sync every acknowledged payment
exists once, no order number repeats in the outlet, and every discrepancy is flagged for
the manager (the edge's incidents) and head office (the cloud's discrepancies).
"""
import random
from collections import Counter
from pathlib import Path

import pytest

from tests.sync.faults import (  # noqa: F401
    Laps,
    Till,
    backend,
    backup_data_dir,
    check_outlet_invariants,
    discrepancies,
    edge_sqlite,
    incidents,
    make_outlet,
    printed_terminal,
    report,
    sell_and_pay,
    templates,
    wait_drained,
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _lose_wal_tail(data_dir: Path, keep_bytes: int) -> None:
    """What a disk that ignores fsync leaves after a power cut: the WAL ends early."""
    wal = data_dir / "edge.sqlite3-wal"
    with open(wal, "r+b") as handle:
        handle.truncate(keep_bytes)


@pytest.mark.postgres
def test_a_lost_wal_tail_is_noticed_taken_back_from_the_cloud_and_no_number_is_reused(make_outlet):  # noqa: F811
    laps = Laps()
    outlet = make_outlet()
    edge = outlet.edge
    outlet.cloud.start()
    edge.start()
    cashier = Till(edge)
    cashier.open_shift()
    rng, acknowledged = random.Random(17), {}
    sell_and_pay(cashier, rng, 4, acknowledged)
    wait_drained(edge, 30)
    kept_wal = (edge.data_dir / "edge.sqlite3-wal").stat().st_size
    lost = sell_and_pay(cashier, rng, 4, acknowledged)
    wait_drained(edge, 30)
    cloud_seq = outlet.cloud_rows("SELECT max(last_pushed_seq) AS s FROM devices")[0]["s"]
    edge.kill()  # the power goes; the disk had not really written the last frames
    _lose_wal_tail(edge.data_dir, kept_wal)
    with edge_sqlite(edge.data_dir) as db:
        left = {row[0] for row in db.execute("SELECT uuid FROM orders")}
        local_seq = db.execute("SELECT max(seq) FROM outbox").fetchone()[0]
    assert not {o["uuid"] for o in lost} & left and local_seq < cloud_seq, "the WAL's tail was not lost"
    laps.lap("lose tail")

    edge.start()  # catches up before it serves
    manager = Till(edge, "manager")
    with edge_sqlite(edge.data_dir) as db:
        back = {row[0] for row in db.execute("SELECT uuid FROM orders")}
        counter = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()[0]
        paid = {row[0] for row in db.execute("SELECT uuid FROM payments")}
    assert {o["uuid"] for o in lost} <= back, "the lost orders were not taken back from the cloud"
    assert set(acknowledged) <= paid, "an acknowledged payment is missing at the edge"
    assert counter >= cloud_seq, "the outbox would reuse seqs the cloud has seen"
    incident = incidents(manager)[0]
    assert incident["kind"] == "database_behind" and "4 orders added" in incident["message"], incident
    cashier = Till(edge)
    later = sell_and_pay(cashier, rng, 2, acknowledged)
    assert all(printed_terminal(o["order_number"]) == 101 for o in later)  # a numbering space of its own
    with edge_sqlite(edge.data_dir) as db:
        assert db.execute("SELECT min(seq) FROM outbox WHERE status = 'pending'").fetchone()[0] > cloud_seq
    wait_drained(edge, 30)
    laps.lap("caught up")

    figures = check_outlet_invariants(outlet, [edge], acknowledged)
    flagged = discrepancies(outlet, "sequence_regressed")
    assert len(flagged) == 1 and flagged[0]["detail"]["cloud_seq"] == cloud_seq
    report("lost-wal-tail", backend=outlet.backend, cloud_seq=cloud_seq, local_seq=local_seq, **figures, laps=laps)


@pytest.mark.postgres
def test_a_backup_restored_beside_the_live_edge_and_a_second_edge_never_share_a_number(make_outlet, tmp_path):  # noqa: F811
    laps = Laps()
    outlet = make_outlet()
    original = outlet.edge
    outlet.cloud.start()
    original.start()
    cashier = Till(original)
    cashier.open_shift()
    rng, acknowledged = random.Random(18), {}
    sell_and_pay(cashier, rng, 3, acknowledged)
    unpaid = cashier.order(rng)
    wait_drained(original, 30)
    backup = backup_data_dir(original.data_dir, tmp_path / "nightly-backup")
    laps.lap("backup")

    payment = cashier.pay_cash(unpaid)  # after the backup: the backup shows it unpaid
    acknowledged[payment["uuid"]] = unpaid["uuid"]
    sell_and_pay(cashier, rng, 3, acknowledged)
    wait_drained(original, 30)

    restored = outlet.restore_edge("restored", backup)
    restored.start()  # takes back what the backup lacks before it serves
    there = Till(restored)
    shown = there.ok("GET", f"/api/orders/{unpaid['id']}/")
    assert shown["balance_due"] == "0.00" and shown["paid_amount"] == unpaid["total_amount"]
    again = there.call("POST", "/api/payments/", {"order_id": unpaid["id"], "method": "cash",
                                                 "tendered": unpaid["total_amount"]})
    assert again.status_code == 409 and again.json()["code"] == "ORDER_ALREADY_PAID"  # no second charge
    laps.lap("restored")

    second = outlet.enroll_edge("second")
    second.start()
    elsewhere = Till(second)
    elsewhere.open_shift()
    if there.call("GET", "/api/shifts/current/").status_code != 200:
        there.open_shift()
    for till in (cashier, there, elsewhere, cashier, there, elsewhere):
        sell_and_pay(till, rng, 2, acknowledged)
    for edge in (original, restored, second):
        wait_drained(edge, 30)
    laps.lap("three edges")

    terminals = {}
    for edge in (original, restored, second):
        with edge_sqlite(edge.data_dir) as db:
            terminals[edge.data_dir.name] = sorted({printed_terminal(n) for n, in db.execute(
                "SELECT order_number FROM orders")})
    assert terminals["second"] == [201] and 101 in terminals["restored"] and 101 not in terminals["edge"]
    figures = check_outlet_invariants(outlet, [original, restored, second], acknowledged)
    spaces = sorted(row["number_space"] for row in outlet.cloud_rows("SELECT number_space FROM devices"))
    assert spaces == [1, 2, 3], spaces
    assert [d["kind"] for d in discrepancies(outlet)] == ["sequence_regressed"]
    report("restored-beside-live", backend=outlet.backend, spaces=spaces, terminals=terminals,
           **figures, laps=laps)


@pytest.mark.postgres
def test_a_backup_restored_offline_that_charges_again_is_flagged_and_caught_up(make_outlet, tmp_path):  # noqa: F811
    laps = Laps()
    outlet = make_outlet()
    original = outlet.edge
    outlet.cloud.start()
    original.start()
    cashier = Till(original)
    cashier.open_shift()
    rng, acknowledged = random.Random(19), {}
    sell_and_pay(cashier, rng, 2, acknowledged)
    unpaid = cashier.order(rng)
    wait_drained(original, 30)
    backup = backup_data_dir(original.data_dir, tmp_path / "nightly-backup")
    payment = cashier.pay_cash(unpaid)
    acknowledged[payment["uuid"]] = unpaid["uuid"]
    sell_and_pay(cashier, rng, 3, acknowledged)  # numbers the restored copy will issue again offline
    wait_drained(original, 30)
    original.stop()  # the old till is carried away; its backup goes on a new PC, which has no internet yet
    laps.lap("backup")

    outlet.proxy.refuse()
    restored = outlet.restore_edge("restored", backup)
    restored.start()
    there, manager = Till(restored), Till(restored, "manager")
    again = there.pay_cash(there.ok("GET", f"/api/orders/{unpaid['id']}/"))  # it looks unpaid here: paid twice
    acknowledged[again["uuid"]] = unpaid["uuid"]
    offline = sell_and_pay(there, rng, 3, acknowledged)
    taken = {row["order_number"] for row in outlet.cloud_rows("SELECT order_number FROM orders")}
    assert {o["order_number"] for o in offline} <= taken  # the backup's counters issue the old till's numbers
    outlet.proxy.resume()
    wait_drained(restored, 60)
    wait_until(lambda: incidents(manager) and incidents(manager)[0]["kind"] in ("database_behind",
                                                                                  "order_renumbered"),
               30, "the restored copy to catch up")
    wait_drained(restored, 60)
    laps.lap("caught up")

    kinds = Counter(d["kind"] for d in discrepancies(outlet))
    assert kinds["overpaid"] == 1 and kinds["stale_snapshot"] >= 1 and kinds["sequence_regressed"] == 1, kinds
    overpaid = discrepancies(outlet, "overpaid")[0]
    assert overpaid["order_uuid"] == unpaid["uuid"]
    figures = check_outlet_invariants(outlet, [original, restored], acknowledged)
    numbers = [there.ok("GET", f"/api/orders/{o['id']}/")["order_number"] for o in offline]
    assert all(printed_terminal(n) == 101 for n in numbers), numbers  # renumbered in its new space
    status = manager.sync_status()
    stale = [d for d in status["dead"] if "STALE_SNAPSHOT" in (d["reason"] or "")]
    assert stale, status["dead"]  # the manager sees the refused stale snapshot
    report("restored-offline", backend=outlet.backend, discrepancies=dict(kinds), **figures, laps=laps)
