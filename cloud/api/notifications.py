"""Notifications: templates (CRUD, preview), a test send, bulk sends with a schedule, the
history, the opt-out list, and the WhatsApp provider's status webhook (public, signed)."""
from apiflask import APIBlueprint
from flask import current_app, request
from sqlalchemy import select

from cloud.api.access import public, require
from cloud.api.schemas.common import list_schema
from cloud.api.schemas.notifications import (
    BulkIn,
    BulkOut,
    HistoryQuery,
    NotificationDetailOut,
    NotificationOut,
    OptOutIn,
    OptOutOut,
    PreviewIn,
    RenderedOut,
    TemplateCreateIn,
    TemplateFields,
    TemplateListQuery,
    TemplateOut,
    TestIn,
)
from cloud.api.tx import writes
from cloud.extensions import db, limiter
from cloud.models import Notification, NotificationOptOut, NotificationStatusEvent, NotificationTemplate
from cloud.notifications.channels import whatsapp_webhooks
from cloud.notifications.errors import WebhookRefused
from cloud.services import notification_outbox as outbox
from cloud.services import notification_sends as sends
from cloud.services import notification_templates as template_service
from sync.web.errors import APIError, NotFound, ValidationFailed
from sync.web.lists import order_by, ordered_by, paginate
from sync.web.openapi import refuses

bp = APIBlueprint("notifications", __name__, url_prefix="/api/notifications", tag="Notifications")

TEMPLATE_ORDERING = {"name": NotificationTemplate.name, "type": NotificationTemplate.type,
                     "created_at": NotificationTemplate.created_at, "updated_at": NotificationTemplate.updated_at}
HISTORY_ORDERING = {"created_at": Notification.created_at, "status": Notification.status,
                    "sent_at": Notification.sent_at}
TEMPLATE_REFUSALS = dict(
    TEMPLATE_SYNTAX="the body or subject does not parse (`line` says where)",
    UNKNOWN_VARIABLE="a variable the template type does not have (`variable`)",
    UNKNOWN_ATTRIBUTE="an attribute the variable does not have", UNSAFE_ATTRIBUTE="a name starting with _",
    UNKNOWN_FILTER="a filter outside the whitelist", UNKNOWN_TEST="a test outside the whitelist",
    TEMPLATE_NOT_ALLOWED="a construct the sandbox refuses (set, calls, imports, arithmetic, ...)",
    TEMPLATE_TOO_COMPLEX="nested too deep", EMPTY_BODY="the body is empty", SUBJECT_REQUIRED="email needs a subject",
    TEMPLATE_TOO_LONG="over 20,000 characters", RENDER_FAILED="the type's samples do not render",
    MESSAGE_TOO_LONG="the rendered message is over the channel's limit",
    NOT_WHATSAPP="whatsapp_template on an email template", INVALID_TEMPLATE_NAME="not a WhatsApp template name",
    INVALID_LANGUAGE="not a WhatsApp language code", UNKNOWN_FIELD="whatsapp_template takes name, language, variables")


def _test_limit():
    return current_app.config["NOTIFY_TEST_RATE_LIMIT"]


def _bulk_limit():
    return current_app.config["NOTIFY_BULK_RATE_LIMIT"]


@bp.get("/templates/")
@require("manager")
@bp.input(ordered_by(TemplateListQuery, TEMPLATE_ORDERING), location="query")
@bp.output(list_schema(TemplateOut, "NotificationTemplateList"))
def list_templates(query_data, actor):
    """The tenant's templates."""
    stmt = template_service.templates_query(actor.require_tenant())
    for name in ("type", "channel"):
        if query_data.get(name) is not None:
            stmt = stmt.where(getattr(NotificationTemplate, name) == query_data[name])
    stmt = order_by(stmt, query_data.get("ordering"), TEMPLATE_ORDERING, [NotificationTemplate.id])
    return paginate(db.session, stmt, query_data)


