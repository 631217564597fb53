"""The edge's database file and the disk under it.

A full disk and a damaged database are facts a cashier and a manager can act on, so
each has its own answer instead of a 500: STORAGE_FULL (507) says the sale was not saved
and that selling resumes by itself once there is room; DATABASE_DAMAGED (503) stops
writes (nothing more is written into a broken file) and names the recovery command.
Health turns red for both. Each is logged once when it starts and once when it ends, not
on every request or every relay run.

The state lives per app (`app.extensions["pos_storage"]`): a full disk clears itself with
the next commit that succeeds; damage stays until the process restarts on a repaired
database (`pos edge recover`).
"""
from __future__ import annotations

import logging
import shutil
import sqlite3
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from edge.context import running_app
from sync.errors import DomainError, OutOfRoom, Unavailable

log = logging.getLogger(__name__)

SQLITE_CORRUPT, SQLITE_FULL, SQLITE_NOTADB = 11, 13, 26
FULL_MARGIN_BYTES = 1024 * 1024  # less free space than this counts as full before a write fails


class StorageFull(OutOfRoom):
    def __init__(self):
        super().__init__("The till's disk is full, so this was NOT saved. Ask a manager to free some space on the "
                         "till; selling resumes by itself as soon as there is room.", "STORAGE_FULL")


class DatabaseDamaged(Unavailable):
    def __init__(self, data_dir: str, problem: str):
        super().__init__(f"The till's database is damaged ({problem[:200]}), so selling is stopped to protect your "
                         f"records. A manager must stop the edge and run `pos edge recover --data-dir {data_dir}` "
                         "(see docs/sync.md, 'A damaged database').", "DATABASE_DAMAGED")


@dataclass
class StorageState:
    full: bool = False              # the last write failed for lack of space
    damaged: str | None = None      # the first problem SQLite or an integrity check reported


_lock = threading.Lock()


def state(app=None) -> StorageState:
    extensions = (app or running_app()).extensions
    found = extensions.get("pos_storage")
    if found is None:
        with _lock:
            found = extensions.setdefault("pos_storage", StorageState())
    return found


def database_path(app=None) -> Path:
    from edge.extensions import db

    with (app or running_app()).app_context():
        return Path(db.engine.url.database)


# --- what an error means ------------------------------------------------------------------

def classify(error: BaseException) -> str | None:
    """"full", "damaged" or None for an error from SQLite (raw or wrapped by SQLAlchemy)."""
    original = getattr(error, "orig", None) or error
    code = getattr(original, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF  # extended codes carry the primary one in their low byte
    if primary == SQLITE_FULL:
        return "full"
    if primary in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return "damaged"
    return None


def observe(error: BaseException) -> str | None:
    """Note what a failed database call says about the storage; returns its kind."""
    kind = classify(error)
    if kind == "full":
        note_full()
    elif kind == "damaged":
        mark_damaged(str(getattr(error, "orig", None) or error))
    return kind


def answer_for(error: BaseException) -> DomainError | None:
    """The error a client gets for a storage failure (None: not one)."""
    kind = observe(error)
    if kind == "full":
        return StorageFull()
    if kind == "damaged":
        return DatabaseDamaged(running_app().config["DATA_DIR"], state().damaged or "unreadable page")
    return None


def note_full() -> None:
    found = state()
    if not found.full:
        found.full = True
        log.error("the disk under %s is full: writes fail (STORAGE_FULL) until there is room again",
                  running_app().config["DATA_DIR"])


def note_write_ok() -> None:
    """After a commit: the disk has room (again)."""
    found = state()
    if found.full:
        found.full = False
        log.warning("the disk has room again: writes succeed")


def mark_damaged(problem: str, app=None) -> None:
    found = state(app)
    if found.damaged is None:
        found.damaged = problem or "unreadable page"
        data_dir = (app or running_app()).config["DATA_DIR"]
        log.error("the database in %s is damaged (%s): writes are refused until it is repaired with "
                  "`pos edge recover --data-dir %s`", data_dir, found.damaged, data_dir)


def refuse_if_damaged() -> None:
    found = state()
    if found.damaged is not None:
        raise DatabaseDamaged(running_app().config["DATA_DIR"], found.damaged)


# --- integrity ----------------------------------------------------------------------------

def integrity_problems(path: str | Path, *, full: bool = False) -> list[str]:
    """What `PRAGMA quick_check` (or `integrity_check`) finds, on a connection of its own;
    [] when the database is sound."""
    try:
        connection = sqlite3.connect(str(path), timeout=30)
    except sqlite3.Error as error:
        return [str(error)]
    try:
        rows = connection.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check").fetchall()
        problems = [line for row in rows for line in str(row[0]).splitlines()
                    if line.strip() and not line.startswith("***")]  # "*** in database main ***" heads a list
        return [] if problems == ["ok"] else problems
    except sqlite3.DatabaseError as error:
        return [str(error)]
    finally:
        connection.close()


def check_integrity(app) -> bool:
    """Run quick_check without stalling the event loop; a failure marks the database
    damaged. Returns whether it is sound."""
    problems = offload(integrity_problems, database_path(app))
    if problems:
        mark_damaged(f"integrity check: {problems[0]}", app)
    return not problems


def offload(function, *args):
    """Run a blocking call (a C call that holds no Python lock) in a real thread when
    eventlet runs the process, so greenlets keep being served meanwhile."""
    if "eventlet" in sys.modules:
        from eventlet import patcher, tpool

        if patcher.is_monkey_patched("thread"):
            return tpool.execute(function, *args)
    return function(*args)


# --- size and free space ------------------------------------------------------------------

def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def usage(app=None) -> dict:
    """What health, the status bar and `pos sync status` show about storage."""
    app = app or running_app()
    path = database_path(app)
    database, wal = _size(path), _size(path.with_name(path.name + "-wal"))
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        free = None
    found = state(app)
    low = app.config["STORAGE_LOW_MB"] * 1024 * 1024
    if found.damaged is not None:
        level = "damaged"
    elif found.full or (free is not None and free < FULL_MARGIN_BYTES):
        level = "full"
    elif free is not None and free < low:
        level = "low"
    else:
        level = "ok"
    messages = {"damaged": f"database damaged: {found.damaged}; run `pos edge recover`",
                "full": "disk full: sales are not saved until space is freed",
                "low": "disk space is low", "ok": None}
    return {"state": level, "message": messages[level], "database_bytes": database + wal, "wal_bytes": wal,
            "free_bytes": free}
