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

import html
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cloud.models import AutomationRule, AutomationRuleState, Device, Outlet, StockItem, StockMovement
from cloud.notifications.templates import Rendered
from cloud.services import notification_outbox as outbox
from sync.timeutil import utcnow

UNIT_NAMES = {"g": "g", "ml": "ml", "pcs": "pcs"}


@dataclass(frozen=True)
class Match:
    """A subject meeting a rule's condition, with what the message says about it."""

    subject: str
    outlet_id: int
    outlet_name: str
    value: int  # stock_low: on-hand (base units); outlet_offline: minutes silent
    subject_text: str  # the email's subject
    text: str  # the message
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
            last_seen_at=seen, subject_text=f"Outlet offline: {outlet.name}",
            text=(f"*Outlet offline*: {outlet.name} has not synced since {_local(seen, outlet.timezone)} "
                  f"(more than {rule.offline_minutes} minute{'' if rule.offline_minutes == 1 else 's'})."
                  f"\nRule: {rule.name}")))
    return found


CONDITIONS = {"stock_low": _stock_low, "outlet_offline": _outlet_offline}


def matches(session, rule: AutomationRule, now: datetime | None = None) -> list[Match]:
    """The subjects meeting the rule's condition now."""
    return CONDITIONS[rule.trigger](session, rule, now or utcnow())


def rendered_for(channel: str, match: Match) -> Rendered:
    if channel == "email":
        text = match.text.replace("*", "")
        return Rendered(match.subject_text, text, "<p>" + html.escape(text).replace("\n", "<br>\n") + "</p>")
    return Rendered("", match.text, None)


def _fire(session, rule: AutomationRule, match: Match, now: datetime) -> int | None:
    """Mark the subject firing and queue the rule's messages, in one transaction; how many
    messages were queued, None when another pass fired this episode first."""
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
    queued = 0
    for index, action in enumerate(rule.actions):
        if action.get("type", "notify") != "notify":
            continue
        row = outbox.enqueue(session, rule.tenant_id, channel=action["channel"], recipient=action["recipient"],
                             rendered=rendered_for(action["channel"], match), type_=rule.trigger,
                             key=f"rule:{rule.id}:{match.subject}:{episode}:{index}")
        queued += row is not None
    session.commit()
    return queued


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
    queued: int = 0


def evaluate(session, now: datetime | None = None) -> EvaluationResult:
    """One pass over every active rule of every tenant (the worker's `rules` job)."""
    now = now or utcnow()
    result = EvaluationResult()
    rule_ids = list(session.execute(select(AutomationRule.id).where(AutomationRule.is_active.is_(True))
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
                queued = _fire(session, rule, match, now)  # commits (or rolls back): `rule` reloads
                if queued is not None:
                    result.fired += 1
                    result.queued += queued
        session.rollback()
        for subject in firing - set(found):
            _clear(session, rule_id, subject, now)
            result.cleared += 1
    return result


def dry_run(session, rule: AutomationRule, now: datetime | None = None) -> dict:
    """What the rule would do now, without writing: the subjects meeting its condition,
    whether each is already firing (a saved rule; then nothing new is sent) and the
    messages it would queue."""
    found = matches(session, rule, now)
    firing = set()
    if rule.id is not None:
        firing = set(session.execute(select(AutomationRuleState.subject).where(
            AutomationRuleState.rule_id == rule.id, AutomationRuleState.firing.is_(True))).scalars())
    out = []
    for match in found:
        fires = match.subject not in firing
        out.append({
            "subject": match.subject, "outlet_id": match.outlet_id, "outlet_name": match.outlet_name,
            "stock_item_id": match.stock_item_id, "stock_item_name": match.stock_item_name or None,
            "value": match.value, "already_firing": not fires,
            "messages": [{"channel": a["channel"], "recipient": a["recipient"],
                          "subject": rendered_for(a["channel"], match).subject,
                          "text": rendered_for(a["channel"], match).text}
                         for a in rule.actions if fires and a.get("type", "notify") == "notify"]})
    return {"matches": out, "would_fire": sum(1 for m in out if not m["already_firing"]),
            "would_queue": sum(len(m["messages"]) for m in out)}
