from apiflask import Schema
from apiflask.fields import Boolean, Dict, List, Nested, String
from apiflask.validators import Length, OneOf

from cloud.api.schemas.common import ID, ListQuery, UTCDateTime
from cloud.models.notification import STATUSES
from cloud.notifications.catalogue import CHANNELS, TEMPLATE_TYPES
from sync.vocab import AUTOMATION_TRIGGERS
from sync.web.fields import WholeNumber

TYPES = tuple(TEMPLATE_TYPES)
HISTORY_TYPES = (*TYPES, *AUTOMATION_TRIGGERS)  # a rule's messages carry its trigger as their type


class WhatsAppTemplateIn(Schema):
    name = String(required=True, validate=Length(min=1, max=512),
                  metadata={"description": "The approved template's name in WhatsApp Manager"})
    language = String(required=True, validate=Length(min=2, max=10),
                      metadata={"description": "Its language code, e.g. 'id' or 'en_US'"})
    variables = List(String(validate=Length(max=60)), load_default=list, validate=Length(max=100),
                     metadata={"description": "Our variables filling its body parameters {{1}}, {{2}}, ... in order"})


class WhatsAppTemplateOut(Schema):
    name = String(required=True)
    language = String(required=True)
    variables = List(String(), required=True)


class WhatsAppSendOut(Schema):
    name = String(required=True)
    language = String(required=True)
    parameters = List(String(), required=True)


class TemplateFields(Schema):
    name = String(validate=Length(min=1, max=120))
    type = String(validate=OneOf(TYPES), metadata={"description": "The moment it is about (brief 004's types)"})
    channel = String(validate=OneOf(CHANNELS))
    subject = String(validate=Length(max=255), metadata={"description": "Email only"})
    body = String(validate=Length(min=1, max=20000),
                  metadata={"description": "Jinja (sandboxed) or the brief's {{#if}}; docs/notifications.md"})
    variables = List(String(validate=Length(max=60)), validate=Length(max=60),
                     metadata={"description": "Optional: the variables the client means to use; each is checked"})
    is_active = Boolean()
    is_default = Boolean(metadata={"description": "The one template synced events use for its type and channel"})
    whatsapp_template = Nested(WhatsAppTemplateIn, allow_none=True, metadata={
        "description": "WhatsApp only: the Meta-approved template messages are sent as (outside the customer's "
                       "24-hour window only those are delivered); null sends the body as free text"})


class TemplateCreateIn(TemplateFields):
    name = String(required=True, validate=Length(min=1, max=120))
    type = String(required=True, validate=OneOf(TYPES))
    channel = String(required=True, validate=OneOf(CHANNELS))
    body = String(required=True, validate=Length(min=1, max=20000))


class RenderedOut(Schema):
    subject = String(required=True)
    text = String(required=True)
    html = String(allow_none=True, required=True)
    whatsapp_template = Nested(WhatsAppSendOut, allow_none=True,
                               metadata={"description": "Sent as this approved template with these parameters"})


class TemplateOut(Schema):
    id = WholeNumber(required=True)
    name = String(required=True)
    type = String(required=True)
    channel = String(required=True)
    subject = String(required=True)
    body = String(required=True)
    variables = List(String(), required=True)
    is_active = Boolean(required=True)
    is_default = Boolean(required=True)
    whatsapp_template = Nested(WhatsAppTemplateOut, allow_none=True, required=True)
    warnings = List(String(), metadata={"description": "On create and update: legal but probably not meant"})
    preview = Nested(RenderedOut, metadata={"description": "On create and update: the type's sample data"})
    created_at = UTCDateTime(required=True)
    updated_at = UTCDateTime(required=True)


class TemplateListQuery(ListQuery):
    type = String(load_default=None, validate=OneOf(TYPES))
    channel = String(load_default=None, validate=OneOf(CHANNELS))


class PreviewIn(Schema):
    type = String(required=True, validate=OneOf(TYPES))
    channel = String(required=True, validate=OneOf(CHANNELS))
    subject = String(load_default="", validate=Length(max=255))
    body = String(required=True, validate=Length(min=1, max=20000))
    template_vars = Dict(load_default=dict, metadata={"description": "Values replacing the samples (wire format)"})
    whatsapp_template = Nested(WhatsAppTemplateIn, load_default=None, allow_none=True)


