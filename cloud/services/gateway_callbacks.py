"""Webhooks from the gateways: logged first, then read, verified with the charge's own
tenant's credentials, deduplicated by `event_key`, and applied to the charge.

Whatever the body says, the charge is found by the gateway's id for it, and the
signature or callback token is checked with that charge's tenant's keys: a tenant's
webhook cannot settle another tenant's charge, and a forged one changes nothing. The
answer (`Verdict.status`) is what the gateway expects: 2xx stops its retries (a
duplicate or an event we do not act on), 4xx for a body that is not its format or
not verified, 404 for a charge not (yet) recorded so it tries again.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from cloud import gateways
from cloud.gateways.errors import CallbackIgnored, CallbackMalformed
from cloud.models import GatewayCharge, PaymentCallback
from cloud.services import charge_waits, gateway_accounts, gateway_charges
from cloud.services.gateway_accounts import GatewaySettings
from sync import sqlite
from sync.errors import Unavailable

MAX_LOGGED_BODY = 65_536
# Headers worth keeping in the log; tokens and signatures are never kept.
LOGGED_HEADERS = ("content-type", "user-agent", "webhook-id", "x-forwarded-for")


@dataclass(frozen=True)
class Verdict:
    status: int
    verdict: str
    message: str


def _log(session, provider: str, headers, body: bytes) -> int:
    kept = {name: headers.get(name) for name in LOGGED_HEADERS if headers.get(name)}
    with sqlite.immediate():
        entry = PaymentCallback(provider=provider, body=body[:MAX_LOGGED_BODY].decode("utf-8", "replace"),
                                headers=kept, verdict="received")
        session.add(entry)
        session.commit()
        return entry.id


def receive(session, provider: str, headers, body: bytes, settings: GatewaySettings) -> Verdict:
    """Log, verify and apply one webhook; the verdict is also written to its log entry."""
    entry_id = _log(session, provider, headers, body)
    try:
        outcome = gateways.parse_callback(provider, body)
    except CallbackMalformed as error:
        return _close(session, entry_id, Verdict(400, "malformed", error.message))
    except CallbackIgnored as error:
        return _close(session, entry_id, Verdict(200, "ignored", error.message))
    charge = _charge(session, provider, outcome)
    if charge is None:
        return _close(session, entry_id, Verdict(404, "unknown_charge", "No such charge here (yet)"),
                      event_key=outcome.event_key)
    try:
        gateway = gateway_accounts.adapter(session, charge.tenant_id, provider, settings)
    except Unavailable as error:
        return _close(session, entry_id, Verdict(503, "no_account", error.message), charge=charge,
                      event_key=outcome.event_key)
    if not gateway.verify_callback(headers, body):
        return _close(session, entry_id, Verdict(401, "forged", "The signature or callback token does not verify"),
                      charge=charge, event_key=outcome.event_key)
    charge_id, tenant_id = charge.id, charge.tenant_id
    session.rollback()
    with sqlite.immediate():
        charge = session.execute(select(GatewayCharge).where(GatewayCharge.id == charge_id)
                                 .with_for_update()).scalar_one()
        if _seen(session, provider, outcome.event_key, entry_id):
            verdict = Verdict(200, "duplicate", "Already received")
        else:
            result = gateway_charges.apply(charge, outcome)
            verdict = (Verdict(404, result, "No such refund here (yet)") if result == "unknown_refund"
                       else Verdict(200, result, f"charge {charge.status}"))
        entry = session.get(PaymentCallback, entry_id)
        entry.verdict, entry.detail = verdict.verdict, verdict.message[:500]
        entry.tenant_id, entry.charge_id, entry.event_key = tenant_id, charge_id, outcome.event_key[:200]
        session.commit()
    charge_waits.changed()
    return verdict


def _charge(session, provider: str, outcome) -> GatewayCharge | None:
    conditions = [GatewayCharge.gateway_id == outcome.gateway_id]
    if outcome.order_id:
        conditions.append(GatewayCharge.gateway_order_id == outcome.order_id)
    return session.execute(select(GatewayCharge).where(GatewayCharge.provider == provider, or_(*conditions))
                           .order_by(GatewayCharge.id)).scalars().first()


def _seen(session, provider: str, event_key: str, entry_id: int) -> bool:
    """An earlier delivery of this event that was verified and acted on (or found nothing new)."""
    return session.execute(select(PaymentCallback.id).where(
        PaymentCallback.provider == provider, PaymentCallback.event_key == event_key[:200],
        PaymentCallback.id != entry_id,
        PaymentCallback.verdict.in_(("applied", "unchanged", "regression", "duplicate")))).first() is not None


def _close(session, entry_id: int, verdict: Verdict, *, charge=None, event_key: str = "") -> Verdict:
    tenant_id = charge.tenant_id if charge is not None else None
    charge_id = charge.id if charge is not None else None
    session.rollback()
    with sqlite.immediate():
        entry = session.get(PaymentCallback, entry_id)
        entry.verdict, entry.detail = verdict.verdict, verdict.message[:500]
        entry.tenant_id, entry.charge_id, entry.event_key = tenant_id, charge_id, event_key[:200]
        session.commit()
    return verdict
