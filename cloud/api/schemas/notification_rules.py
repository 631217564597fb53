"""Automation rules: a trigger, its condition, its actions; the dry-run's answer."""
from apiflask import Schema
from apiflask.fields import Boolean, Dict, List, Nested, Raw, String
from apiflask.validators import Length, OneOf, Range, Regexp

from cloud.api.schemas.common import ID, ListQuery, UTCDateTime
from cloud.notifications.catalogue import CHANNELS
from sync.vocab import AUTOMATION_ACTIONS, AUTOMATION_TRIGGERS, CONDITION_OPERATORS
from sync.web.fields import WholeNumber

MAX_THRESHOLD = 10**12
MAX_OFFLINE_MINUTES = 7 * 24 * 60
MAX_OPEN_HOURS = 7 * 24
HH_MM = Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", error="a time of day as HH:MM (00:00 to 23:59)")


class ActionIn(Schema):
    type = String(load_default="notify", validate=OneOf(AUTOMATION_ACTIONS),
                  metadata={"description": "notify: a message through the notification outbox; webhook: a signed "
                                           "POST to `url`; alert: a security alert for the tenant's owner"})
    channel = String(validate=OneOf(CHANNELS), metadata={"description": "notify: whatsapp or email"})
    recipient = String(validate=Length(min=1, max=254),
                       metadata={"description": "notify: a phone number (WhatsApp) or an email address"})
    url = String(validate=Length(min=1, max=500), metadata={"description": "webhook: http(s) URL"})
    secret = String(load_only=True, validate=Length(min=1, max=200),
                    metadata={"description": "webhook: the HMAC-SHA256 key (16-200 characters); write-only, never "
                                             "shown; omitted on a change, the rule keeps the secret of the same URL"})


class ActionOut(Schema):
    type = String(required=True)
    channel = String(metadata={"description": "notify"})
    recipient = String(metadata={"description": "notify: normalised as the outbox keeps it"})
    url = String(metadata={"description": "webhook"})
    has_secret = Boolean(metadata={"description": "webhook: a secret is kept (it is never shown)"})


class ConditionIn(Schema):
    field = String(required=True, validate=Length(min=1, max=40))
    op = String(required=True, validate=OneOf(CONDITION_OPERATORS))
    value = Raw(required=True, allow_none=False,
                metadata={"description": "money as a decimal string ('50000.00'), a whole number, a string; "
                                         "in/not_in: a list of them"})


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
    open_hours = WholeNumber(allow_none=True, validate=Range(min=1, max=MAX_OPEN_HOURS),
                             metadata={"description": "shift_not_closed: a shift open for longer than this"})
    at_time = String(allow_none=True, validate=HH_MM,
                     metadata={"description": "schedule: HH:MM, outlet time, once a day"})
    conditions = List(Nested(ConditionIn), validate=Length(max=10),
                      metadata={"description": "All must hold over the event's fields (docs/api-extensions.md)"})
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
    open_hours = WholeNumber(allow_none=True, required=True)
    at_time = String(allow_none=True, required=True)
    conditions = List(Raw(), required=True)
    actions = List(Nested(ActionOut), required=True, attribute="shown_actions")
    is_active = Boolean(required=True)
    states = List(Nested(RuleStateOut), required=True,
                  metadata={"description": "Per subject: firing now or not, and its episodes"})
    created_at = UTCDateTime(required=True)
    updated_at = UTCDateTime(required=True)


class RuleListQuery(ListQuery):
    trigger = String(load_default=None, validate=OneOf(AUTOMATION_TRIGGERS))


class DryRunWebhookOut(Schema):
    url = String(required=True)
    body = String(required=True, metadata={"description": "The JSON that would be signed and sent"})


class DryRunAlertOut(Schema):
    message = String(required=True)


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
    value = WholeNumber(allow_none=True, required=True,
                        metadata={"description": "On-hand, minutes silent, hours open, the day's orders"})
    occurred_at = UTCDateTime(allow_none=True, required=True)
    fields = Dict(required=True, metadata={"description": "The event's fields the conditions read"})
    conditions_hold = Boolean(required=True)
    already_firing = Boolean(required=True, metadata={"description": "This episode has fired: nothing new is sent"})
    messages = List(Nested(DryRunMessageOut), required=True)
    webhooks = List(Nested(DryRunWebhookOut), required=True)
    alerts = List(Nested(DryRunAlertOut), required=True)


class DryRunOut(Schema):
    window = String(required=True, metadata={"description": "last_day: the events (or moments) of the last 24 h; "
                                                            "now: the states that hold now"})
    since = UTCDateTime(required=True)
    until = UTCDateTime(required=True)
    matches = List(Nested(DryRunMatchOut), required=True)
    would_fire = WholeNumber(required=True)
    would_queue = WholeNumber(required=True, metadata={"description": "Messages"})
    would_call = WholeNumber(required=True, metadata={"description": "Webhook deliveries"})
    would_alert = WholeNumber(required=True)


class AttemptOut(Schema):
    at = UTCDateTime(required=True)
    status_code = WholeNumber(allow_none=True, required=True)
    error = String(required=True)
    duration_ms = WholeNumber(required=True)


class DeliveryOut(Schema):
    id = WholeNumber(required=True)
    event = String(required=True)
    url = String(required=True)
    status = String(required=True, metadata={"description": "queued, delivered or failed"})
    attempts = WholeNumber(required=True)
    next_attempt_at = UTCDateTime(required=True)
    last_status_code = WholeNumber(allow_none=True, required=True)
    last_error = String(required=True)
    body = String(required=True, metadata={"description": "The JSON sent (and signed)"})
    created_at = UTCDateTime(required=True)
    delivered_at = UTCDateTime(allow_none=True, required=True)
    failed_at = UTCDateTime(allow_none=True, required=True)
    history = List(Nested(AttemptOut), required=True)
