"""What a cashier's status bar must show truthfully: is the cloud reachable, how big and
how old is the sync backlog, are the printers and kitchen screens fine."""
from __future__ import annotations

from collections.abc import Callable

from edge.models import SyncState
from edge.services.selling import late_payments
from edge.services.syncing import status as sync_status
from sync.timeutil import isoformat, utcnow

# Other parts of the edge (printing, kitchen sockets) report here without this module
# knowing them: each provider returns a JSON-able value under its name.
_providers: dict[str, Callable[[], object]] = {}


def provide(name: str, provider: Callable[[], object]) -> None:
    _providers[name] = provider


def cloud_online(row: SyncState | None, pull_interval_s: int) -> bool:
    """Online: the last exchange with the cloud succeeded and is recent."""
    if row is None or row.consecutive_failures or row.last_pull_error:
        return False
    last = max([t for t in (row.last_success_at, row.last_pull_at) if t] or [None], default=None)
    return last is not None and (utcnow() - last).total_seconds() <= max(3 * pull_interval_s, 60)


def snapshot(session, pull_interval_s: int) -> dict:
    row = session.get(SyncState, 1)
    summary = sync_status.summary(session)
    body = {
        "cloud": {"online": cloud_online(row, pull_interval_s),
                  "last_success_at": summary["last_success_at"],
                  "last_error": (row.last_push_error or row.last_pull_error) if row else None},
        "sync": {"pending": summary["pending"], "oldest_pending_age_s": summary["oldest_pending_age_s"],
                 "dead": summary["dead"], "records": summary["pending_records"]},
        "time": isoformat(utcnow()),
        "payments": {"late_to_give_back": late_payments.to_give_back(session)},
    }
    for name, provider in _providers.items():
        body[name] = provider()
    return body
