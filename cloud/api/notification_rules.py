"""Automation rules under the notifications API: CRUD and a dry-run (manager+; a manager
bound to an outlet sees and makes the rules of that outlet only). The worker evaluates
them (cloud/services/automation_eval.py)."""
from apiflask import APIBlueprint

from cloud.api.access import require
from cloud.api.schemas.common import list_schema
from cloud.api.schemas.notification_rules import DryRunOut, RuleCreateIn, RuleFields, RuleListQuery, RuleOut
from cloud.api.tx import writes
from cloud.extensions import db
from cloud.models import AutomationRule
from cloud.services import automation_eval
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
    INVALID_EMAIL="an action's recipient is not an email address")


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
    """What a rule (not saved) would do now: the subjects meeting its condition and its messages."""
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
    """What the saved rule would do now (subjects already firing send nothing new)."""
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