@bp.post("/templates/")
@writes
@require("manager")
@bp.input(TemplateCreateIn)
@bp.output(TemplateOut, status_code=201)
@refuses(**TEMPLATE_REFUSALS)
def create_template(json_data, actor):
    """Save a template once the sandbox accepts it; the answer carries its preview with the type's samples."""
    return template_service.create_template(db.session, actor, json_data)


@bp.get("/templates/<int:template_id>/")
@require("manager")
@bp.output(TemplateOut)
def get_template(template_id, actor):
    return template_service.get_template(db.session, actor, template_id)


@bp.patch("/templates/<int:template_id>/")
@writes
@require("manager")
@bp.input(TemplateFields)
@bp.output(TemplateOut)
@refuses(**TEMPLATE_REFUSALS)
def update_template(template_id, json_data, actor):
    template = template_service.get_template(db.session, actor, template_id)
    return template_service.update_template(db.session, actor, template, json_data)


@bp.delete("/templates/<int:template_id>/")
@writes
@require("manager")
@bp.output({}, status_code=204)
def delete_template(template_id, actor):
    """Delete it; messages already made from it keep what they said."""
    template_service.delete_template(db.session, template_service.get_template(db.session, actor, template_id))
    return ""


@bp.post("/templates/preview/")
@require("manager")
@bp.input(PreviewIn)
@bp.output(RenderedOut)
@refuses(INVALID_VALUE="a template_vars value of the wrong kind", **TEMPLATE_REFUSALS)
def preview_template(json_data, actor):
    """Render a template (saved or not) with the type's samples, some replaced by `template_vars`."""
    return template_service.preview(db.session, actor, json_data)


@bp.post("/test/")
@limiter.limit(_test_limit, error_message="Too many test messages; wait a minute and try again")
@writes
@require("manager")
@bp.input(TestIn)
@bp.output(NotificationOut, status_code=202)
@refuses(MESSAGE_REQUIRED="neither message nor template_id", CHANNEL_MISMATCH="the template is for the other channel",
         INVALID_PHONE="not a phone number", INVALID_EMAIL="not an email address",
         OPTED_OUT="409: the recipient opted out of this channel", **TEMPLATE_REFUSALS)
def send_test(json_data, actor):
    """Queue a test message (the worker sends it; follow it in the history)."""
    return sends.send_test(db.session, actor, json_data)


@bp.post("/send-bulk/")
@limiter.limit(_bulk_limit, error_message="Too many bulk sends; wait a minute and try again")
@writes
@require("manager")
@bp.input(BulkIn)
@bp.output(BulkOut, status_code=202)
@refuses(TEMPLATE_INACTIVE="the template is not active", INVALID_VALUE="a template_vars value of the wrong kind",
         **TEMPLATE_REFUSALS)
def send_bulk(json_data, actor):
    """Queue one message per recipient from a template, not before `schedule_at`. Each recipient must be a
    customer with marketing consent, or the customer of the order it names; opted-out ones are skipped."""
    return sends.send_bulk(db.session, actor, json_data)


@bp.get("/history/")
@require("manager")
@bp.input(ordered_by(HistoryQuery, HISTORY_ORDERING), location="query")
@bp.output(list_schema(NotificationOut, "NotificationHistory"))
def history(query_data, actor):
    """Every message of the tenant, newest first by default."""
    stmt = outbox.history_query(actor.require_tenant())
    for name in ("status", "channel", "type", "order_uuid"):
        if query_data.get(name) is not None:
            stmt = stmt.where(getattr(Notification, name) == query_data[name])
    if query_data.get("search"):
        term = f"%{query_data['search']}%"
        stmt = stmt.where(Notification.recipient.ilike(term) | Notification.order_code.ilike(term))
    stmt = order_by(stmt, query_data.get("ordering"), HISTORY_ORDERING,
                    [Notification.created_at.desc(), Notification.id.desc()])
    return paginate(db.session, stmt, query_data)


