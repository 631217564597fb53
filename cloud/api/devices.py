"""Authentication of edge devices: short-lived access tokens obtained with the
credential from enrollment. Tenant and outlet always come from the device."""
from __future__ import annotations

from functools import wraps

from flask import g
from flask_jwt_extended import get_jwt, verify_jwt_in_request

from cloud.extensions import db
from cloud.services import enrollment


def authenticate_device():
    """The enrolled, active device whose access token the request carries (401 otherwise)."""
    verify_jwt_in_request()
    return enrollment.device_from_claims(db.session, get_jwt())


def require_device(view):
    """The caller is an enrolled device; the view receives `device=`."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        device = authenticate_device()
        g.device = device
        kwargs["device"] = device
        return view(*args, **kwargs)

    wrapper._access = "device"
    return wrapper

