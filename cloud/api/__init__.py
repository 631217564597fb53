"""Blueprints of the cloud API, registered by `register_blueprints`, and the checks every
request passes before its view."""
from flask import request

from cloud.api import (
    analytics,
    audit,
    auth,
    catalog,
    customers,
    discrepancies,
    health,
    notification_rules,
    notifications,
    orders,
    outlet_devices,
    payments,
    performance,
    promotions,
    security,
    settlements,
    stock,
    sync,
    tenants,
    users,
)
from cloud.api.schemas.common import MAX_ID
from sync.web.converters import bound_path_ids
from sync.web.errors import ValidationFailed

BLUEPRINTS = (health.bp, auth.bp, users.bp, tenants.bp, catalog.bp, sync.bp, customers.bp, promotions.bp, orders.bp,
              analytics.bp, discrepancies.bp, outlet_devices.bp, payments.bp, notifications.bp,
              stock.bp, audit.bp, security.bp, performance.bp, notification_rules.bp, settlements.bp)


def _check_text(value, field):
    if isinstance(value, str):
        if "\x00" in value or not value.isascii() and not _encodes(value):
            raise ValidationFailed("Text may not contain NUL characters or unpaired surrogates", "INVALID_TEXT",
                                   field)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, field)
            _check_text(item, key if field is None else f"{field}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(item, f"{field}.{index}" if field else str(index))


def _encodes(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def refuse_unstorable_text() -> None:
    """No database stores a lone surrogate, and PostgreSQL no NUL: such text in the query
    string or the JSON body is a 400 here instead of a 500 at the database."""
    for key, values in request.args.lists():
        for text in (key, *values):
            _check_text(text, key)
    if request.is_json:
        _check_text(request.get_json(silent=True), None)


def register_blueprints(app) -> None:
    bound_path_ids(app, MAX_ID)
    app.before_request(refuse_unstorable_text)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    security.install_request_log(app)
