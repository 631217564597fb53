"""A tenant's automation rules: saved with their condition and actions checked, listed
and changed by managers (a manager bound to an outlet only for rules of that outlet).

Changing a rule's condition or switching it off re-arms it: its subjects stop firing, so
the changed rule fires anew where its condition holds (docs/api-extensions.md)."""
from __future__ import annotations

from sqlalchemy import select, update

from cloud.models import AutomationRule, AutomationRuleState
from cloud.services import notification_outbox as outbox
from cloud.services import stock as stock_service
from cloud.services import tenants as tenant_service
from cloud.services.actor import Actor
from sync.errors import Invalid, NotFound
from sync.timeutil import utcnow
from sync.vocab import AUTOMATION_TRIGGERS

FIELDS = ("name", "trigger", "outlet_id", "stock_item_id", "threshold", "offline_minutes", "actions", "is_active")
CONDITION_FIELDS = ("trigger", "outlet_id", "stock_item_id", "threshold", "offline_minutes", "is_active")


def rules_query(actor: Actor):
    stmt = select(AutomationRule).where(AutomationRule.tenant_id == actor.require_tenant())
    if actor.outlet_id is not None:
        stmt = stmt.where(AutomationRule.outlet_id == actor.outlet_id)
    return stmt


def get_rule(session, actor: Actor, rule_id: int) -> AutomationRule:
    rule = session.get(AutomationRule, rule_id)
    if rule is None or rule.tenant_id != actor.require_tenant() or (
            actor.outlet_id is not None and rule.outlet_id != actor.outlet_id):
        raise NotFound("Automation rule", "RULE_NOT_FOUND")
    return rule


def _actions(raw: list[dict]) -> list[dict]:
    """Each action checked and its recipient normalised as the outbox keeps it."""
    checked = []
    for index, action in enumerate(raw):
        recipient = outbox.recipient_for(action["channel"], action["recipient"], f"actions.{index}.recipient")
        checked.append({"type": action.get("type", "notify"), "channel": action["channel"], "recipient": recipient})
    return checked


def checked(session, actor: Actor, rule: AutomationRule) -> AutomationRule:
    """The rule's fields agree with its trigger and name objects the caller may see."""
    if rule.trigger not in AUTOMATION_TRIGGERS:
        raise Invalid(f"unknown trigger (one of {', '.join(AUTOMATION_TRIGGERS)})", "INVALID_TRIGGER", "trigger")
    if actor.outlet_id is not None and rule.outlet_id != actor.outlet_id:
        raise Invalid("A manager of one outlet makes rules for that outlet: give its outlet_id", "OUTLET_REQUIRED",
                      "outlet_id")
    if rule.outlet_id is not None:
        try:
            tenant_service.get_outlet(session, actor, rule.outlet_id)
        except NotFound:
            raise Invalid("Outlet does not exist", "INVALID_OUTLET", "outlet_id") from None
    if rule.trigger == "stock_low":
        if rule.threshold is None:
            raise Invalid("A stock_low rule needs a threshold (base units: fires while on-hand is below it)",
                          "THRESHOLD_REQUIRED", "threshold")
        if rule.offline_minutes is not None:
            raise Invalid("offline_minutes is for outlet_offline rules", "NOT_FOR_TRIGGER", "offline_minutes")
        if rule.stock_item_id is not None:
            stock_service.get_item(session, rule.tenant_id, rule.stock_item_id, field="stock_item_id")
    else:
        if rule.offline_minutes is None:
            raise Invalid("An outlet_offline rule needs offline_minutes", "OFFLINE_MINUTES_REQUIRED", "offline_minutes")
        for name in ("threshold", "stock_item_id"):
            if getattr(rule, name) is not None:
                raise Invalid(f"{name} is for stock_low rules", "NOT_FOR_TRIGGER", name)
    rule.actions = _actions(rule.actions or [])
    return rule


def build(actor: Actor, data: dict) -> AutomationRule:
    """An unsaved rule from a request's fields (for create and for a dry-run)."""
    values = {"outlet_id": actor.outlet_id, "is_active": True, **{k: data[k] for k in FIELDS if k in data}}
    return AutomationRule(tenant_id=actor.require_tenant(), **values)


def create_rule(session, actor: Actor, data: dict) -> AutomationRule:
    rule = checked(session, actor, build(actor, data))
    session.add(rule)
    session.flush()
    return rule


def rearm(session, rule_id: int) -> None:
    """Every subject of the rule stops firing (its episode counter is kept, so the next
    episode's messages have keys of their own)."""
    session.execute(update(AutomationRuleState).where(AutomationRuleState.rule_id == rule_id,
                                                      AutomationRuleState.firing.is_(True))
                    .values(firing=False, cleared_at=utcnow()))


def update_rule(session, actor: Actor, rule: AutomationRule, changes: dict) -> AutomationRule:
    condition_changed = any(k in changes and changes[k] != getattr(rule, k) for k in CONDITION_FIELDS)
    for key in FIELDS:
        if key in changes:
            setattr(rule, key, changes[key])
    checked(session, actor, rule)
    session.flush()
    if condition_changed:
        rearm(session, rule.id)
    return rule


def delete_rule(session, rule: AutomationRule) -> None:
    session.delete(rule)
    session.flush()


def states_of(session, rule_id: int) -> list[AutomationRuleState]:
    return list(session.execute(select(AutomationRuleState).where(AutomationRuleState.rule_id == rule_id)
                                .order_by(AutomationRuleState.subject)).scalars())
