"""Keeping the edge's database from growing without end.

Every sale leaves outbox events (the whole order snapshot, several times) and the stored
answers of idempotent requests: some 14 KB per order, 5 GB a year at 1,000 orders a day.
Once the cloud has acknowledged an event it is history (the order itself stays), and an
idempotency record is only useful while a till might still retry. So, on a schedule:
acknowledged events older than POS_EDGE_OUTBOX_KEEP_DAYS and idempotency records older
than POS_EDGE_IDEMPOTENCY_KEEP_HOURS are deleted in short write transactions, the WAL is
checkpointed and truncated, and the freed pages go back to the disk (incremental vacuum).

Kept on purpose: pending and dead events (not acknowledged), and an acknowledged loyalty
or promotion-use event whose customer's figures from the cloud do not include it yet
(the edge adds such entries to what the cloud last said; see edge.services.selling.customers).
The outbox's seq counter survives the deletes (AUTOINCREMENT).
"""
from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from edge.services.storage import database as storage
from edge.services.storage.uow import holding_gate, write_transaction
from sync.timeutil import utcnow

log = logging.getLogger(__name__)
BATCH = 2000  # rows per delete: the write gate is never held long

_PRUNE_OUTBOX = text("""
DELETE FROM outbox WHERE seq IN (
  SELECT o.seq FROM outbox o
  WHERE o.status IN ('sent', 'dismissed')
    AND coalesce(o.sent_at, o.resolved_at, o.occurred_at) < :cutoff
    AND NOT EXISTS (SELECT 1 FROM loyalty_entries l JOIN customers c ON c.id = l.customer_id
                    WHERE l.event_id = o.event_id AND o.seq > c.applied_seq)
    AND NOT EXISTS (SELECT 1 FROM promotion_uses u JOIN customers c ON c.id = u.customer_id
                    WHERE u.event_id = o.event_id AND o.seq > c.applied_seq)
  ORDER BY o.seq LIMIT :batch)
""")
_PRUNE_IDEMPOTENCY = text("""
DELETE FROM idempotency_keys WHERE id IN (
  SELECT id FROM idempotency_keys WHERE created_at < :cutoff ORDER BY id LIMIT :batch)
""")


@dataclass
class Pruned:
    outbox: int = 0
    idempotency: int = 0
    reclaimed_bytes: int = 0


def _delete_in_batches(statement, cutoff) -> int:
    total = 0
    while True:
        with write_transaction() as session:
            deleted = session.execute(statement, {"cutoff": cutoff, "batch": BATCH}).rowcount
        total += deleted
        if deleted < BATCH:
            return total


def prune(outbox_keep: timedelta, idempotency_keep: timedelta) -> Pruned:
    """Delete what has served its purpose (see the module's docstring)."""
    now = utcnow()
    return Pruned(outbox=_delete_in_batches(_PRUNE_OUTBOX, now - outbox_keep),
                  idempotency=_delete_in_batches(_PRUNE_IDEMPOTENCY, now - idempotency_keep))


def reclaim(path: str | Path) -> int:
    """Checkpoint and truncate the WAL, then give freed pages back to the disk. Runs on a
    connection of its own (off the event loop: see storage.offload); returns the bytes
    the database and its WAL shrank by. A database made before incremental vacuum was on
    is converted once, by a VACUUM, when the disk has room for the copy it makes."""
    path = Path(path)
    before = _bytes(path)
    connection = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    try:
        connection.execute("PRAGMA busy_timeout=30000")
        mode = connection.execute("PRAGMA auto_vacuum").fetchone()[0]
        free_pages = connection.execute("PRAGMA freelist_count").fetchone()[0]
        if mode == 2:  # INCREMENTAL
            if free_pages:
                connection.execute("PRAGMA incremental_vacuum")
        elif free_pages and _room_for_copy(path):
            connection.execute("PRAGMA auto_vacuum=INCREMENTAL")
            connection.execute("VACUUM")  # once: from now on the incremental kind does
            log.warning("database converted to incremental vacuum (%s)", path)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return max(0, before - _bytes(path))


def _bytes(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return sum(p.stat().st_size for p in (path, wal) if p.exists())


def _room_for_copy(path: Path) -> bool:
    import shutil

    return shutil.disk_usage(path.parent).free > 2 * _bytes(path)


def run(app) -> Pruned:
    """One round of upkeep (the maintenance loop of `pos edge run`, `pos edge maintenance`)."""
    config = app.config
    with app.app_context():
        pruned = prune(timedelta(days=config["OUTBOX_KEEP_DAYS"]), timedelta(hours=config["IDEMPOTENCY_KEEP_HOURS"]))
        with holding_gate():  # sales wait for the vacuum instead of failing on SQLite's lock
            pruned.reclaimed_bytes = storage.offload(reclaim, storage.database_path(app))
    if pruned.outbox or pruned.idempotency:
        log.info("upkeep: pruned %d acknowledged events and %d idempotency records; %d bytes given back",
                 pruned.outbox, pruned.idempotency, pruned.reclaimed_bytes)
    return pruned
