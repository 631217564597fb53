"""Small helpers the simulator's blueprints share."""
from __future__ import annotations

import base64
import binascii
import hmac

from flask import current_app, request

from simulators.gateway.core import Simulator


def simulator() -> Simulator:
    return current_app.extensions["gateway_sim"]


def basic_user_is(secret: str) -> bool:
    """True when the request's HTTP Basic credentials are `secret` with an empty password."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return hmac.compare_digest(decoded.encode("utf-8"), f"{secret}:".encode())


def host_url() -> str:
    """This simulator's base URL as the client reached it (for action URLs in answers)."""
    return request.host_url.rstrip("/")


def json_object() -> dict | None:
    payload = request.get_json(silent=True)
    return payload if isinstance(payload, dict) else None


def whole_number(value: object) -> int | None:
    """An amount as the gateways take IDR: an integer (or a string of digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
