"""One HTTP exchange with a gateway: plain `requests`, a timeout, JSON both ways.

Failures become domain errors here, once, for every adapter: no answer or a 5xx is
`GatewayUnreachable` (the effect is unknown), an unreadable body is `GatewayBadResponse`.
A 4xx is returned to the adapter, which knows the provider's error format. Numbers in
answers are parsed as `Decimal`, never float, so amounts survive exactly.
"""
from __future__ import annotations

import base64
import json
from decimal import Decimal

import requests

from cloud.gateways.errors import CallbackMalformed, GatewayBadResponse, GatewayUnreachable

CONNECT_TIMEOUT_S = 3.05


def basic_auth(secret: str) -> str:
    """HTTP Basic with the secret as user name and an empty password (both providers)."""
    return "Basic " + base64.b64encode(f"{secret}:".encode()).decode("ascii")


def send(provider: str, method: str, url: str, *, headers: dict, body: dict | None = None,
         timeout: float = 10.0) -> tuple[int, dict]:
    """(HTTP status, decoded JSON object) of one request; raises on no answer or 5xx."""
    data = json.dumps(body, separators=(",", ":")) if body is not None else None
    try:
        response = requests.request(method, url, headers=headers, data=data,
                                    timeout=(CONNECT_TIMEOUT_S, timeout), allow_redirects=False)
    except requests.RequestException as error:
        raise GatewayUnreachable(provider, f"{provider} did not answer: {type(error).__name__}") from error
    if response.status_code >= 500:
        raise GatewayUnreachable(provider, f"{provider} answered {response.status_code}",
                                 f"{provider.upper()}_{response.status_code}")
    try:
        payload = json.loads(response.text, parse_float=Decimal)
    except ValueError as error:
        raise GatewayBadResponse(provider, f"{provider} answered {response.status_code} without JSON") from error
    if not isinstance(payload, dict):
        raise GatewayBadResponse(provider, f"{provider} answered {response.status_code} with a JSON "
                                           f"{type(payload).__name__}, not an object")
    return response.status_code, payload


def decode_callback(provider: str, body: bytes) -> dict:
    """A webhook body -> JSON object, or `CallbackMalformed`."""
    try:
        payload = json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as error:
        raise CallbackMalformed(provider, f"The {provider} callback body is not JSON") from error
    if not isinstance(payload, dict):
        raise CallbackMalformed(provider, f"The {provider} callback body is not a JSON object")
    return payload
