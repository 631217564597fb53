"""A tenant's automation rules: saved with their trigger's parameters, their conditions
(automation_conditions.py) and their actions checked (a webhook's secret sealed, never
shown again), listed and changed by managers (a manager bound to an outlet only for rules
of that outlet).

Changing a rule's condition or switching it off re-arms it: its subjects stop firing, so
the changed rule fires anew where its condition holds (docs/api-extensions.md)."""
from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select, update

from cloud.models import AutomationRule, AutomationRuleState, Outlet
from cloud.services import automation_conditions, webhook_deliveries
from cloud.services import notification_outbox as outbox
from cloud.services import stock as stock_service
from cloud.services import tenants as tenant_service
from cloud.services.actor import Actor
from sync.errors import Invalid, NotFound
from sync.timeutil import utcnow
from sync.vocab import AUTOMATION_TRIGGERS

FIELDS = ("name", "trigger", "outlet_id", "stock_item_id", "threshold", "offline_minutes", "open_hours", "at_time",
          "conditions", "actions", "is_active")
CONDITION_FIELDS = ("trigger", "outlet_id", "stock_item_id", "threshold", "offline_minutes", "open_hours", "at_time",
                    "conditions", "is_active")
# what each trigger needs (missing: 400 with the code) and may take; any other of these is NOT_FOR_TRIGGER
NEEDS = {"stock_low": ("threshold", "THRESHOLD_REQUIRED", "base units: fires while on-hand is below it"),
         "outlet_offline": ("offline_minutes", "OFFLINE_MINUTES_REQUIRED", "fires when silent for longer"),
         "shift_not_closed": ("open_hours", "OPEN_HOURS_REQUIRED", "fires when a shift is open for longer"),
         "schedule": ("at_time", "AT_TIME_REQUIRED", "HH:MM, outlet time, daily")}
MAY_TAKE = {"stock_low": ("stock_item_id",)}
PARAMETERS = ("threshold", "offline_minutes", "open_hours", "at_time", "stock_item_id")
MIN_SECRET, MAX_SECRET = 16, 200


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


def _webhook_url(raw, field: str) -> str:
    parts = urlsplit(raw or "")
    if parts.scheme not in ("http", "https") or not parts.hostname or len(raw) > 500:
        raise Invalid("an http(s) URL of at most 500 characters", "INVALID_URL", field)
    return raw


def _actions(tenant_id: int, raw: list[dict], previous: list[dict]) -> list[dict]:
    """Each action checked as its type needs: a notify's recipient normalised as the outbox
    keeps it; a webhook's secret sealed (a webhook given without one keeps the secret the
    rule had for the same URL, so a PATCH need not repeat it)."""
    kept_secrets = {a["url"]: a["secret_sealed"] for a in previous if a.get("type") == "webhook"}
    checked_ = []
    for index, action in enumerate(raw):
        kind, at = action.get("type", "notify"), f"actions.{index}"
        if kind == "notify":
            for name in ("channel", "recipient"):
                if not action.get(name):
                    raise Invalid(f"a notify action needs {name}", "FIELD_REQUIRED", f"{at}.{name}")
            recipient = outbox.recipient_for(action["channel"], action["recipient"], f"{at}.recipient")
            checked_.append({"type": "notify", "channel": action["channel"], "recipient": recipient})
        elif kind == "webhook":
            url = _webhook_url(action.get("url"), f"{at}.url")
            secret = action.get("secret")
            if secret is None and url in kept_secrets:
                sealed = kept_secrets[url]
            elif secret is None:
                raise Invalid("a webhook action needs a secret (it signs every delivery; never shown again)",
                              "SECRET_REQUIRED", f"{at}.secret")
            elif not MIN_SECRET <= len(secret) <= MAX_SECRET:
                raise Invalid(f"a secret of {MIN_SECRET} to {MAX_SECRET} characters", "INVALID_SECRET",
                              f"{at}.secret")
            else:
                sealed = webhook_deliveries.seal(tenant_id, secret)
            checked_.append({"type": "webhook", "url": url, "secret_sealed": sealed})
        else:
            checked_.append({"type": "alert"})
    return checked_


def _parameters(rule: AutomationRule) -> None:
    need = NEEDS.get(rule.trigger)
    if need is not None and getattr(rule, need[0]) is None:
        raise Invalid(f"A {rule.trigger} rule needs {need[0]} ({need[2]})", need[1], need[0])
    allowed = ((need[0],) if need else ()) + MAY_TAKE.get(rule.trigger, ())
    for name in PARAMETERS:
        if name not in allowed and getattr(rule, name) is not None:
            users = [trigger for trigger, (param, *_rest) in NEEDS.items() if param == name] or ["stock_low"]
            raise Invalid(f"{name} is for {users[0]} rules", "NOT_FOR_TRIGGER", name)


def checked(session, actor: Actor, rule: AutomationRule, previous_actions: list[dict] | None = None) -> AutomationRule:
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
    _parameters(rule)
    if rule.stock_item_id is not None:
        stock_service.get_item(session, rule.tenant_id, rule.stock_item_id, field="stock_item_id")
    outlet_ids = set(session.execute(select(Outlet.id).where(Outlet.tenant_id == rule.tenant_id)).scalars())
    rule.conditions = automation_conditions.checked(rule.trigger, rule.conditions or [], outlet_ids)
    rule.actions = _actions(rule.tenant_id, rule.actions or [], previous_actions or [])
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
    previous = list(rule.actions or [])
    if "actions" not in changes:
        changes = {**changes, "actions": [{k: v for k, v in a.items() if k != "secret_sealed"} for a in previous]}
    for key in FIELDS:
        if key in changes:
            setattr(rule, key, changes[key])
    checked(session, actor, rule, previous)
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
