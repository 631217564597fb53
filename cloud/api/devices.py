"""Authentication of edge devices by the credential they got at enrollment."""
from __future__ import annotations

from functools import wraps

from flask import g, request

from cloud.extensions import db
from cloud.services import enrollment


def require_device(view):
    """The caller is an enrolled device; the view receives `device=` (tenant and outlet
    come from it, never from the request body)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
        device = enrollment.authenticate_device(db.session, token)
        g.device = device
        kwargs["device"] = device
        return view(*args, **kwargs)

    wrapper._access = "device"
    return wrapper
