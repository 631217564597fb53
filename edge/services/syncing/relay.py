"""The outbox relay: sends pending events to the cloud in `seq` order, in batches.

Events are marked sent in one local transaction after the cloud answered, so a crash in
between only causes a resend (which the cloud reports as `duplicate`). Transport errors,
timeouts, 5xx and 429 back off with full jitter behind a circuit breaker; an event the
cloud rejects for its content is parked as a dead letter and the queue keeps moving.
"""
from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select, update

from edge.extensions import db
from edge.models import Order, OutboxEvent
from edge.services.storage.uow import write_transaction
from edge.services.syncing import outbox
from edge.services.syncing import status as sync_status
from sync.client import AuthFailed, CloudClient, CloudError, Refused, Unreachable
from sync.errors import Conflict, NotFound
from sync.timeutil import isoformat, utcnow

log = logging.getLogger(__name__)
CALM_BATCHES_BEFORE_GROWING = 10  # batches answered in time, after a timeout, before the batch grows again


class BadAnswer(CloudError):
    """The cloud's answer does not account for the events sent (e.g. a cut response)."""


@dataclass
class PushOutcome:
    sent: int = 0
    dead: int = 0
    attempted: int = 0
    error: str | None = None
    skipped: bool = False  # backing off: not attempted


PENDING_COLUMNS = (OutboxEvent.seq, OutboxEvent.event_id, OutboxEvent.type, OutboxEvent.occurred_at,
                   OutboxEvent.payload, OutboxEvent.payload_sha256)


def wire_event(event) -> dict:
    return {"seq": event.seq, "event_id": event.event_id, "type": event.type,
            "occurred_at": isoformat(event.occurred_at), "payload": json.loads(event.payload),
            "payload_sha256": event.payload_sha256}


