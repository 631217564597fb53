"""Master data read on every sale (outlet settings, menu, promotion rules, staff) kept in
memory as plain values, per app, rebuilt after the mirror changes.

The mirror changes only when a pull commits in this process (which clears the cache
after commit) or, rarely, when `pos sync pull` runs beside a live edge: entries also
expire after MAX_AGE_S so such a change shows within seconds.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from edge.context import running_app

MAX_AGE_S = 5.0
T = TypeVar("T")
_lock = threading.Lock()


def _entries() -> dict:
    return running_app().extensions.setdefault("pos_mirror_cache", {})


def get(name: str, load: Callable[[], T]) -> T:
    entries = _entries()
    entry = entries.get(name)
    now = time.monotonic()
    if entry is not None and now - entry[0] < MAX_AGE_S:
        return entry[1]  # type: ignore[return-value]
    value = load()
    with _lock:
        entries[name] = (now, value)
    return value


def clear() -> None:
    with _lock:
        _entries().clear()