class TestIn(Schema):
    channel = String(required=True, validate=OneOf(CHANNELS))
    recipient = String(required=True, validate=Length(min=1, max=254))
    message = String(validate=Length(min=1, max=4096), metadata={"description": "Plain text to send as is"})
    subject = String(validate=Length(max=255), metadata={"description": "Email: the subject of `message`"})
    template_id = WholeNumber(validate=ID, metadata={"description": "Or render this template with its samples"})
    template_vars = Dict(load_default=dict, metadata={"description": "With template_id: values replacing samples"})


class BulkRecipientIn(Schema):
    contact = String(required=True, validate=Length(min=1, max=254),
                     metadata={"description": "Phone (WhatsApp) or email address, as the template's channel needs"})
    customer_name = String(validate=Length(max=120))
    order_id = String(validate=Length(max=36), metadata={"description": "An order's uuid: its figures fill in"})
    template_vars = Dict(load_default=dict)


class BulkIn(Schema):
    template_id = WholeNumber(required=True, validate=ID)
    recipients = List(Nested(BulkRecipientIn), required=True, validate=Length(min=1, max=1000))
    schedule_at = UTCDateTime(load_default=None, allow_none=True,
                              metadata={"description": "Not sent before (UTC); null or omitted: now"})


class NotificationOut(Schema):
    id = WholeNumber(required=True)
    template_id = WholeNumber(allow_none=True, required=True)
    template_name = String(required=True)
    type = String(required=True)
    channel = String(required=True)
    recipient = String(required=True)
    customer_id = WholeNumber(allow_none=True, required=True)
    order_uuid = String(allow_none=True, required=True)
    order_code = String(required=True)
    subject = String(required=True)
    body = String(required=True)
    status = String(required=True, metadata={"enum": list(STATUSES)})
    attempts = WholeNumber(required=True)
    next_attempt_at = UTCDateTime(required=True)
    provider_message_id = String(allow_none=True, required=True)
    last_error_code = String(required=True)
    last_error = String(required=True)
    created_at = UTCDateTime(required=True)
    sent_at = UTCDateTime(allow_none=True, required=True)
    delivered_at = UTCDateTime(allow_none=True, required=True)
    read_at = UTCDateTime(allow_none=True, required=True)
    failed_at = UTCDateTime(allow_none=True, required=True)


class StatusEventOut(Schema):
    status = String(required=True)
    at = UTCDateTime(required=True)
    detail = String(required=True)


class NotificationDetailOut(NotificationOut):
    html = String(allow_none=True, required=True)
    whatsapp_template = Nested(WhatsAppSendOut, allow_none=True,
                               metadata={"description": "Sent as this approved template with these parameters"})
    history = List(Nested(StatusEventOut), required=True)


class HistoryQuery(ListQuery):
    status = String(load_default=None, validate=OneOf(STATUSES))
    channel = String(load_default=None, validate=OneOf(CHANNELS))
    type = String(load_default=None, validate=OneOf(HISTORY_TYPES))
    order_uuid = String(load_default=None, validate=Length(max=36))


class BulkResultOut(Schema):
    contact = String(required=True)
    status = String(required=True, metadata={"description": "queued or skipped"})
    notification_id = WholeNumber(allow_none=True, required=True)
    reason = String(allow_none=True, required=True)


class BulkOut(Schema):
    queued = WholeNumber(required=True)
    skipped = WholeNumber(required=True)
    schedule_at = UTCDateTime(allow_none=True, required=True)
    results = List(Nested(BulkResultOut), required=True)


class OptOutIn(Schema):
    channel = String(required=True, validate=OneOf(CHANNELS))
    recipient = String(required=True, validate=Length(min=1, max=254))
    reason = String(load_default="", validate=Length(max=200))


class OptOutOut(Schema):
    id = WholeNumber(required=True)
    channel = String(required=True)
    recipient = String(required=True)
    reason = String(required=True)
    created_at = UTCDateTime(required=True)
