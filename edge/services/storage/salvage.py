"""`pos edge recover`: a damaged edge database made whole again, as far as it can be.

The damaged file is set aside (never deleted: it is evidence, and a specialist may get
more out of it), a fresh database is built by the migrations at the damaged one's
revision, and every row that can still be read is copied into it, table by table, read
by rowid ranges (a range that fails is halved until the unreadable rows are isolated).
Damage to an index loses nothing: tables are read through their own b-trees. Rows on a
damaged table page are lost; when the edge next talks to the cloud it finds itself
behind what the cloud has seen and takes its synced orders back from there
(edge.services.continuity). Then the fresh database is upgraded to the current schema.
"""
from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sync.timeutil import utcnow

log = logging.getLogger(__name__)
CHUNK = 500
MAX_ROWID_SCAN = 2**31


@dataclass
class TableSalvage:
    copied: int = 0
    unreadable_ranges: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Salvage:
    set_aside: Path
    revision: str | None
    tables: dict[str, TableSalvage] = field(default_factory=dict)
    problems_after: list[str] = field(default_factory=list)

    @property
    def copied(self) -> int:
        return sum(t.copied for t in self.tables.values())

    @property
    def unreadable(self) -> int:
        return sum(len(t.unreadable_ranges) for t in self.tables.values())


def set_aside(path: Path) -> Path:
    """Move the damaged database (and its WAL and shared-memory files) out of the way."""
    stamp = utcnow().strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            source.rename(target.with_name(target.name + suffix))
    return target


def revision_of(path: Path) -> str | None:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            return row[0] if row else None
        finally:
            connection.close()
    except sqlite3.Error:
        return None


def copy_rows(source: Path, target: Path) -> dict[str, TableSalvage]:
    """Every readable row of every table the target has, into the target."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(str(target), isolation_level=None)
    dst.execute("PRAGMA foreign_keys=OFF")  # rows whose parent was lost are kept, not dropped
    report: dict[str, TableSalvage] = {}
    try:
        tables = [row[0] for row in dst.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name <> 'alembic_version' ORDER BY name")]
        for table in tables:
            report[table] = _copy_table(src, dst, table)
    finally:
        src.close()
        dst.close()
    return report


def _columns(connection, table: str) -> list[str]:
    return [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]


def _copy_table(src, dst, table: str) -> TableSalvage:
    salvage = TableSalvage()
    try:
        wanted = _columns(dst, table)
        have = set(_columns(src, table))
    except sqlite3.DatabaseError:
        salvage.unreadable_ranges.append((0, MAX_ROWID_SCAN))
        return salvage
    columns = [c for c in wanted if c in have]
    if not columns:
        return salvage
    quoted = ", ".join(f'"{c}"' for c in columns)
    select = f'SELECT {quoted} FROM "{table}" WHERE rowid BETWEEN ? AND ?'
    insert = f'INSERT OR IGNORE INTO "{table}" ({quoted}) VALUES ({", ".join("?" for _ in columns)})'
    try:
        high = src.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()[0] or 0
    except sqlite3.DatabaseError:
        high = None  # the right edge of the tree is damaged: scan until reads come back empty
    dst.execute("BEGIN")
    start, empty_run = 1, 0
    while start <= (high if high is not None else MAX_ROWID_SCAN):
        end = start + CHUNK - 1
        rows = _read(src, select, start, end, salvage)
        if rows:
            dst.executemany(insert, rows)
            salvage.copied += len(rows)
            empty_run = 0
        elif high is None:
            empty_run += 1
            if empty_run > 2000:  # a million rowids with nothing readable: the end
                break
        start = end + 1
    dst.execute("COMMIT")
    return salvage


def _read(src, select: str, low: int, high: int, salvage: TableSalvage) -> list:
    try:
        return src.execute(select, (low, high)).fetchall()
    except sqlite3.DatabaseError:
        if low == high:
            salvage.unreadable_ranges.append((low, high))
            return []
        middle = (low + high) // 2
        return _read(src, select, low, middle, salvage) + _read(src, select, middle + 1, high, salvage)


def sequence_floor(source: Path) -> int | None:
    """The outbox counter of the damaged database, if it can be read: the fresh one must
    not hand out a seq below it."""
    try:
        connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
            return int(row[0]) if row else None
        finally:
            connection.close()
    except sqlite3.Error:
        return None


def raise_sequence(target: Path, floor: int) -> None:
    connection = sqlite3.connect(str(target), isolation_level=None)
    try:
        connection.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'outbox'", (floor,))
        if connection.total_changes == 0:
            connection.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)", (floor,))
    finally:
        connection.close()
