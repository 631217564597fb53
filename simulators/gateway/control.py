"""The simulator's own endpoints: the customer's side and the test's levers.

GET  /                          a page listing charges, with pay and expire buttons
GET  /_sim/charges/             charges (filters: provider, order_id, state)
GET  /_sim/charges/<id>         one charge
POST /_sim/charges/<id>/pay     settle it as the customer would
POST /_sim/charges/<id>/expire  let it expire now
GET  /_sim/webhooks/            every webhook delivery and its attempts (filter: charge_id)
GET/POST /_sim/config           webhook faults and the dashboard callback URLs
POST /_sim/reset                forget every charge and delivery

Errors use the product's error body {"error", "message", "field", "code"}.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, jsonify, request

from simulators.gateway.core import SimulatorError
from simulators.gateway.store import OPEN, STATES, SimCharge, iso
from simulators.gateway.web import json_object, simulator

bp = Blueprint("sim_control", __name__)

PAGE = (Path(__file__).with_name("page.html")).read_text(encoding="utf-8")
ERROR_NAMES = {400: "ValidationError", 404: "NotFound", 409: "Conflict"}
WEBHOOK_OPTIONS = ("delay_ms", "duplicate", "drop")


def money(amount: int) -> str:
    return f"{amount}.00"


def charge_json(charge: SimCharge) -> dict:
    return {"id": charge.id, "provider": charge.provider, "method": charge.method, "order_id": charge.order_id,
            "amount": money(charge.amount), "currency": charge.currency, "state": charge.state,
            "open": charge.state == OPEN, "created_at": iso(charge.created_at), "expires_at": iso(charge.expires_at),
            "paid_at": iso(charge.paid_at), "refunded_amount": money(charge.refunded),
            "qr_string": charge.qr_string, "deeplink_url": charge.deeplink_url, "payment_id": charge.payment_id,
            "webhook_urls": list(charge.webhook_urls),
            "pay_url": f"/_sim/charges/{charge.id}/pay", "expire_url": f"/_sim/charges/{charge.id}/expire"}


@bp.errorhandler(SimulatorError)
def refused(failure: SimulatorError):
    return jsonify({"error": ERROR_NAMES.get(failure.status, "Error"), "message": failure.message,
                    "field": failure.field, "code": failure.code}), failure.status


@bp.get("/")
def page():
    return Response(PAGE, mimetype="text/html")


@bp.get("/_sim/charges/")
def list_charges():
    state = request.args.get("state")
    if state is not None and state not in STATES:
        raise SimulatorError(400, "INVALID_STATE", f"state is one of {', '.join(STATES)}", "state")
    charges = [charge for charge in simulator().store.all()
               if request.args.get("provider") in (None, charge.provider)
               and request.args.get("order_id") in (None, charge.order_id)
               and state in (None, charge.state)]
    return jsonify({"data": [charge_json(charge) for charge in reversed(charges)], "count": len(charges)})


@bp.get("/_sim/charges/<charge_id>")
def get_charge(charge_id):
    return jsonify(charge_json(simulator().charge(charge_id)))


def _webhook_options(payload: dict) -> dict | None:
    options = payload.get("webhook")
    if options is None:
        return None
    if not isinstance(options, dict) or set(options) - set(WEBHOOK_OPTIONS):
        raise SimulatorError(400, "INVALID_WEBHOOK_OPTIONS", f"webhook takes {', '.join(WEBHOOK_OPTIONS)}", "webhook")
    for key in ("delay_ms", "duplicate"):
        value = options.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 600_000:
            raise SimulatorError(400, "INVALID_WEBHOOK_OPTIONS", f"webhook.{key} is a whole number, 0 or more",
                                 f"webhook.{key}")
    if not isinstance(options.get("drop", False), bool):
        raise SimulatorError(400, "INVALID_WEBHOOK_OPTIONS", "webhook.drop is true or false", "webhook.drop")
    return options


def _body() -> dict:
    if not request.get_data():
        return {}
    payload = json_object()
    if payload is None:
        raise SimulatorError(400, "INVALID_JSON", "The body must be a JSON object")
    return payload


@bp.post("/_sim/charges/<charge_id>/pay")
def pay(charge_id):
    payload = _body()
    force = payload.get("force", False)
    if not isinstance(force, bool):
        raise SimulatorError(400, "INVALID_FORCE", "force is true or false", "force")
    charge = simulator().pay(charge_id, force=force, webhook=_webhook_options(payload))
    return jsonify(charge_json(charge))


@bp.post("/_sim/charges/<charge_id>/expire")
def expire(charge_id):
    charge = simulator().expire(charge_id, webhook=_webhook_options(_body()))
    return jsonify(charge_json(charge))


@bp.get("/_sim/webhooks/")
def webhooks():
    deliveries = simulator().dispatcher.log(request.args.get("charge_id"))
    return jsonify({"data": deliveries, "count": len(deliveries)})


CONFIG_INTEGERS = ("delay_ms", "duplicate", "drop_next")
CONFIG_URLS = ("midtrans_notification_url", "xendit_callback_url")


@bp.get("/_sim/config")
def get_config():
    return jsonify(simulator().config.as_dict())


@bp.post("/_sim/config")
def set_config():
    """Change any of the config's fields; the others keep their values."""
    sim = simulator()
    payload = _body()
    unknown = set(payload) - set(sim.config.as_dict())
    if unknown:
        raise SimulatorError(400, "UNKNOWN_SETTING", f"Unknown setting {sorted(unknown)[0]}", sorted(unknown)[0])
    for key in CONFIG_INTEGERS:
        value = payload.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise SimulatorError(400, "INVALID_SETTING", f"{key} is a whole number, 0 or more", key)
    for key in ("reorder", "refunds_pending"):
        if key in payload and not isinstance(payload[key], bool):
            raise SimulatorError(400, "INVALID_SETTING", f"{key} is true or false", key)
    retry = payload.get("retry_ms")
    if retry is not None and (not isinstance(retry, list) or len(retry) > 20 or not all(
            isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 3_600_000 for item in retry)):
        raise SimulatorError(400, "INVALID_SETTING", "retry_ms is a list of at most 20 delays in ms", "retry_ms")
    timeout = payload.get("timeout_s")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float)
                                or not 0 < timeout <= 60):
        raise SimulatorError(400, "INVALID_SETTING", "timeout_s is 0 to 60 seconds", "timeout_s")
    for key in CONFIG_URLS:
        value = payload.get(key)
        if value is not None and not (isinstance(value, str) and value.startswith(("http://", "https://"))):
            raise SimulatorError(400, "INVALID_SETTING", f"{key} is an http(s) URL or null", key)
    with sim.dispatcher.lock:
        was_reordering = sim.config.reorder
        for key, value in payload.items():
            setattr(sim.config, key, value)
    if was_reordering and not sim.config.reorder:
        for charge in sim.store.all():
            sim.dispatcher.release(charge.id)
    return jsonify(sim.config.as_dict())


@bp.post("/_sim/reset")
def reset():
    simulator().reset()
    return jsonify({"data": [], "count": 0})
