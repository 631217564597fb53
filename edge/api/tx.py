"""`writes`: the view runs inside one edge write transaction (gate + BEGIN IMMEDIATE),
committed before the response leaves; `Idempotency-Key` replays the first response."""
from __future__ import annotations

from functools import wraps

from flask import current_app
from flask_jwt_extended import get_jwt, verify_jwt_in_request


from edge.models import IdempotencyRecord
from edge.services import continuity
from edge.services.uow import write_transaction
from sync.web import idempotency


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
            scope, print_ = _scope(), idempotency.fingerprint()
        try:
            with write_transaction() as session:
                if key:
                    prior = idempotency.replay(session, IdempotencyRecord, scope, key, print_)
                    if prior is not None:
                        raise _Replay(prior)
                response = current_app.make_response(view(*args, **kwargs))
                if key and 200 <= response.status_code < 300:
                    idempotency.remember(session, IdempotencyRecord, scope, key, print_, response)
        except _Replay as replay:
            return replay.response
        return response

    wrapper._writes = True
    return wrapper



