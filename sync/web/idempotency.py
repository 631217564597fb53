"""`Idempotency-Key` on creates: a repeat with the same key and body gets the first
response back; the same key with another body is refused with 422.

The record is written in the same transaction as the thing it created, so a crash can
never leave one without the other. Each app declares its table with `IdempotencyMixin`.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

from flask import Response, request
from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from sync.ids import canonical_json
from sync.timeutil import utcnow
from sync.web.errors import Unprocessable, ValidationFailed

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


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
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters", "INVALID_IDEMPOTENCY_KEY", HEADER
        )
    return key


def fingerprint() -> str:
    """What makes two requests 'the same': method, path and the JSON body's content."""
    body = request.get_json(silent=True)
    content = canonical_json(body) if body is not None else request.get_data(as_text=True)
    raw = f"{request.method} {request.path}\n{content}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def replay(session, model, scope: str, key: str, print_: str) -> Response | None:
    """The first response for this key, or None if the key is new."""
    record = session.execute(
        select(model).where(model.scope == scope, model.key == key)
    ).scalar_one_or_none()
    if record is None:
        return None
    if record.fingerprint != print_:
        raise Unprocessable(
            f"This {HEADER} was already used with a different request body",
            "IDEMPOTENCY_KEY_REUSED", HEADER,
        )
    response = Response(record.response_body, status=record.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def remember(session, model, scope: str, key: str, print_: str, response: Response) -> None:
    """Store the response in the caller's transaction (it commits both or neither)."""
    body = response.get_data(as_text=True)
    json.loads(body or "null")  # only JSON responses are replayable
    session.add(model(scope=scope, key=key, fingerprint=print_,
                      status_code=response.status_code, response_body=body))
