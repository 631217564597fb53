"""A tenant's notification templates: saved only when the sandboxed engine accepts them
(cloud/notifications/templates.py), one default per (type, channel), previews."""
from __future__ import annotations

from sqlalchemy import select, update

from cloud.models import NotificationTemplate, Tenant
from cloud.notifications import catalogue, templates, whatsapp_mapping
from cloud.notifications.errors import TemplateError
from cloud.services.actor import Actor
from sync.errors import Invalid, NotFound

FIELDS = ("name", "type", "channel", "subject", "body", "is_active", "is_default", "whatsapp_template")


def refusal(error: TemplateError) -> Invalid:
    """The contract's 400, with where in the template it went wrong."""
    return Invalid(error.message, error.code, error.field,
                            extra={"line": error.line, "variable": error.variable})


def currency_of(session, tenant_id: int) -> str:
    return session.execute(select(Tenant.currency).where(Tenant.id == tenant_id)).scalar() or "IDR"


def source_of(template: NotificationTemplate) -> templates.TemplateSource:
    """What the engine renders for a saved template (its WhatsApp mapping included)."""
    return templates.TemplateSource(template.type, template.channel, template.body, template.subject or "",
                                    template.whatsapp_template)


def _check(session, tenant_id: int, template: NotificationTemplate, declared=None) -> templates.CheckResult:
    try:
        result = templates.check(source_of(template), declared, currency=currency_of(session, tenant_id))
        template.whatsapp_template = whatsapp_mapping.check(template.whatsapp_template,
                                                            catalogue.template_type(template.type), template.channel)
    except TemplateError as error:
        raise refusal(error) from None
    return result


def _one_default(session, template: NotificationTemplate) -> None:
    """Saving a default takes the mark off the tenant's other template of its type and channel."""
    if template.is_default:
        session.execute(update(NotificationTemplate).where(
            NotificationTemplate.tenant_id == template.tenant_id, NotificationTemplate.type == template.type,
            NotificationTemplate.channel == template.channel, NotificationTemplate.id != template.id,
        ).values(is_default=False))


def with_check(template: NotificationTemplate, result: templates.CheckResult) -> NotificationTemplate:
    template.warnings = list(result.warnings)
    template.preview = result.preview
    return template


def create_template(session, actor: Actor, data: dict) -> NotificationTemplate:
    tenant_id = actor.require_tenant()
    values = {"subject": "", "is_active": True, "is_default": False, "whatsapp_template": None,
              **{k: data[k] for k in FIELDS if k in data}}
    template = NotificationTemplate(tenant_id=tenant_id, **values)
    result = _check(session, tenant_id, template, data.get("variables"))
    template.variables = list(result.variables)
    session.add(template)
    session.flush()
    _one_default(session, template)
    return with_check(template, result)


def templates_query(tenant_id: int):
    return select(NotificationTemplate).where(NotificationTemplate.tenant_id == tenant_id)


def get_template(session, actor: Actor, template_id: int) -> NotificationTemplate:
    found = session.execute(templates_query(actor.require_tenant()).where(NotificationTemplate.id == template_id)
                            ).scalar_one_or_none()
    if found is None:
        raise NotFound("Notification template", "TEMPLATE_NOT_FOUND")
    return found


def update_template(session, actor: Actor, template: NotificationTemplate, changes: dict) -> NotificationTemplate:
    for key in FIELDS:
        if key in changes:
            setattr(template, key, changes[key])
    result = _check(session, template.tenant_id, template, changes.get("variables"))
    template.variables = list(result.variables)
    session.flush()
    _one_default(session, template)
    return with_check(template, result)


def delete_template(session, template: NotificationTemplate) -> None:
    session.delete(template)
    session.flush()


def default_template(session, tenant_id: int, type_: str, channel: str) -> NotificationTemplate | None:
    """The template events of this type use on this channel: the active default."""
    return session.execute(templates_query(tenant_id).where(
        NotificationTemplate.type == type_, NotificationTemplate.channel == channel,
        NotificationTemplate.is_active.is_(True), NotificationTemplate.is_default.is_(True),
    ).order_by(NotificationTemplate.id.desc()).limit(1)).scalar_one_or_none()


def preview(session, actor: Actor, data: dict) -> templates.Rendered:
    """A template (saved or not) with the type's sample data, some of it replaced by `template_vars`."""
    tenant_id = actor.require_tenant()
    try:
        mapping = whatsapp_mapping.check(data.get("whatsapp_template"), catalogue.template_type(data["type"]),
                                         data["channel"])
        source = templates.TemplateSource(data["type"], data["channel"], data["body"], data.get("subject") or "",
                                          mapping)
        values = templates.wire_values(data["type"], data.get("template_vars") or {})
        return templates.preview(source, currency=currency_of(session, tenant_id), values=values)
    except TemplateError as error:
        raise refusal(error) from None