@bp.get("/history/<int:notification_id>/")
@require("manager")
@bp.output(NotificationDetailOut)
def notification_detail(notification_id, actor):
    """One message with what it said and every status it took."""
    found = db.session.execute(outbox.history_query(actor.require_tenant())
                               .where(Notification.id == notification_id)).scalar_one_or_none()
    if found is None:
        raise NotFound("Notification", "NOTIFICATION_NOT_FOUND")
    found.history = db.session.execute(select(NotificationStatusEvent).where(
        NotificationStatusEvent.notification_id == found.id).order_by(NotificationStatusEvent.at,
                                                                      NotificationStatusEvent.id)).scalars().all()
    return found


@bp.get("/opt-outs/")
@require("manager")
@bp.output(OptOutOut(many=True))
def list_opt_outs(actor):
    return db.session.execute(select(NotificationOptOut).where(
        NotificationOptOut.tenant_id == actor.require_tenant()).order_by(NotificationOptOut.id)).scalars().all()


@bp.post("/opt-outs/")
@writes
@require("cashier")
@bp.input(OptOutIn)
@bp.output(OptOutOut, status_code=201)
@refuses(INVALID_PHONE="not a phone number", INVALID_EMAIL="not an email address")
def add_opt_out(json_data, actor):
    """Record that a recipient wants no more messages on a channel (queued ones are not sent)."""
    tenant_id = actor.require_tenant()
    recipient = outbox.recipient_for(json_data["channel"], json_data["recipient"])
    outbox.opt_out(db.session, tenant_id, json_data["channel"], recipient, json_data["reason"])
    return db.session.execute(select(NotificationOptOut).where(
        NotificationOptOut.tenant_id == tenant_id, NotificationOptOut.channel == json_data["channel"],
        NotificationOptOut.recipient == recipient)).scalar_one()


@bp.delete("/opt-outs/<int:opt_out_id>/")
@writes
@require("manager")
@bp.output({}, status_code=204)
def remove_opt_out(opt_out_id, actor):
    found = db.session.execute(select(NotificationOptOut).where(
        NotificationOptOut.tenant_id == actor.require_tenant(), NotificationOptOut.id == opt_out_id)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("Opt-out", "OPT_OUT_NOT_FOUND")
    db.session.delete(found)
    return ""


@bp.get("/webhook/whatsapp/")
@public
@bp.doc(responses={200: "the challenge", 403: "wrong verify token"})
def whatsapp_subscription():
    """Meta's subscription check: answer `hub.challenge` when `hub.verify_token` is ours."""
    try:
        challenge = whatsapp_webhooks.verify_subscription(request.args, current_app.config["WHATSAPP_VERIFY_TOKEN"])
    except WebhookRefused as refused:
        raise APIError(refused.message, refused.code, status=403) from None
    return challenge, 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.post("/webhook/whatsapp/")
@public
@bp.doc(responses={200: "applied", 401: "signature does not verify", 400: "not Meta's format"})
def whatsapp_webhook():
    """Meta's status webhook: verified (X-Hub-Signature-256 over the raw body) before anything is read;
    statuses move messages forward only; a repeated delivery changes nothing."""
    body = request.get_data(cache=True)
    secret = current_app.config["WHATSAPP_APP_SECRET"]
    if not whatsapp_webhooks.verify_signature(secret, body, request.headers.get(whatsapp_webhooks.SIGNATURE_HEADER)):
        raise APIError("The webhook's signature does not verify", "INVALID_SIGNATURE",
                       whatsapp_webhooks.SIGNATURE_HEADER, status=401)
    try:
        updates = whatsapp_webhooks.parse_statuses(body)
    except WebhookRefused as refused:
        raise ValidationFailed(refused.message, refused.code) from None
    counts: dict[str, int] = {}
    for update in updates:
        outcome = outbox.apply_status(db.session, update)
        counts[outcome] = counts.get(outcome, 0) + 1
    db.session.commit()
    return {"received": len(updates), **counts}
