"""`writes`: one user action, one transaction, committed before the 2xx leaves.

Also where `Idempotency-Key` is honoured: the first response is stored in the same
transaction as what it created, and a repeat gets that response back, but only after
the caller has been authenticated and its role checked as the view itself would (a
revoked token or a demoted user replays nothing). Answers of views marked
`secret_answer` are stored sealed (sync/web/idempotency.py).
"""
from __future__ import annotations

from functools import wraps

from flask import current_app
from flask_jwt_extended import get_jwt, verify_jwt_in_request
from sqlalchemy.exc import IntegrityError

from cloud.api.access import authorize
from cloud.api.devices import authenticate_device
from cloud.extensions import db
from cloud.models import IdempotencyRecord
from sync import sqlite
from sync.errors import DomainError
from sync.web import idempotency
from sync.web.errors import Conflict

secret_answer = idempotency.secret_answer


def _authorize(view) -> None:
    """The view's own access check, before a stored answer may be replayed."""
    access = getattr(view, "_access", None)
    if access == "device":
        authenticate_device()
    elif access not in (None, "public"):
        authorize(access, getattr(view, "_also", ()))


def _scope() -> str:
    verify_jwt_in_request(optional=True)
    claims = get_jwt()
    return f"user:{claims['sub']}" if claims else "anonymous"


def writes(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        with sqlite.immediate():
            return _write(view, args, kwargs)

    wrapper._writes = True
    return wrapper


def _write(view, args, kwargs):
    if db.session().in_transaction():
        db.session.rollback()  # a read begun earlier would make this write a deferred one
    key = idempotency.read_key()
    if key:
        _authorize(view)
        scope, print_ = _scope(), idempotency.fingerprint()
        prior = idempotency.replay(db.session, IdempotencyRecord, scope, key, print_)
        if prior is not None:
            db.session.rollback()
            return prior
    try:
        response = current_app.make_response(view(*args, **kwargs))
        if key and 200 <= response.status_code < 300:
            idempotency.remember(db.session, IdempotencyRecord, scope, key, print_, response,
                                 sealed=getattr(view, "_secret_answer", False))
        db.session.commit()
    except DomainError as error:
        if error.keeps_writes:
            db.session.commit()  # e.g. a failed sign-in is counted although the request fails
        else:
            db.session.rollback()
        raise
    except IntegrityError:
        db.session.rollback()
        if key:
            prior = idempotency.replay(db.session, IdempotencyRecord, scope, key, print_)
            if prior is not None:
                return prior
        raise Conflict("The change conflicts with data saved at the same moment; try again",
                       "CONCURRENT_UPDATE") from None
    except BaseException:
        db.session.rollback()
        raise
    return response
