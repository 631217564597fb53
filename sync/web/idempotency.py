"""`Idempotency-Key` on creates: a repeat with the same key and body gets the first
response back; the same key with another body is refused with 422.

The record is written in the same transaction as the thing it created, so a crash can
never leave one without the other. Each app declares its table with `IdempotencyMixin`.

The store holds no secrets. A request's fingerprint is an HMAC under the app's secret
(not a plain hash of a body that may hold a password), and an answer that carries
credentials (login, refresh, registration, enrollment: views marked `secret_answer`)
is kept sealed with AES-GCM under a key made from the app's secret *and the request
itself*: only the same request, password or token included, opens it again. The apps
authenticate and check the role before a stored answer is replayed (their `writes`).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Response, current_app, request
from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from sync.ids import canonical_json
from sync.timeutil import utcnow
from sync.web.errors import Unprocessable, ValidationFailed

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
# visible ASCII, spaces only inside: what the document says and the app takes, exactly
KEY_PATTERN = r"^[!-~]([ -~]{0,198}[!-~])?$"
SEALED = "sealed:v1:"


class IdempotencyMixin:
    """Columns of an app's `idempotency_keys` table."""

    __tablename__ = "idempotency_keys"

    @declared_attr.directive
    def __table_args__(cls):
        return (UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def read_key() -> str | None:
    """The request's idempotency key, checked for shape."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not re.fullmatch(KEY_PATTERN, key):
        raise ValidationFailed(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII characters (spaces only inside)",
            "INVALID_IDEMPOTENCY_KEY", HEADER)
    return key


def _request_material() -> bytes:
    """What makes two requests 'the same': method, path and the JSON body's content."""
    body = request.get_json(silent=True)
    content = canonical_json(body) if body is not None else request.get_data(as_text=True)
    return f"{request.method} {request.path}\n{content}".encode()


def _app_key() -> bytes:
    return hashlib.sha256(b"pos-idempotency\0" + str(current_app.config["JWT_SECRET_KEY"]).encode()).digest()


def _mac(purpose: bytes, material: bytes) -> bytes:
    return hmac.new(_app_key(), purpose + b"\0" + material, hashlib.sha256).digest()


def fingerprint() -> str:
    """The request's fingerprint: an HMAC under the app's secret of its method, path and body."""
    return _mac(b"fingerprint", _request_material()).hex()


def _seal(body: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_mac(b"answer", _request_material())).encrypt(nonce, body.encode("utf-8"), None)
    return SEALED + base64.b64encode(nonce + sealed).decode("ascii")


def _unseal(stored: str) -> str | None:
    raw = base64.b64decode(stored[len(SEALED):])
    try:
        return AESGCM(_mac(b"answer", _request_material())).decrypt(raw[:12], raw[12:], None).decode("utf-8")
    except InvalidTag:
        return None  # sealed under another app secret (rotated): it cannot be replayed


def replay(session, model, scope: str, key: str, print_: str) -> Response | None:
    """The first response for this key, or None if the key is new."""
    record = session.execute(
        select(model).where(model.scope == scope, model.key == key)
    ).scalar_one_or_none()
    if record is None:
        return None
    body = record.response_body
    if record.fingerprint == print_ and body.startswith(SEALED):
        body = _unseal(body)
    if record.fingerprint != print_ or body is None:
        raise Unprocessable(
            f"This {HEADER} was already used with a different request body",
            "IDEMPOTENCY_KEY_REUSED", HEADER,
        )
    response = Response(body, status=record.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    response.headers["Cache-Control"] = "no-store"
    return response


def remember(session, model, scope: str, key: str, print_: str, response: Response, *, sealed: bool = False) -> None:
    """Store the response in the caller's transaction (it commits both or neither);
    `sealed` for answers that carry credentials."""
    body = response.get_data(as_text=True)
    json.loads(body or "null")  # only JSON responses are replayable
    session.add(model(scope=scope, key=key, fingerprint=print_, status_code=response.status_code,
                      response_body=_seal(body) if sealed else body))


def secret_answer(view):
    """Marks a view whose answer carries credentials: an idempotent replay of it is
    stored sealed (see above)."""
    view._secret_answer = True
    return view
