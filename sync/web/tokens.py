"""A JWT manager that verifies each access token once, not on every request.

Flask-JWT-Extended decodes a token three times per request, and PyJWT checks every
character of each segment in Python: about 8 % of a sale's request time at the edge.
A token's claims are a pure function of the token and the key that verifies it, so the
verified claims are kept (per key, bounded) and reused; what may change between two uses
is the clock, so the expiry and not-before times are checked again on every use, and an
expired token goes the library's own way (its "Token has expired" answer). Revocation is
not decided here: the apps look the user up on every request.

The library also reads each token's header with PyJWT on every request (as costly as a
decode); the header is a pure function of the token too, so that read is memoized.

Clock steps: PyJWT has one leeway for the expiry and for "not yet valid" (`iat`, `nbf`).
An app whose own clock may step back (the edge: it signs its tokens and checks them with
the same clock) sets `JWT_DECODE_LEEWAY` to how far back it may step and still honour
the tokens it issued, and `JWT_EXPIRY_LEEWAY_S` (0) for the expiry, which this manager
then checks itself: a token "issued in the future" by up to the leeway stays valid, and
no token lives past its `exp` by the clock's reading. Without `JWT_EXPIRY_LEEWAY_S` both
use `JWT_DECODE_LEEWAY`, as the library does."""
from __future__ import annotations

import functools
import time

import flask_jwt_extended.view_decorators as _views
import jwt as pyjwt
from flask import current_app
from flask_jwt_extended import JWTManager
from flask_jwt_extended.config import config

MAX_KEPT = 4096  # tokens; one per logged-in session, so an outlet has a few dozen


class VerifyOnceJWTManager(JWTManager):
    def __init__(self, *args, **kwargs):
        self._verified: dict[tuple, dict] = {}
        super().__init__(*args, **kwargs)

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None, allow_expired: bool = False) -> dict:
        if csrf_value is not None or allow_expired:
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        # the apps verify with one secret each: no audience, issuer or key loader (were
        # any set, it would belong in this key, or a token could outlive its key)
        key = (config.decode_key, tuple(config.decode_algorithms), encoded_token)
        claims = self._verified.get(key)
        expiry_slack = _expiry_slack()
        if claims is not None and _current(claims, config.leeway, expiry_slack):
            return dict(claims)
        claims = super()._decode_jwt_from_config(encoded_token)
        if expiry_slack is not None and "exp" in claims and time.time() >= claims["exp"] + expiry_slack:
            # past its expiry by this clock, though within the "issued ahead" leeway: the
            # library's own error, so its expired-token answer goes out
            expired = pyjwt.ExpiredSignatureError("Signature has expired")
            expired.jwt_header = _views.get_unverified_jwt_headers(encoded_token)
            expired.jwt_data = claims
            raise expired
        if len(self._verified) >= MAX_KEPT:
            self._verified.clear()
        self._verified[key] = dict(claims)
        return claims


def _seconds(leeway) -> float:
    return leeway.total_seconds() if hasattr(leeway, "total_seconds") else float(leeway)


def _expiry_slack() -> float | None:
    value = current_app.config.get("JWT_EXPIRY_LEEWAY_S")
    return None if value is None else float(value)


def _current(claims: dict, leeway, expiry_slack: float | None = None) -> bool:
    now = time.time()
    slack = _seconds(leeway)
    if "exp" in claims and now >= claims["exp"] + (slack if expiry_slack is None else expiry_slack):
        return False
    return not ("nbf" in claims and now < claims["nbf"] - slack)


def _memoized_header_reader(read):
    remembered = functools.lru_cache(maxsize=MAX_KEPT)(read)

    @functools.wraps(read)
    def header_of(encoded_token: str) -> dict:
        return dict(remembered(encoded_token))

    header_of.cache_info = remembered.cache_info
    return header_of


if not hasattr(_views.get_unverified_jwt_headers, "cache_info"):
    _views.get_unverified_jwt_headers = _memoized_header_reader(_views.get_unverified_jwt_headers)
