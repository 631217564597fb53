"""Evaluating automation rules: which subjects meet a rule's condition now, firing a
subject once per episode (its messages queued in the outbox) and re-arming it when the
condition clears; and the dry-run, which says the same without writing anything.

Firing is one conditional UPDATE (`firing` false → true, `episodes` + 1) in the
transaction that queues the messages: two workers reading the same state both try it,
the row lock lets one through and the other's WHERE no longer matches (PostgreSQL
re-reads the row; SQLite runs one writer). The messages' idempotency keys carry the
episode, so even a repeated pass cannot queue an episode's message twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cloud.models import (
    AutomationRule,
    AutomationRuleState,
    Device,
    Outlet,
    ProcessedEvent,
    StockItem,
    StockMovement,
    SyncedOrder,
    SyncedShift,
)
from cloud.services import automation_actions as actions
from cloud.services import automation_events
from cloud.services.automation_actions import Firing
from cloud.services.automation_conditions import holds, on_the_wire
from sync.money import format_amount
from sync.protocol import CONFLICT, REJECTED
from sync.timeutil import utcnow
from sync.vocab import AUTOMATION_EVENT_TRIGGERS, NOT_SOLD_STATUSES

DEAD_LETTER_WINDOW = timedelta(days=1)  # a refused event older than this fires no rule

UNIT_NAMES = {"g": "g", "ml": "ml", "pcs": "pcs"}


@dataclass(frozen=True)
class Match(Firing):
    """A subject meeting a rule's condition, with what the message says about it."""

    value: int | None = None  # stock_low: on-hand (base units); outlet_offline: minutes silent; ...
    stock_item_id: int | None = None
    stock_item_name: str = ""
    last_seen_at: datetime | None = None


def _outlets(session, rule: AutomationRule):
    stmt = select(Outlet).where(Outlet.tenant_id == rule.tenant_id)
    if rule.outlet_id is not None:
        stmt = stmt.where(Outlet.id == rule.outlet_id)
    return {outlet.id: outlet for outlet in session.execute(stmt).scalars()}


def _local(moment: datetime, timezone: str) -> str:
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (KeyError, ValueError):
        zone = UTC
    return moment.replace(tzinfo=UTC).astimezone(zone).strftime("%d/%m/%Y %H:%M")


def _stock_low(session, rule: AutomationRule, now: datetime) -> list[Match]:
    """Every (outlet, active stock item) whose synced ledger sums below the threshold. A
    pair with no ledger line at the outlet is not watched (the outlet does not stock it)."""
    outlets = _outlets(session, rule)
    on_hand = func.sum(StockMovement.quantity)
    stmt = (select(StockMovement.outlet_id, StockItem, on_hand)
            .join(StockItem, StockItem.id == StockMovement.stock_item_id)
            .where(StockMovement.tenant_id == rule.tenant_id, StockItem.tenant_id == rule.tenant_id,
                   StockItem.is_active.is_(True), StockMovement.outlet_id.in_(list(outlets)))
            .group_by(StockMovement.outlet_id, StockItem.id).having(on_hand < rule.threshold)
            .order_by(StockMovement.outlet_id, StockItem.id))
    if rule.stock_item_id is not None:
        stmt = stmt.where(StockMovement.stock_item_id == rule.stock_item_id)
    found = []
    for outlet_id, item, quantity in session.execute(stmt).all():
        outlet, unit = outlets[outlet_id], UNIT_NAMES.get(item.unit, item.unit)
        found.append(Match(
            subject=f"outlet:{outlet_id}:item:{item.id}", outlet_id=outlet_id, outlet_name=outlet.name,
            value=int(quantity), stock_item_id=item.id, stock_item_name=item.name,
            fields={"outlet_id": outlet_id, "stock_item_id": item.id, "on_hand": int(quantity)},
            subject_text=f"Stock low: {item.name} at {outlet.name}",
            text=(f"*Stock low* at {outlet.name}: {item.name} is at {int(quantity)} {unit}, "
                  f"below {rule.threshold} {unit}.\nRule: {rule.name}")))
    return found


