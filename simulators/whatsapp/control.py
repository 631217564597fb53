"""The simulator's own endpoints: the phone's screen and the test's levers.

GET  /                              the messages as chats, with their ticks (polls)
GET  /_sim/messages/                messages, newest first (filters: to, status, reference)
GET  /_sim/messages/<id>            one message
POST /_sim/messages/<id>/status     report delivered / read / failed now (and its webhook)
GET  /_sim/webhooks/                every status webhook and its attempts (filter: message_id)
GET/POST /_sim/config               timing, failing numbers, API errors, webhook faults and URL, the
                                    approved templates, the 24-hour window (enforce_window, open_windows)
POST /_sim/reset                    forget every message and webhook

Errors use the product's error body {"error", "message", "field", "code"}.
"""
from __future__ import annotations

import time
from pathlib import Path

from flask import Blueprint, Response, jsonify, request

from simulators.whatsapp.core import SimulatorError
from simulators.whatsapp.store import DELIVERED, FAILED, READ, SENT, STATUSES
from simulators.whatsapp.web import json_object, simulator

bp = Blueprint("whatsapp_sim_control", __name__)

PAGE = (Path(__file__).with_name("page.html")).read_text(encoding="utf-8")
ERROR_NAMES = {400: "ValidationError", 404: "NotFound", 409: "Conflict"}


@bp.errorhandler(SimulatorError)
def refused(failure: SimulatorError):
    return jsonify({"error": ERROR_NAMES.get(failure.status, "Error"), "message": failure.message,
                    "field": failure.field, "code": failure.code}), failure.status


def _digits(value: str) -> str:
    return "".join(character for character in value if character.isdigit())


def _body() -> dict:
    if not request.get_data():
        return {}
    payload = json_object()
    if payload is None:
        raise SimulatorError(400, "INVALID_JSON", "The body must be a JSON object")
    return payload


@bp.get("/")
def page():
    return Response(PAGE, mimetype="text/html")


@bp.get("/_sim/messages/")
def list_messages():
    status = request.args.get("status")
    if status is not None and status not in STATUSES:
        raise SimulatorError(400, "INVALID_STATUS", f"status is one of {', '.join(STATUSES)}", "status")
    to = request.args.get("to")
    reference = request.args.get("reference")
    messages = [message for message in simulator().store.all()
                if (to is None or message.wa_id == _digits(to)) and status in (None, message.status)
                and reference in (None, message.reference)]
    return jsonify({"data": [message.as_dict() for message in reversed(messages)], "count": len(messages)})


@bp.get("/_sim/messages/<message_id>")
def get_message(message_id):
    return jsonify(simulator().message(message_id).as_dict())


@bp.post("/_sim/messages/<message_id>/status")
def set_status(message_id):
    payload = _body()
    status = payload.get("status")
    if status not in (SENT, DELIVERED, READ, FAILED):
        raise SimulatorError(400, "INVALID_STATUS", "status is sent, delivered, read or failed", "status")
    code = payload.get("error_code")
    if code is not None and (isinstance(code, bool) or not isinstance(code, int) or status != FAILED):
        raise SimulatorError(400, "INVALID_ERROR_CODE", "error_code is a Meta error code, with status failed only",
                             "error_code")
    sim = simulator()
    if sim.message(message_id).status == FAILED:
        raise SimulatorError(409, "MESSAGE_FAILED", "The message has failed; it has no later status")
    return jsonify(sim.set_status(message_id, status, code).as_dict())


@bp.get("/_sim/webhooks/")
def webhooks():
    deliveries = simulator().dispatcher.log(request.args.get("message_id"))
    return jsonify({"data": deliveries, "count": len(deliveries)})


def _whole(key: str, value, upper: int = 3_600_000) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= upper:
        raise SimulatorError(400, "INVALID_SETTING", f"{key} is a whole number from 0 to {upper}", key)


def _check_templates(items) -> list[dict]:
    """The approved templates: [{name, language, body with {{1}}, {{2}}, ...}]."""
    if not isinstance(items, list) or len(items) > 500 or not all(
            isinstance(item, dict) and set(item) == {"name", "language", "body"}
            and all(isinstance(item[key], str) and item[key] for key in item) for item in items):
        raise SimulatorError(400, "INVALID_SETTING", "templates is a list of {name, language, body}", "templates")
    return [dict(item) for item in items]


