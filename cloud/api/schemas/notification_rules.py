"""Automation rules: a trigger, its condition, its actions; the dry-run's answer."""
from apiflask import Schema
from apiflask.fields import Boolean, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from cloud.api.schemas.common import ID, ListQuery, UTCDateTime
from cloud.notifications.catalogue import CHANNELS
from sync.vocab import AUTOMATION_ACTIONS, AUTOMATION_TRIGGERS
from sync.web.fields import WholeNumber

MAX_THRESHOLD = 10**12
MAX_OFFLINE_MINUTES = 7 * 24 * 60


class ActionIn(Schema):
    type = String(load_default="notify", validate=OneOf(AUTOMATION_ACTIONS),
                  metadata={"description": "notify: a message through the notification outbox"})
    channel = String(required=True, validate=OneOf(CHANNELS))
    recipient = String(required=True, validate=Length(min=1, max=254),
                       metadata={"description": "A phone number (WhatsApp) or an email address"})


class ActionOut(Schema):
    type = String(required=True)
    channel = String(required=True)
    recipient = String(required=True, metadata={"description": "Normalised as the outbox keeps it"})


class RuleFields(Schema):
    name = String(validate=Length(min=1, max=120))
    trigger = String(validate=OneOf(AUTOMATION_TRIGGERS),
                     metadata={"description": "stock_low: on-hand below `threshold`; outlet_offline: no push or "
                                              "pull for more than `offline_minutes`"})
    outlet_id = WholeNumber(allow_none=True, validate=ID,
                            metadata={"description": "Only this outlet (null: every outlet of the tenant)"})
    stock_item_id = WholeNumber(allow_none=True, validate=ID,
                                metadata={"description": "stock_low: only this item (null: every active item)"})
    threshold = WholeNumber(allow_none=True, validate=Range(min=-MAX_THRESHOLD, max=MAX_THRESHOLD),
                            metadata={"description": "stock_low: fires while on-hand (base units) is below it"})
    offline_minutes = WholeNumber(allow_none=True, validate=Range(min=1, max=MAX_OFFLINE_MINUTES),
                                  metadata={"description": "outlet_offline: silent for longer than this"})
    actions = List(Nested(ActionIn), validate=Length(min=1, max=10))
    is_active = Boolean()


class RuleCreateIn(RuleFields):
    name = String(required=True, validate=Length(min=1, max=120))
    trigger = String(required=True, validate=OneOf(AUTOMATION_TRIGGERS))
    actions = List(Nested(ActionIn), required=True, validate=Length(min=1, max=10))


class RuleStateOut(Schema):
    subject = String(required=True, metadata={"description": "outlet:<id> or outlet:<id>:item:<id>"})
    firing = Boolean(required=True)
    episodes = WholeNumber(required=True)
    value = WholeNumber(allow_none=True, required=True,
                        metadata={"description": "On-hand, or minutes silent, when it last fired"})
    fired_at = UTCDateTime(allow_none=True, required=True)
    cleared_at = UTCDateTime(allow_none=True, required=True)


class RuleOut(Schema):
    id = WholeNumber(required=True)
    name = String(required=True)
    trigger = String(required=True)
    outlet_id = WholeNumber(allow_none=True, required=True)
    stock_item_id = WholeNumber(allow_none=True, required=True)
    threshold = WholeNumber(allow_none=True, required=True)
    offline_minutes = WholeNumber(allow_none=True, required=True)
    actions = List(Nested(ActionOut), required=True)
    is_active = Boolean(required=True)
    states = List(Nested(RuleStateOut), required=True,
                  metadata={"description": "Per subject: firing now or not, and its episodes"})
    created_at = UTCDateTime(required=True)
    updated_at = UTCDateTime(required=True)


class RuleListQuery(ListQuery):
    trigger = String(load_default=None, validate=OneOf(AUTOMATION_TRIGGERS))


class DryRunMessageOut(Schema):
    channel = String(required=True)
    recipient = String(required=True)
    subject = String(required=True)
    text = String(required=True)


class DryRunMatchOut(Schema):
    subject = String(required=True)
    outlet_id = WholeNumber(required=True)
    outlet_name = String(required=True)
    stock_item_id = WholeNumber(allow_none=True, required=True)
    stock_item_name = String(allow_none=True, required=True)
    value = WholeNumber(required=True, metadata={"description": "On-hand (base units) or minutes silent"})
    already_firing = Boolean(required=True, metadata={"description": "This episode has fired: nothing new is sent"})
    messages = List(Nested(DryRunMessageOut), required=True)


class DryRunOut(Schema):
    matches = List(Nested(DryRunMatchOut), required=True)
    would_fire = WholeNumber(required=True)
    would_queue = WholeNumber(required=True)
