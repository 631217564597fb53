"""`writes`: the view runs inside one edge write transaction (gate + BEGIN IMMEDIATE),
committed before the response leaves; `Idempotency-Key` replays the first response,
but only after the caller has been authenticated and its role checked as the view
itself would. Answers of views marked `secret_answer` are stored sealed, and an error
that `keeps_writes` (a token family revoked for reuse) commits what was written."""
from __future__ import annotations

from functools import wraps

from flask import current_app
from flask_jwt_extended import get_jwt, verify_jwt_in_request

from edge.api.access import authorize
from edge.models import IdempotencyRecord
from edge.services import continuity
from edge.services.storage.uow import write_transaction
from sync.errors import DomainError
from sync.web import idempotency

secret_answer = idempotency.secret_answer


class _Replay(Exception):
    def __init__(self, response):
        self.response = response


def _scope() -> str:
    verify_jwt_in_request(optional=True)
    claims = get_jwt()
    return f"user:{claims['sub']}" if claims else "anonymous"


def writes(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        continuity.refuse_if_catching_up()  # a database behind the cloud sells on only once caught up
        key = idempotency.read_key()
        scope = print_ = None
        if key:
            access = getattr(view, "_access", None)
            if access not in (None, "public"):
                authorize(access, getattr(view, "_also", ()))
            scope, print_ = _scope(), idempotency.fingerprint()
        failed = None
        try:
            with write_transaction() as session:
                if key:
                    prior = idempotency.replay(session, IdempotencyRecord, scope, key, print_)
                    if prior is not None:
                        raise _Replay(prior)
                try:
                    response = current_app.make_response(view(*args, **kwargs))
                except DomainError as error:
                    if not error.keeps_writes:
                        raise
                    failed = error  # committed as the transaction closes, raised after
                else:
                    if key and 200 <= response.status_code < 300:
                        idempotency.remember(session, IdempotencyRecord, scope, key, print_, response,
                                             sealed=getattr(view, "_secret_answer", False))
        except _Replay as replay:
            return replay.response
        if failed is not None:
            raise failed
        return response

    wrapper._writes = True
    return wrapper