def _check_config(payload: dict, current: dict) -> dict:
    unknown = sorted(set(payload) - set(current))
    if unknown:
        raise SimulatorError(400, "UNKNOWN_SETTING", f"Unknown setting {unknown[0]}", unknown[0])
    changes = dict(payload)
    for key in ("response_delay_ms", "delay_ms", "duplicate", "drop_next"):
        if key in payload:
            _whole(key, payload[key], 600_000)
    for key in ("auto_read", "reorder", "enforce_window"):
        if key in payload and not isinstance(payload[key], bool):
            raise SimulatorError(400, "INVALID_SETTING", f"{key} is true or false", key)
    url = payload.get("webhook_url")
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        raise SimulatorError(400, "INVALID_SETTING", "webhook_url is an http(s) URL or null", "webhook_url")
    if "status_delays_ms" in payload:
        delays = payload["status_delays_ms"]
        if not isinstance(delays, dict) or set(delays) - {SENT, DELIVERED, READ}:
            raise SimulatorError(400, "INVALID_SETTING", "status_delays_ms maps sent, delivered, read to ms",
                                 "status_delays_ms")
        for key, value in delays.items():
            _whole(f"status_delays_ms.{key}", value)
        changes["status_delays_ms"] = {**current["status_delays_ms"], **delays}
    if "fail_numbers" in payload:
        numbers = payload["fail_numbers"]
        if not isinstance(numbers, dict) or not all(
                isinstance(code, int) and not isinstance(code, bool) for code in numbers.values()):
            raise SimulatorError(400, "INVALID_SETTING", "fail_numbers maps a phone number to a Meta error code",
                                 "fail_numbers")
        changes["fail_numbers"] = {_digits(number): code for number, code in numbers.items()}
    if "api_errors" in payload:
        errors = payload["api_errors"]
        if not isinstance(errors, list) or len(errors) > 100 or not all(
                isinstance(item, dict) and not set(item) - {"http_status", "code"}
                and isinstance(item.get("http_status", 500), int) and 400 <= item.get("http_status", 500) <= 599
                and isinstance(item.get("code", 131000), int) for item in errors):
            raise SimulatorError(400, "INVALID_SETTING", "api_errors is a list of {http_status: 400-599, code}",
                                 "api_errors")
    if "templates" in payload:
        changes["templates"] = _check_templates(payload["templates"])
    if "open_windows" in payload:
        numbers = payload["open_windows"]
        if not isinstance(numbers, list) or not all(isinstance(number, str) and _digits(number) for number in numbers):
            raise SimulatorError(400, "INVALID_SETTING", "open_windows lists the numbers that wrote to the business "
                                 "just now (their 24-hour window opens)", "open_windows")
        changes["open_windows"] = {**current["open_windows"], **{_digits(number): time.time() for number in numbers}}
    retry = payload.get("retry_ms")
    if retry is not None and (not isinstance(retry, list) or len(retry) > 20 or not all(
            isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 3_600_000 for item in retry)):
        raise SimulatorError(400, "INVALID_SETTING", "retry_ms is a list of at most 20 delays in ms", "retry_ms")
    timeout = payload.get("timeout_s")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float)
                                or not 0 < timeout <= 60):
        raise SimulatorError(400, "INVALID_SETTING", "timeout_s is 0 to 60 seconds", "timeout_s")
    return changes


@bp.get("/_sim/config")
def get_config():
    return jsonify(simulator().config.as_dict())


@bp.post("/_sim/config")
def set_config():
    """Change any of the config's fields; the others keep their values."""
    sim = simulator()
    changes = _check_config(_body(), sim.config.as_dict())
    with sim.dispatcher.lock:
        was_reordering = sim.config.reorder
        for key, value in changes.items():
            setattr(sim.config, key, value)
    if was_reordering and not sim.config.reorder:
        sim.dispatcher.release_all()
    return jsonify(sim.config.as_dict())


@bp.post("/_sim/reset")
def reset():
    simulator().reset()
    return jsonify({"data": [], "count": 0})