class Relay:
    def __init__(self, client: CloudClient, *, batch: int = 200, base_s: float = 1.0, cap_s: float = 60.0,
                 breaker_threshold: int = 3, rng: Callable[[], float] = random.random):
        self.client = client
        self.batch = batch
        self.base_s, self.cap_s = base_s, cap_s
        self.breaker_threshold = breaker_threshold
        self.rng = rng
        self._batch_now = batch
        self._calm_batches = 0
        # After a failure (other than a timeout) the next attempt sends one event: while the
        # cloud is away, each retry would otherwise read and encode a whole batch for nothing.
        self._probe = False
        # Both on the monotonic clock: a step of the wall clock neither stretches a backoff
        # (a backward step once stalled pushes for days) nor cuts it short.
        self.backing_off_until = 0.0
        self.last_attempt_at = float("-inf")
        # (the highest seq the cloud has seen from this device, the seq after which this
        # database's events differ from the cloud's or None) when the database went back
        # behind the cloud: the caller catches up (edge.services.continuity).
        self.cloud_ahead: tuple[int, int | None] | None = None

    # --- backoff ---------------------------------------------------------------------------

    def backoff_delay(self, failures: int) -> float:
        """Full jitter: uniform over [0, min(cap, base * 2^(failures-1))]."""
        return self.rng() * min(self.cap_s, self.base_s * (2 ** max(0, failures - 1)))

    def _failure(self, error: Exception, probe: bool = True) -> PushOutcome:
        with write_transaction() as session:
            state = sync_status.state(session)
            state.consecutive_failures += 1
            delay = self.backoff_delay(state.consecutive_failures)
            state.next_attempt_at = utcnow() + timedelta(seconds=delay)  # for people to read
            self.backing_off_until = time.monotonic() + delay
            state.last_push_error = f"{error.__class__.__name__}: {error}"[:500]
            state.last_push_at = utcnow()
        self._probe = probe
        return PushOutcome(error=str(error))

    def _may_try(self) -> bool:
        """The backoff is over (on the monotonic clock; `next_attempt_at` in the database
        is its wall-clock picture for the dashboard, and wrong after a clock step)."""
        return time.monotonic() >= self.backing_off_until

    @property
    def backing_off(self) -> bool:
        return time.monotonic() < self.backing_off_until

    def may_probe(self, min_gap_s: float) -> bool:
        """While backing off, may a new sale send one probe now? Yes unless an attempt left
        less than `min_gap_s` ago: a busy till offline must not knock on every sale."""
        return time.monotonic() - self.last_attempt_at >= min_gap_s

    # --- one batch -----------------------------------------------------------------------

    def _pending(self, limit: int, skip: list[int] | None = None) -> list:
        """The next pending events in seq order (leaving out `skip`: a batch answered but
        not recorded yet), as rows with the columns the wire and the bookkeeping need."""
        query = select(*PENDING_COLUMNS).where(OutboxEvent.status == "pending")
        if skip:
            query = query.where(OutboxEvent.seq.notin_(skip))
        events = db.session.execute(query.order_by(OutboxEvent.seq).limit(limit)).all()
        db.session.rollback()  # end the read: the gate-held write comes later
        return events

    def push_once(self, force: bool = False) -> PushOutcome:
        outcome, _ = self._step(force, None, pipeline=False)
        return outcome

    def _step(self, force: bool, ahead: _Sending | None, pipeline: bool) -> tuple[PushOutcome, _Sending | None]:
        """Send a batch (or take the one already sent ahead) and settle its answer. With
        `pipeline`, once the answer accounts for every event, the next batch (the pending
        events after this one, in seq order) is sent before this one is recorded: the
        cloud applies it while the edge does its bookkeeping. The cloud has answered this
        batch, so it applies the next one after it: seq order holds. Returns the outcome
        and the batch now in flight, if any."""
        if ahead is None:
            if not force and not self._may_try():
                return PushOutcome(skipped=True), None
            events = self._pending(1 if self._probe else self._batch_now)
            if not events:
                return PushOutcome(), None
            self.last_attempt_at = time.monotonic()
            ahead = _Sending(self.client, events, background=False)
        events = ahead.events
        try:
            exchange = ahead.wait()
            results = self._check(exchange.body, events)
        except Refused as refused:
            return self._refused(events, refused), None
        except Unreachable as error:
            if error.timed_out:
                # The cloud may have applied the batch and still be busy with it: send
                # less until answers come back in time (the resend is all duplicates).
                # (No probe: the cloud is there, and the smaller batch finds the size that fits.)
                self._batch_now, self._calm_batches = max(1, len(events) // 2), CALM_BATCHES_BEFORE_GROWING
                return self._failure(error, probe=False), None
            return self._failure(error), None
        except (CloudError, AuthFailed) as error:
            return self._failure(error), None
        self._probe = False
        self._grow_back()
        following = None
        if pipeline:
            more = self._pending(self._batch_now, skip=[e.seq for e in events])
            if more:
                following = _Sending(self.client, more, background=True)
        try:
            outcome = self._record(events, results, exchange.clock_skew_s)
            self._notice_cloud_ahead(exchange.body, events)
        except BaseException:
            if following is not None:
                following.settle_quietly()
            raise
        return outcome, following

    def _notice_cloud_ahead(self, body: dict, events) -> None:
        """The cloud has seen more from this device than the database holds, or says the
        batch reused seqs it had seen with other events: the database went back."""
        cloud_seq, reused = body.get("device_last_seq"), body.get("seq_reused_from")
        if isinstance(reused, int):
            self.cloud_ahead = (cloud_seq if isinstance(cloud_seq, int) else reused, reused - 1)
            return
        if not isinstance(cloud_seq, int) or cloud_seq <= events[-1].seq:
            return  # the usual answer: the cloud has seen up to this batch
        if cloud_seq > outbox.local_high_seq(db.session):
            self.cloud_ahead = (cloud_seq, None)

    def _grow_back(self) -> None:
        """Double the batch towards its configured size; after a timeout, only once a run of
        batches has been answered in time (else it would time out every other batch)."""
        if self._calm_batches > 0:
            self._calm_batches -= 1
        else:
            self._batch_now = min(self.batch, self._batch_now * 2)

    def _check(self, body: dict, events: list[OutboxEvent]) -> dict[str, dict]:
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list):
            raise BadAnswer("the cloud's answer has no results (cut or garbled response)")
        by_id = {r.get("event_id"): r for r in results if isinstance(r, dict)}
        missing = [e.event_id for e in events if e.event_id not in by_id]
        if missing:
            raise BadAnswer(f"the cloud's answer misses {len(missing)} of the events sent")
        return by_id

    def _refused(self, events: list[OutboxEvent], refused: Refused) -> PushOutcome:
        """The cloud refused the request as a whole: narrow down to the event at fault."""
        if len(events) > 1:
            self._batch_now = max(1, len(events) // 2)
            return PushOutcome(attempted=len(events), error=str(refused))
        with write_transaction() as session:
            event = session.get(OutboxEvent, events[0].seq)
            _kill(event, f"refused by the cloud ({refused.status}): {refused.body.get('message', '')}")
        self._batch_now = self.batch
        return PushOutcome(attempted=1, dead=1, error=str(refused))

    def _record(self, events: list[OutboxEvent], results: dict[str, dict], skew: int | None) -> PushOutcome:
        """Settle a batch the cloud answered, in one transaction whose statements do not
        grow with the batch: one read of its rows, one UPDATE marking the sent ones, one
        executemany moving the orders' synced versions (dead letters, rare, one by one)."""
        outcome = PushOutcome(attempted=len(events))
        now = utcnow()
        with write_transaction() as session:
            rows = session.execute(select(OutboxEvent.seq, OutboxEvent.event_id, OutboxEvent.type,
                                          OutboxEvent.aggregate_id, OutboxEvent.aggregate_version)
                                   .where(OutboxEvent.seq.in_([e.seq for e in events]),
                                          OutboxEvent.status == "pending")).all()
            # rows no longer pending: a concurrent relay (another process) already settled them
            sent, dead, versions = [], [], {}
            for row in rows:
                result = results[row.event_id]
                if result.get("status") in ("applied", "duplicate"):
                    sent.append(row.seq)
                    if row.type == "order.snapshot":
                        versions[row.aggregate_id] = max(versions.get(row.aggregate_id, 0), row.aggregate_version)
                else:
                    dead.append((row.seq, f"{result.get('status')}: {result.get('reason') or 'no reason given'}"))
            if sent:
                session.execute(update(OutboxEvent).where(OutboxEvent.seq.in_(sent))
                                .values(status="sent", sent_at=now, last_error=None,
                                        attempts=OutboxEvent.attempts + 1)
                                .execution_options(synchronize_session=False))
                outcome.sent = len(sent)
            if versions:
                session.connection().execute(
                    update(Order.__table__).where(Order.__table__.c.uuid == bindparam("b_uuid"),
                                                  Order.__table__.c.synced_version < bindparam("b_version"))
                    .values(synced_version=bindparam("b_version")),
                    [{"b_uuid": uuid, "b_version": version} for uuid, version in versions.items()])
            for seq, reason in dead:
                event = session.get(OutboxEvent, seq)
                event.attempts += 1
                if event.type == "order.snapshot" and NUMBER_TAKEN in reason:
                    _renumber(session, event, reason)
                    continue
                _kill(event, reason)
                outcome.dead += 1
            state = sync_status.state(session)
            state.consecutive_failures, state.next_attempt_at, state.last_push_error = 0, None, None
            self.backing_off_until = 0.0
            state.last_push_at = state.last_success_at = now
            if skew is not None:
                state.clock_skew_s = skew
        return outcome

    def drain(self, max_batches: int = 1000, force: bool = False) -> PushOutcome:
        """Push until nothing is pending, an error stops it, or `max_batches` went by. Each
        next batch is sent while the previous one is recorded (see `_step`)."""
        total = PushOutcome()
        ahead = None
        try:
            for index in range(max_batches):
                outcome, ahead = self._step(force and index == 0, ahead, pipeline=index < max_batches - 1)
                total.sent += outcome.sent
                total.dead += outcome.dead
                total.attempted += outcome.attempted
                total.skipped = outcome.skipped
                if outcome.error and not outcome.attempted:
                    total.error = outcome.error
                    break
                if outcome.attempted == 0 or self.cloud_ahead is not None:
                    break  # (behind the cloud: catch up before sending more)
        finally:
            if ahead is not None:  # sent but not recorded: its events stay pending, resent as duplicates
                ahead.settle_quietly()
        return total


class _Sending:
    """One batch on its way to the cloud: in the background (a thread; a green one under
    eventlet), or at once. The client is used by one batch at a time: the relay waits for
    this one before it sends another."""

    def __init__(self, client: CloudClient, events: list, *, background: bool):
        self.events, self._client = events, client
        self._exchange, self._error, self._thread = None, None, None
        if background:
            self._thread = threading.Thread(target=self._send, name="relay-send", daemon=True)
            self._thread.start()
            time.sleep(0)  # under eventlet: let it encode and write the request before the edge records
        else:
            self._send()

    def _send(self) -> None:
        try:
            self._exchange = self._client.push([wire_event(e) for e in self.events])
        except Exception as error:  # noqa: BLE001 - not swallowed: wait() raises it in the relay's thread
            self._error = error

    def wait(self):
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._exchange

    def settle_quietly(self) -> None:
        if self._thread is not None:
            self._thread.join()


NUMBER_TAKEN = "ORDER_NUMBER_TAKEN"


def _renumber(session, event: OutboxEvent, reason: str) -> None:
    """The cloud refused an order's number (another order of the outlet holds it: a copy of
    this database sold under the same numbers). The order gets a new one and a new
    snapshot; this event is settled as superseded (a dead letter would only repeat it)."""
    from edge.services.selling import orders

    event.status, event.resolution, event.resolved_at = "dismissed", "renumbered", utcnow()
    event.dead_reason = reason[:2000]
    refused = json.loads(event.payload).get("order_number")
    order = orders.find_by_uuid(session, event.aggregate_id)
    if order is not None and order.order_number == refused:
        orders.renumber(session, order, "head office already had that number from another copy of this till")


def _kill(event: OutboxEvent, reason: str) -> None:
    event.status, event.dead_reason, event.dead_at = "dead", reason[:2000], utcnow()
    log.warning("outbox event %s (%s) parked as dead letter: %s", event.seq, event.type, reason)


def resolve_dead_letter(session, seq: int, user_id: int, action: str) -> OutboxEvent:
    """A manager's decision on a dead letter: send it again, or dismiss it; both recorded."""
    event = session.get(OutboxEvent, seq)
    if event is None:
        raise NotFound("Dead letter")
    if event.status != "dead":
        raise Conflict("That event is not a dead letter", "NOT_DEAD")
    event.resolution, event.resolved_by, event.resolved_at = ("retried" if action == "retry" else "dismissed",
                                                              user_id, utcnow())
    event.status = "pending" if action == "retry" else "dismissed"
    session.flush()
    return event

