"""Pulling master data from the cloud into the mirror: page by page, each page applied
together with its cursor in one write transaction; network I/O never holds the gate."""
from __future__ import annotations

from dataclasses import dataclass

from edge.services.storage.uow import write_transaction
from edge.services.syncing import mirror
from edge.services.syncing import status as sync_status
from sync.client import CloudClient, CloudError, MustRefetch
from sync.timeutil import utcnow


@dataclass
class PullOutcome:
    pages: int = 0
    changes: int = 0
    cursor: int = 0
    refetched: bool = False


def _record_error(error: Exception) -> None:
    with write_transaction() as session:
        state = sync_status.state(session)
        state.last_pull_error = str(error)[:500]


def pull_all(client: CloudClient, limit: int = 500, *, top_up: bool = True) -> PullOutcome:
    """Bring the mirror up to the cloud's current version. Raises CloudError on failure
    (after recording it); what was applied before the failure stays applied."""
    outcome = PullOutcome()
    try:
        if top_up:
            client.allowances()
        while True:
            with write_transaction() as session:
                cursor = sync_status.state(session).pull_cursor
            try:
                exchange = client.pull(cursor, limit)
            except MustRefetch as refetch:
                with write_transaction() as session:
                    outcome.changes += mirror.replace_with_snapshot(session, refetch.snapshot)
                    state = sync_status.state(session)
                    state.pull_cursor = refetch.snapshot["cursor"]
                    state.last_pull_at, state.last_pull_error = utcnow(), None
                outcome.refetched = True
                outcome.pages += 1
                continue
            page = exchange.body
            with write_transaction() as session:
                outcome.changes += mirror.apply_changes(session, page["changes"])
                state = sync_status.state(session)
                state.pull_cursor = page["cursor"]
                state.last_pull_at, state.last_pull_error = utcnow(), None
                if exchange.clock_skew_s is not None:
                    state.clock_skew_s = exchange.clock_skew_s
            outcome.pages += 1
            outcome.cursor = page["cursor"]
            if not page["has_more"]:
                return outcome
    except CloudError as error:
        _record_error(error)
        raise