def _outlet_offline(session, rule: AutomationRule, now: datetime) -> list[Match]:
    """Every outlet whose active devices have all been silent (no push, no pull) for longer
    than the rule's minutes. An outlet without an enrolled device is not watched."""
    outlets = _outlets(session, rule)
    last_seen = func.max(Device.last_seen_at)
    cutoff = now - timedelta(minutes=rule.offline_minutes)
    rows = session.execute(
        select(Device.outlet_id, last_seen)
        .where(Device.tenant_id == rule.tenant_id, Device.is_active.is_(True), Device.outlet_id.in_(list(outlets)))
        .group_by(Device.outlet_id).having(last_seen < cutoff).order_by(Device.outlet_id)).all()
    found = []
    for outlet_id, seen in rows:
        outlet = outlets[outlet_id]
        minutes = int((now - seen).total_seconds() // 60)
        found.append(Match(
            subject=f"outlet:{outlet_id}", outlet_id=outlet_id, outlet_name=outlet.name, value=minutes,
            last_seen_at=seen, subject_text=f"Outlet offline: {outlet.name}", occurred_at=seen,
            fields={"outlet_id": outlet_id, "minutes_silent": minutes},
            text=(f"*Outlet offline*: {outlet.name} has not synced since {_local(seen, outlet.timezone)} "
                  f"(more than {rule.offline_minutes} minute{'' if rule.offline_minutes == 1 else 's'})."
                  f"\nRule: {rule.name}")))
    return found


def _shift_not_closed(session, rule: AutomationRule, now: datetime) -> list[Match]:
    """Every synced shift still open longer than the rule's hours (the till's clock, UTC);
    it clears when the shift's closing snapshot arrives."""
    outlets = _outlets(session, rule)
    rows = session.execute(
        select(SyncedShift).where(SyncedShift.tenant_id == rule.tenant_id, SyncedShift.status == "open",
                                  SyncedShift.outlet_id.in_(list(outlets)),
                                  SyncedShift.opened_at < now - timedelta(hours=rule.open_hours))
        .order_by(SyncedShift.outlet_id, SyncedShift.opened_at)).scalars()
    found = []
    for shift in rows:
        outlet = outlets[shift.outlet_id]
        hours = int((now - shift.opened_at).total_seconds() // 3600)
        found.append(Match(
            subject=f"outlet:{shift.outlet_id}:shift:{shift.uuid}", outlet_id=shift.outlet_id, outlet_name=outlet.name,
            value=hours, occurred_at=shift.opened_at, subject_text=f"Shift not closed: {outlet.name}",
            fields={"outlet_id": shift.outlet_id, "terminal": shift.terminal, "hours_open": hours},
            text=(f"*Shift not closed* at {outlet.name}: till {shift.terminal} has had a shift open since "
                  f"{_local(shift.opened_at, outlet.timezone)} ({hours} h, more than {rule.open_hours} h)."
                  f"\nRule: {rule.name}")))
    return found


def _sync_dead_letter(session, rule: AutomationRule, now: datetime, since: datetime | None = None) -> list[Match]:
    """Every pushed event the cloud refused (rejected, or a conflict) in the last day and
    since the rule was saved: the till keeps it dead-lettered until someone looks."""
    outlets = _outlets(session, rule)
    since = max(now - DEAD_LETTER_WINDOW, since or rule.created_at or now - DEAD_LETTER_WINDOW)
    rows = session.execute(
        select(ProcessedEvent).where(ProcessedEvent.tenant_id == rule.tenant_id,
                                     ProcessedEvent.status.in_((REJECTED, CONFLICT)),
                                     ProcessedEvent.outlet_id.in_(list(outlets)), ProcessedEvent.received_at >= since)
        .order_by(ProcessedEvent.id).limit(500)).scalars()
    found = []
    for event in rows:
        outlet = outlets[event.outlet_id]
        reason = (event.reason or "")[:200]
        found.append(Match(
            subject=f"event:{event.id}", outlet_id=event.outlet_id, outlet_name=outlet.name,
            occurred_at=event.received_at, subject_text=f"Sync refused: {event.event_type} from {outlet.name}",
            fields={"outlet_id": event.outlet_id, "event_type": event.event_type, "reason": reason},
            text=(f"*Sync refused* at {outlet.name}: a {event.event_type} event was {event.status} "
                  f"({reason or 'no reason given'}).\nRule: {rule.name}")))
    return found


def _day_figures(session, outlet_id: int, day) -> tuple[int, int]:
    orders, sales = session.execute(
        select(func.count(), func.coalesce(func.sum(SyncedOrder.total_amount - SyncedOrder.voided_amount), 0))
        .where(SyncedOrder.outlet_id == outlet_id, SyncedOrder.business_date == day,
               SyncedOrder.status.not_in(NOT_SOLD_STATUSES))).one()
    return int(orders), int(sales)


def _schedule(session, rule: AutomationRule, now: datetime, latest: bool = False) -> list[Match]:
    """Each outlet, once a day, from the rule's time of day (outlet time) until its midnight,
    when that moment came after the rule was saved: the subject is the outlet's date, so a
    new day is a new episode. The day's synced orders and sales so far ride along.
    `latest` (the dry-run): each outlet's last such moment, yesterday's if today's is to come."""
    found = []
    hour, minute = (int(part) for part in rule.at_time.split(":"))
    for outlet_id, outlet in _outlets(session, rule).items():
        try:
            zone = ZoneInfo(outlet.timezone or "UTC")
        except (KeyError, ValueError):
            zone = UTC
        local_now = now.replace(tzinfo=UTC).astimezone(zone)
        moment = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if local_now < moment and latest:
            moment = (moment - timedelta(days=1)).astimezone(zone).replace(hour=hour, minute=minute)
        moment_utc = moment.astimezone(UTC).replace(tzinfo=None)
        if local_now < moment or (not latest and rule.created_at is not None and moment_utc < rule.created_at):
            continue
        orders, sales = _day_figures(session, outlet_id, moment.date())
        day = moment.date().isoformat()
        found.append(Match(
            subject=f"outlet:{outlet_id}:day:{day}", outlet_id=outlet_id, outlet_name=outlet.name, value=orders,
            occurred_at=moment_utc, subject_text=f"{rule.name}: {outlet.name}, {day}",
            fields={"outlet_id": outlet_id, "weekday": moment.isoweekday(), "orders_today": orders,
                    "sales_today": sales},
            text=(f"*{rule.name}* at {outlet.name}, {day} {rule.at_time}: {orders} order"
                  f"{'' if orders == 1 else 's'} so far that day, {format_amount(sales)} in sales.")))
    return found


CONDITIONS = {"stock_low": _stock_low, "outlet_offline": _outlet_offline, "shift_not_closed": _shift_not_closed,
              "sync_dead_letter": _sync_dead_letter, "schedule": _schedule}


def matches(session, rule: AutomationRule, now: datetime | None = None) -> list[Match]:
    """The subjects meeting the rule's trigger and its conditions now."""
    found = CONDITIONS[rule.trigger](session, rule, now or utcnow())
    return [match for match in found if holds(rule.trigger, rule.conditions or [], match.fields)]


def _fire(session, rule: AutomationRule, match: Match, now: datetime) -> actions.Done | None:
    """Mark the subject firing and perform the rule's actions, in one transaction; what was
    queued, None when another pass fired this episode first."""
    insert_ = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert_(AutomationRuleState).values(rule_id=rule.id, subject=match.subject, firing=False,
                                                        episodes=0)
                    .on_conflict_do_nothing(index_elements=["rule_id", "subject"]))
    episode = session.execute(
        update(AutomationRuleState)
        .where(AutomationRuleState.rule_id == rule.id, AutomationRuleState.subject == match.subject,
               AutomationRuleState.firing.is_(False))
        .values(firing=True, episodes=AutomationRuleState.episodes + 1, fired_at=now, value=match.value)
        .returning(AutomationRuleState.episodes).execution_options(synchronize_session=False)).scalar()
    if episode is None:
        session.rollback()
        return None
    done = actions.perform(session, rule, match, f"rule:{rule.id}:{match.subject}:{episode}", now)
    session.commit()
    return done


def _clear(session, rule_id: int, subject: str, now: datetime) -> None:
    session.execute(update(AutomationRuleState)
                    .where(AutomationRuleState.rule_id == rule_id, AutomationRuleState.subject == subject,
                           AutomationRuleState.firing.is_(True))
                    .values(firing=False, cleared_at=now).execution_options(synchronize_session=False))
    session.commit()


@dataclass
class EvaluationResult:
    rules: int = 0
    fired: int = 0
    cleared: int = 0
    queued: int = 0  # messages
    webhooks: int = 0
    alerts: int = 0


def evaluate(session, now: datetime | None = None) -> EvaluationResult:
    """One pass over every active state rule of every tenant (the worker's `rules` job);
    event rules fire as their events' notes are settled (automation_events.py)."""
    now = now or utcnow()
    result = EvaluationResult()
    rule_ids = list(session.execute(select(AutomationRule.id).where(
        AutomationRule.is_active.is_(True), AutomationRule.trigger.in_(list(CONDITIONS)))
        .order_by(AutomationRule.id)).scalars())
    session.rollback()
    for rule_id in rule_ids:
        rule = session.get(AutomationRule, rule_id)
        if rule is None or not rule.is_active:
            session.rollback()
            continue
        result.rules += 1
        found = {match.subject: match for match in matches(session, rule, now)}
        firing = set(session.execute(select(AutomationRuleState.subject).where(
            AutomationRuleState.rule_id == rule.id, AutomationRuleState.firing.is_(True))).scalars())
        for subject, match in found.items():
            if subject not in firing:
                done = _fire(session, rule, match, now)  # commits (or rolls back): `rule` reloads
                if done is not None:
                    result.fired += 1
                    result.queued += done.messages
                    result.webhooks += done.webhooks
                    result.alerts += done.alerts
        session.rollback()
        for subject in firing - set(found):
            _clear(session, rule_id, subject, now)
            result.cleared += 1
    return result


def _entry(rule: AutomationRule, firing: Firing, *, holds_: bool, already: bool) -> dict:
    acts = actions.preview(rule, firing) if holds_ and not already else {"messages": [], "webhooks": [], "alerts": []}
    value = getattr(firing, "value", None)
    return {"subject": firing.subject, "outlet_id": firing.outlet_id, "outlet_name": firing.outlet_name,
            "stock_item_id": getattr(firing, "stock_item_id", None),
            "stock_item_name": getattr(firing, "stock_item_name", "") or None, "value": value,
            "occurred_at": firing.occurred_at, "fields": on_the_wire(rule.trigger, firing.fields),
            "conditions_hold": holds_, "already_firing": already, **acts}


def _state_window(session, rule: AutomationRule, now: datetime) -> list[tuple[Firing, bool]]:
    """A state rule's subjects for the dry-run, each with whether its conditions hold. A
    dead letter and a schedule look back over the last day; stock, silence and open
    shifts are states: their subjects now (the cloud keeps no history to replay them)."""
    if rule.trigger == "sync_dead_letter":
        found = _sync_dead_letter(session, rule, now, since=now - DEAD_LETTER_WINDOW)
    elif rule.trigger == "schedule":
        found = _schedule(session, rule, now, latest=True)
    else:
        found = CONDITIONS[rule.trigger](session, rule, now)
    return [(match, holds(rule.trigger, rule.conditions or [], match.fields)) for match in found]


def dry_run(session, rule: AutomationRule, now: datetime | None = None) -> dict:
    """What the rule would have done, without writing: an event rule over the last day's
    events, a dead-letter or schedule rule over the last day, a stock, offline or shift
    rule now. Each entry says whether the conditions hold, whether the subject is already
    firing (a saved state rule: then nothing new would go), and the messages, webhooks
    (with the body that would be signed) and alerts it would produce."""
    now = now or utcnow()
    if rule.trigger in AUTOMATION_EVENT_TRIGGERS:
        window = "last_day"
        pairs = [(item["firing"], item["holds"]) for item in automation_events.recent(session, rule, now)]
    else:
        window = "last_day" if rule.trigger in ("sync_dead_letter", "schedule") else "now"
        pairs = _state_window(session, rule, now)
    firing = set()
    if rule.id is not None and rule.trigger not in AUTOMATION_EVENT_TRIGGERS:
        firing = set(session.execute(select(AutomationRuleState.subject).where(
            AutomationRuleState.rule_id == rule.id, AutomationRuleState.firing.is_(True))).scalars())
    out = [_entry(rule, found, holds_=ok, already=found.subject in firing) for found, ok in pairs]
    would = [entry for entry in out if entry["conditions_hold"] and not entry["already_firing"]]
    session.rollback()  # a dry-run writes nothing, whatever it read
    return {"window": window, "since": now - timedelta(days=1) if window == "last_day" else now, "until": now,
            "matches": out, "would_fire": len(would),
            "would_queue": sum(len(entry["messages"]) for entry in would),
            "would_call": sum(len(entry["webhooks"]) for entry in would),
            "would_alert": sum(len(entry["alerts"]) for entry in would)}
