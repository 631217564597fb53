"""Automation rules under the notifications API: CRUD and a dry-run (manager+; a manager
bound to an outlet sees and makes the rules of that outlet only). The worker evaluates
them (cloud/services/automation_eval.py)."""
from apiflask import APIBlueprint

from cloud.api.access import require
from cloud.api.schemas.common import ListQuery, list_schema
from cloud.api.schemas.notification_rules import (
    DeliveryOut,
    DryRunOut,
    RuleCreateIn,
    RuleFields,
    RuleListQuery,
    RuleOut,
)
from cloud.api.tx import writes
from cloud.extensions import db
from cloud.models import AutomationRule
from cloud.services import automation_eval, webhook_deliveries
from cloud.services import automation_rules as rules
from sync.web.lists import order_by, ordered_by, paginate
from sync.web.openapi import refuses

bp = APIBlueprint("notification_rules", __name__, url_prefix="/api/notifications/rules", tag="Automation rules")

ORDERING = {"name": AutomationRule.name, "created_at": AutomationRule.created_at}
REFUSALS = dict(
    INVALID_OUTLET="outlet_id names no outlet of the tenant", INVALID_STOCK_ITEM="stock_item_id names no stock item",
    OUTLET_REQUIRED="a manager bound to an outlet must name it", THRESHOLD_REQUIRED="stock_low without threshold",
    OFFLINE_MINUTES_REQUIRED="outlet_offline without offline_minutes",
    NOT_FOR_TRIGGER="a field the trigger does not use", INVALID_PHONE="an action's recipient is not a phone number",
    INVALID_EMAIL="an action's recipient is not an email address",
    OPEN_HOURS_REQUIRED="shift_not_closed without open_hours", AT_TIME_REQUIRED="schedule without at_time",
    UNKNOWN_FIELD="a condition on a field the trigger's events do not carry",
    INVALID_OPERATOR="an operator the field's kind does not take",
    INVALID_VALUE="a condition's value of the wrong kind",
    INVALID_CONDITION="a condition that is not {field, op, value}", INVALID_URL="a webhook URL that is not http(s)",
    SECRET_REQUIRED="a webhook without a secret", INVALID_SECRET="a secret shorter than 16 characters",
    FIELD_REQUIRED="a notify action without channel or recipient")


def _with_states(rule: AutomationRule) -> AutomationRule:
    rule.states = rules.states_of(db.session, rule.id)
    return rule


@bp.get("/")
@require("manager")
@bp.input(ordered_by(RuleListQuery, ORDERING), location="query")
@bp.output(list_schema(RuleOut, "AutomationRuleList"))
def list_rules(query_data, actor):
    """The tenant's rules with their firing state."""
    stmt = rules.rules_query(actor)
    if query_data.get("trigger") is not None:
        stmt = stmt.where(AutomationRule.trigger == query_data["trigger"])
    page = paginate(db.session, order_by(stmt, query_data.get("ordering"), ORDERING, [AutomationRule.id]),
                    query_data)
    for rule in page["results"]:
        _with_states(rule)
    return page


@bp.post("/")
@writes
@require("manager")
@bp.input(RuleCreateIn)
@bp.output(RuleOut, status_code=201)
@refuses(**REFUSALS)
def create_rule(json_data, actor):
    """A rule; the worker evaluates it on its next pass and fires once per episode."""
    return _with_states(rules.create_rule(db.session, actor, json_data))


@bp.post("/dry-run/")
@require("manager")
@bp.input(RuleCreateIn)
@bp.output(DryRunOut)
@refuses(**REFUSALS)
def dry_run_unsaved(json_data, actor):
    """What a rule (not saved) would have done: over the last day's events (event triggers,
    dead letters, schedules) or the states holding now (stock, offline, open shifts)."""
    rule = rules.checked(db.session, actor, rules.build(actor, json_data))  # never added to the session
    return automation_eval.dry_run(db.session, rule)


@bp.get("/<int:rule_id>/")
@require("manager")
@bp.output(RuleOut)
def get_rule(rule_id, actor):
    return _with_states(rules.get_rule(db.session, actor, rule_id))


@bp.post("/<int:rule_id>/dry-run/")
@require("manager")
@bp.output(DryRunOut)
def dry_run_saved(rule_id, actor):
    """What the saved rule would have done over the last day (or now, for a state; subjects
    already firing send nothing new). Nothing is sent or written."""
    return automation_eval.dry_run(db.session, rules.get_rule(db.session, actor, rule_id))


@bp.patch("/<int:rule_id>/")
@writes
@require("manager")
@bp.input(RuleFields)
@bp.output(RuleOut)
@refuses(**REFUSALS)
def update_rule(rule_id, json_data, actor):
    """Change a rule; a changed condition (or switching it off) re-arms it."""
    rule = rules.get_rule(db.session, actor, rule_id)
    return _with_states(rules.update_rule(db.session, actor, rule, json_data))


@bp.delete("/<int:rule_id>/")
@writes
@require("manager")
@bp.output({}, status_code=204)
def delete_rule(rule_id, actor):
    rules.delete_rule(db.session, rules.get_rule(db.session, actor, rule_id))
    return ""


@bp.get("/<int:rule_id>/deliveries/")
@require("manager")
@bp.input(ListQuery, location="query")
@bp.output(list_schema(DeliveryOut, "WebhookDeliveryList"))
def list_deliveries(rule_id, query_data, actor):
    """The rule's webhook deliveries, newest first, each with every attempt (status code,
    error, time taken). The secret is never shown."""
    rule = rules.get_rule(db.session, actor, rule_id)
    page = paginate(db.session, webhook_deliveries.history_query(rule.tenant_id, rule.id), query_data)
    attempts = webhook_deliveries.attempts_of(db.session, [d.id for d in page["results"]])
    page["results"] = [{**{c: getattr(d, c) for c in DeliveryOut().fields if c != "history"},
                        "history": attempts[d.id]} for d in page["results"]]
    return page
