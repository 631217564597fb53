"""Binding edge devices to outlets: one-time enrollment keys, device credentials.

A device works only while it, its tenant and its outlet are all active: a closed
outlet's device gets no tokens and pulls nothing (staff hashes included). An owner can
list the tenant's devices and revoke one; enrolling an outlet again revokes its older
devices unless the key was made to keep them (a second till on purpose).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_jwt_extended import create_access_token
from sqlalchemy import select, update

from cloud.context import running_app
from cloud.models import Device, EnrollmentKey, Outlet, Tenant
from cloud.services import audit, continuity
from cloud.services.actor import Actor
from sync.errors import Invalid, NotAuthenticated, NotFound
from sync.timeutil import utcnow

KEY_PREFIX = "enr_"
TOKEN_PREFIX = "dev_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_key(session, outlet: Outlet, created_by_id: int | None,
              keep_other_devices: bool = False) -> tuple[str, EnrollmentKey]:
    """A fresh one-time key; only its hash is stored. The device it enrolls replaces the
    outlet's others unless `keep_other_devices`."""
    key = KEY_PREFIX + secrets.token_urlsafe(24)
    hours = running_app().config["ENROLLMENT_KEY_HOURS"]
    record = EnrollmentKey(tenant_id=outlet.tenant_id, outlet_id=outlet.id, key_hash=_digest(key),
                           created_by_id=created_by_id, expires_at=utcnow() + timedelta(hours=hours),
                           keeps_other_devices=keep_other_devices)
    session.add(record)
    session.flush()
    return key, record


def enroll(session, key: str, device_name: str) -> tuple[Device, str]:
    """Exchange a key for a device credential. The key is spent in the same transaction."""
    record = session.execute(
        select(EnrollmentKey).where(EnrollmentKey.key_hash == _digest(key)).with_for_update()
    ).scalar_one_or_none()
    if record is None or record.used_at is not None or record.expires_at < utcnow():
        raise NotAuthenticated("Enrollment key is invalid, used or expired", "INVALID_ENROLLMENT_KEY")
    outlet = session.get(Outlet, record.outlet_id)
    if outlet is None or not outlet.is_active:
        raise Invalid("The outlet of this key is closed", "OUTLET_INACTIVE")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    if not record.keeps_other_devices:
        session.execute(update(Device).where(Device.outlet_id == record.outlet_id, Device.is_active.is_(True))
                        .values(is_active=False, revoked_at=utcnow(), revoked_reason="replaced by a new enrollment"))
    device = Device(tenant_id=record.tenant_id, outlet_id=record.outlet_id, name=device_name,
                    token_hash=_digest(token), last_seen_at=utcnow(),
                    number_space=continuity.next_number_space(session, record.outlet_id))
    session.add(device)
    session.flush()
    record.used_at = utcnow()
    record.used_by_device_id = device.id
    session.flush()
    audit.record(session, None, "device_enrol", tenant_id=device.tenant_id, outlet_id=device.outlet_id,
                 object_type="device", object_id=device.id, username=f"device:{device_name}"[:80],
                 after={"name": device_name, "key_created_by": record.created_by_id,
                        "replaces_others": not record.keeps_other_devices})
    return device, token


def _usable(session, device: Device | None) -> Device:
    if device is None or not device.is_active:
        raise NotAuthenticated("Device credential is invalid or revoked", "DEVICE_NOT_AUTHENTICATED")
    tenant = session.get(Tenant, device.tenant_id)
    outlet = session.get(Outlet, device.outlet_id)
    if tenant is None or not tenant.is_active or outlet is None or not outlet.is_active:
        raise NotAuthenticated("The tenant or outlet of this device is inactive", "DEVICE_NOT_AUTHENTICATED")
    return device


def authenticate_device(session, device_id: int, token: str | None) -> Device:
    """The device whose long-lived credential this is (exchanged for access tokens)."""
    if not token or not token.startswith(TOKEN_PREFIX):
        raise NotAuthenticated("A device credential is required", "DEVICE_NOT_AUTHENTICATED")
    device = session.execute(select(Device).where(Device.token_hash == _digest(token))).scalar_one_or_none()
    if device is not None and device.id != device_id:
        device = None
    return _usable(session, device)


def issue_access_token(device: Device) -> tuple[str, int]:
    """A short-lived token for push and pull; a 401 tells the edge to get a new one."""
    minutes = running_app().config["DEVICE_TOKEN_MINUTES"]
    token = create_access_token(identity=f"device:{device.id}", expires_delta=timedelta(minutes=minutes),
                                additional_claims={"device": True, "tenant_id": device.tenant_id,
                                                   "outlet_id": device.outlet_id})
    return token, minutes * 60


def device_from_claims(session, claims: dict) -> Device:
    subject = str(claims.get("sub", ""))
    if not claims.get("device") or not subject.startswith("device:") or not subject[7:].isdigit():
        raise NotAuthenticated("A device access token is required", "DEVICE_NOT_AUTHENTICATED")
    return _usable(session, session.get(Device, int(subject[7:])))


# --- the owner's view ------------------------------------------------------------------------

def devices_query(actor: Actor, outlet_id: int | None = None, is_active: bool | None = None):
    stmt = select(Device).where(Device.tenant_id == actor.require_tenant())
    if outlet_id is not None:
        stmt = stmt.where(Device.outlet_id == outlet_id)
    if is_active is not None:
        stmt = stmt.where(Device.is_active.is_(is_active))
    return stmt


def get_device(session, actor: Actor, device_id: int) -> Device:
    device = session.get(Device, device_id)
    if device is None or device.tenant_id != actor.require_tenant():
        raise NotFound("Device")
    return device


def revoke_device(session, device: Device, reason: str = "revoked by the owner", actor: Actor | None = None) -> Device:
    """The device's credential and its access tokens stop working at once."""
    if device.is_active:
        device.is_active, device.revoked_at, device.revoked_reason = False, utcnow(), reason[:40]
        session.flush()
        audit.record(session, actor, "device_revoke", tenant_id=device.tenant_id, outlet_id=device.outlet_id,
                     object_type="device", object_id=device.id, before={"is_active": True},
                     after={"is_active": False, "reason": device.revoked_reason})
    return device
