"""One write transaction per user action, through the process's single write gate.

Every write in the edge process passes `write_transaction()`: it takes the gate (a lock
that is cooperative under eventlet, since the entry point monkey-patches threading
before this module is imported), opens the transaction with BEGIN IMMEDIATE, and
commits before returning, so a 2xx means the data is on disk. Nested use joins the
outer transaction. Work that must follow a commit (socket events, waking the relay or
a printer) is registered with `after_commit` and runs after the gate is released.
"""
from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from contextlib import contextmanager

from edge.extensions import db
from edge.services.storage import database as storage
from sync import sqlite

log = logging.getLogger(__name__)

_gate = threading.Lock()
_active: contextvars.ContextVar[list | None] = contextvars.ContextVar("pos_edge_write_hooks", default=None)


@contextmanager
def write_transaction():
    """Yield the session inside one durable write transaction."""
    if _active.get() is not None:  # already inside one: join it
        yield db.session
        return
    storage.refuse_if_damaged()  # nothing more is written into a broken file
    hooks: list[Callable[[], None]] = []
    token = _active.set(hooks)
    try:
        with _gate:
            session = db.session
            if session().in_transaction():
                session.rollback()  # a read begun earlier must not turn into a deferred write
            with sqlite.immediate():
                try:
                    yield session
                    session.commit()
                except BaseException as error:
                    storage.observe(error)  # a full disk or a damaged file: noted (and said once)
                    session.rollback()
                    raise
            storage.note_write_ok()
    finally:
        _active.reset(token)
    for hook in hooks:
        try:
            hook()
        except Exception:  # a failed notification must not undo a committed sale
            log.exception("after-commit hook failed")


@contextmanager
def holding_gate():
    """Hold the write gate without a transaction: for work on a connection of its own (a
    checkpoint, a vacuum) that must not race this process's writers for SQLite's lock."""
    with _gate:
        yield


def after_commit(hook: Callable[[], None]) -> None:
    """Run `hook` once the current write transaction has committed (now, if none)."""
    hooks = _active.get()
    if hooks is None:
        hook()
    else:
        hooks.append(hook)


def in_write_transaction() -> bool:
    return _active.get() is not None
