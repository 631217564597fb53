"""The cloud's rate limits by endpoint type (brief 004, issue 21), on top of the views' own
(login, registration, test messages):

- public: a request with no valid user token, counted per address (`RATELIMIT_PUBLIC`);
- authenticated: a request with a valid user token, counted per user (`RATELIMIT_AUTHENTICATED`);
- export: exports and imports (`/export/`, `/import/` in the route; the brief's uploads),
  counted per user, or per address without a token (`RATELIMIT_EXPORT`), in a bucket of
  their own;
- unlimited: payment and WhatsApp webhooks (the provider's signature is the credential and
  a refused webhook is a lost payment), the edges' device routes and device token (sync;
  their own backoff), health and metrics (load balancers, scrapers), pages and static files.

Counters live where `POS_RATELIMIT_STORAGE_URL` says (memory by default, `redis://...`
for several workers or hosts). Every limited answer carries X-RateLimit-Limit,
-Remaining, -Reset (Unix time), -Window (seconds) and, on a 429, Retry-After (seconds).
"""
from __future__ import annotations

import math
import time

from flask import current_app, g, request
from flask_jwt_extended import decode_token
from flask_limiter import ApplicationLimit
from flask_limiter.util import get_remote_address

PUBLIC, AUTHENTICATED, EXPORT, UNLIMITED = "public", "authenticated", "export", "unlimited"
# health: load balancers; sync/token/: an edge's hourly token for its device credential (a
# random secret no one guesses), refused only at the cost of an outlet's sync
_UNLIMITED_RULES = ("/api/health/", "/api/docs/", "/api/docs/assets/<path:filename>", "/api/sync/token/")
_KIND = "pos_rate_limit_kind"
_CALLER = "pos_rate_limit_caller"
_OWN_RETRY_AFTER = "pos_rate_limit_own_retry_after"


def _user_id() -> str | None:
    """The user a valid bearer token names (a device's or a bad token: None)."""
    if _CALLER not in g:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = None
        if scheme.lower() == "bearer" and token.strip():
            try:
                claims = decode_token(token.strip())
            except Exception:  # noqa: BLE001 - any token that does not verify is no user's
                claims = {}
            if claims.get("type") == "access" and not claims.get("device") and claims.get("sub") is not None:
                user = str(claims["sub"])
        setattr(g, _CALLER, user)
    return getattr(g, _CALLER)


def endpoint_kind() -> str:
    """public, authenticated, export or unlimited, for the request being served."""
    if _KIND in g:
        return getattr(g, _KIND)
    kind = _classify()
    setattr(g, _KIND, kind)
    return kind


def _classify() -> str:
    rule = request.url_rule.rule if request.url_rule is not None else None
    if rule is None:
        return PUBLIC if request.path.startswith("/api/") else UNLIMITED  # probing unknown API paths counts
    if not rule.startswith("/api/") or rule in _UNLIMITED_RULES or "/webhook/" in rule:
        return UNLIMITED
    view = current_app.view_functions.get(request.url_rule.endpoint)
    if getattr(view, "_access", None) == "device":
        return UNLIMITED
    if "/export/" in rule or "/import/" in rule:
        return EXPORT
    return AUTHENTICATED if _user_id() is not None else PUBLIC


def _caller_key() -> str:
    user = _user_id()
    return f"user:{user}" if user is not None else f"address:{get_remote_address()}"


def _limit(kind: str, setting: str) -> ApplicationLimit:
    return ApplicationLimit(lambda: current_app.config[setting], key_function=_caller_key, scope=kind,
                            exempt_when=lambda: endpoint_kind() != kind,
                            error_message=f"Too many requests ({kind} endpoints); see Retry-After")


APPLICATION_LIMITS = [_limit(PUBLIC, "RATELIMIT_PUBLIC"), _limit(AUTHENTICATED, "RATELIMIT_AUTHENTICATED"),
                      _limit(EXPORT, "RATELIMIT_EXPORT")]


def _keep_own_retry_after(response):
    """Runs before the limiter adds its headers: a refusal's own Retry-After (a locked
    sign-in) is kept, as the limiter would round it down or replace it."""
    setattr(g, _OWN_RETRY_AFTER, response.headers.get("Retry-After"))
    return response


def _finish_headers(response):
    """Runs after the limiter: the window's length, Retry-After only on a 429 (the
    limiter puts it on every answer) and never shorter than the refusal's own."""
    from cloud.extensions import limiter

    current = limiter.current_limit if "X-RateLimit-Limit" in response.headers else None
    if current is not None:
        response.headers["X-RateLimit-Window"] = str(current.limit.get_expiry())
    own = getattr(g, _OWN_RETRY_AFTER, None)
    if response.status_code != 429 and response.status_code != 503:
        if own is None:
            response.headers.pop("Retry-After", None)
        return response
    waits = [int(own)] if own is not None and own.isdigit() else []
    if current is not None:
        window = current.limit.get_expiry()
        waits.append(min(window, max(1, math.ceil(current.reset_at - time.time()))))
    if waits:
        response.headers["Retry-After"] = str(max(waits))
    return response


def install(app) -> None:
    """Call after `limiter.init_app(app)`: after-request hooks run newest first."""
    app.after_request(_keep_own_retry_after)
    app.after_request_funcs.setdefault(None, []).insert(0, _finish_headers)
