"""Small helpers the simulator's blueprints share."""
from __future__ import annotations

import hmac
import os

from flask import current_app, jsonify, request

from simulators.whatsapp.core import Simulator


def simulator() -> Simulator:
    return current_app.extensions["whatsapp_sim"]


def bearer_is(token: str) -> bool:
    scheme, _, supplied = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(supplied) and hmac.compare_digest(
        supplied.strip().encode("utf-8"), token.encode("utf-8"))


def fbtrace_id() -> str:
    return os.urandom(12).hex()


def graph_error(http_status: int, code: int, message: str, *, type_: str = "OAuthException",
                details: str | None = None, subcode: int | None = None):
    """A Graph API error answer: {"error": {message, type, code, error_data, fbtrace_id}}."""
    error = {"message": message, "type": type_, "code": code}
    if details is not None:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = fbtrace_id()
    response = jsonify({"error": error})
    response.status_code = http_status
    if http_status == 401:
        response.headers["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{message}"'
    return response


def json_object() -> dict | None:
    payload = request.get_json(silent=True)
    return payload if isinstance(payload, dict) else None
