"""How many wrong passwords or PINs one username may take, on either app.

The per-address rate limit stops one machine; this stops many machines guessing one
account's PIN. Per username (known or not, so a lock tells nothing about who exists):
the first `free_failures` wrong tries cost nothing, each one after that makes the next
try wait twice as long (1 s, 2 s, 4 s … up to `max_delay_s`), and `lock_after` wrong
tries in a row lock the name for `lock_minutes`, doubling with each lock in a row (at
most a day), until a manager unlocks it or the time runs out. A right answer clears it
all. While a name waits or is locked its secret is not even checked.

The policy is plain values and arithmetic; each app keeps the counters in its own
`login_throttles` table (`LoginThrottleMixin`) through the functions at the end.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, String, delete, or_
from sqlalchemy.orm import Mapped, mapped_column

log = logging.getLogger(__name__)
MAX_LOCK = timedelta(days=1)
FORGET_AFTER = timedelta(days=1)  # failures this old no longer count


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 3
    max_delay_s: int = 60
    lock_after: int = 10
    lock_minutes: int = 15

    @classmethod
    def from_config(cls, config) -> ThrottlePolicy:
        return cls(config["LOGIN_FREE_FAILURES"], config["LOGIN_MAX_DELAY_S"], config["LOGIN_LOCK_AFTER"],
                   config["LOGIN_LOCK_MINUTES"])

    def delay(self, failures: int) -> timedelta:
        """How long after the last failure the next try must wait."""
        counted = failures - self.free_failures
        if counted <= 0:
            return timedelta(0)
        return timedelta(seconds=min(2 ** (counted - 1), self.max_delay_s))

    def lock_length(self, locks_in_a_row: int) -> timedelta:
        return min(timedelta(minutes=self.lock_minutes) * 2 ** max(locks_in_a_row - 1, 0), MAX_LOCK)


@dataclass(frozen=True)
class Refusal:
    """Why a try is refused before its secret is checked, and for how long."""

    locked: bool
    retry_after_s: int

    @property
    def message(self) -> str:
        if self.locked:
            minutes = max(1, -(-self.retry_after_s // 60))
            return (f"Too many failed sign-ins for this username: it is locked for {minutes} more minute(s), "
                    "or until a manager unlocks it")
        return f"Too many failed sign-ins for this username: wait {self.retry_after_s} s and try again"

    @property
    def code(self) -> str:
        return "LOGIN_LOCKED" if self.locked else "LOGIN_THROTTLED"


def refusal(policy: ThrottlePolicy, failures: int, last_failure_at: datetime | None, locked_until: datetime | None,
            now: datetime) -> Refusal | None:
    """Whether a try now must be refused, given the name's counters."""
    if locked_until is not None and now < locked_until:
        return Refusal(True, _seconds(locked_until - now))
    if last_failure_at is None or now - last_failure_at > FORGET_AFTER:
        return None
    ready_at = last_failure_at + policy.delay(failures)
    if now < ready_at:
        return Refusal(False, _seconds(ready_at - now))
    return None


def after_failure(policy: ThrottlePolicy, failures: int, last_failure_at: datetime | None, locks: int,
                  now: datetime) -> tuple[int, datetime | None, int]:
    """(failures, locked_until, locks in a row) after one more wrong try now."""
    if last_failure_at is not None and now - last_failure_at > FORGET_AFTER:
        failures = 0
    failures += 1
    if failures >= policy.lock_after:
        locks += 1
        return 0, now + policy.lock_length(locks), locks
    return failures, None, locks


def _seconds(delta: timedelta) -> int:
    return max(1, int(-(-delta.total_seconds() // 1)))


# --- the counters, in each app's `login_throttles` table ------------------------------------

MAX_USERNAME = 80


def key_of(username: str) -> str:
    """Usernames are matched without case, as logins are."""
    return username.strip().lower()[:MAX_USERNAME]


class LoginThrottleMixin:
    """Columns of an app's `login_throttles` table: one row per username with failures."""

    __tablename__ = "login_throttles"

    username: Mapped[str] = mapped_column(String(MAX_USERNAME), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    locks: Mapped[int] = mapped_column(Integer, default=0)  # locks in a row (each one twice as long)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime)  # the last lockout, kept as its record


def check(session, model, policy: ThrottlePolicy, username: str, now: datetime) -> Refusal | None:
    row = session.get(model, key_of(username))
    if row is None:
        return None
    return refusal(policy, row.failures, row.last_failure_at, row.locked_until, now)


def record_failure(session, model, policy: ThrottlePolicy, username: str, now: datetime) -> None:
    """One more wrong try for `username`; a lock it causes is logged (and kept on the row)."""
    key = key_of(username)
    row = session.get(model, key) or model(username=key, failures=0, locks=0)
    row.failures, locked_until, row.locks = after_failure(policy, row.failures or 0, row.last_failure_at,
                                                          row.locks or 0, now)
    row.last_failure_at = now
    if locked_until is not None:
        row.locked_until, row.locked_at = locked_until, now
        log.warning("sign-in for username %r locked until %s after %d failed tries in a row (lock %d in a row)",
                    key, locked_until.isoformat(timespec="seconds"), policy.lock_after, row.locks)
    session.add(row)
    session.execute(delete(model).where(model.last_failure_at < now - FORGET_AFTER,
                                        or_(model.locked_until.is_(None), model.locked_until < now)))


def clear(session, model, username: str) -> bool:
    """A right answer (or a manager's unlock) forgets the name's failures. True if it had any."""
    row = session.get(model, key_of(username))
    if row is None:
        return False
    session.delete(row)
    return True


def locked_until(session, model, username: str, now: datetime) -> datetime | None:
    row = session.get(model, key_of(username))
    return row.locked_until if row is not None and row.locked_until and row.locked_until > now else None
