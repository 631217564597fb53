"""Charges an outlet asks the gateway for (QRIS, e-wallets), and what their outcomes change.

Talking to a gateway takes seconds, so no transaction stays open across it: each
function reads, ends the read, asks the gateway, then writes what came back in a
transaction of its own (taken IMMEDIATE on SQLite) and commits. A charge is the edge's
payment uuid within its outlet: asking twice answers the first charge.

`apply` is the one place an outcome (webhook or status query) changes a charge: never
on an amount or currency that differs from the charge, never backwards (a `pending`
after `paid`), and a payment that lands after the charge was cancelled or expired is
still recorded as paid, flagged `late_payment`, for the outlet to refund.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import object_session

from cloud.gateways import base
from cloud.gateways.base import ChargeRef, ChargeRequest, Outcome
from cloud.gateways.errors import (
    GatewayError,
    GatewayRejected,
    GatewayUnreachable,
    GatewayUnsupported,
    InvalidChargeRequest,
)
from cloud.models import GatewayCharge, GatewayRefund
from cloud.services import charge_waits, gateway_accounts
from cloud.services.gateway_accounts import GatewaySettings
from sync import sqlite
from sync.errors import Conflict, DomainError, Invalid, NotFound, Unavailable, UpstreamFailed
from sync.timeutil import utcnow

METHODS = ("qris", "ewallet")  # ours, as the edge names them
DEFAULT_EWALLET = {"midtrans": "gopay", "xendit": "dana"}


@dataclass(frozen=True)
class ChargeInput:
    payment_uuid: str
    order_uuid: str
    method: str
    amount: int
    channel: str | None = None
    customer_phone: str | None = None


def find(session, outlet_id: int, payment_uuid: str, *, lock: bool = False) -> GatewayCharge | None:
    query = select(GatewayCharge).where(GatewayCharge.outlet_id == outlet_id,
                                        GatewayCharge.payment_uuid == payment_uuid)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def get(session, outlet_id: int, payment_uuid: str) -> GatewayCharge:
    charge = find(session, outlet_id, payment_uuid)
    if charge is None:
        raise NotFound("Charge")
    return charge


def charges_query(actor):
    """The charges a manager may see: the tenant's, or their own outlet's when outlet-bound."""
    stmt = select(GatewayCharge).where(GatewayCharge.tenant_id == actor.require_tenant())
    if actor.outlet_id is not None:
        stmt = stmt.where(GatewayCharge.outlet_id == actor.outlet_id)
    return stmt


def for_actor(session, actor, payment_uuid: str) -> GatewayCharge:
    """A charge by the edge payment's uuid, if the actor may see it (else not found)."""
    charge = session.execute(charges_query(actor).where(GatewayCharge.payment_uuid == payment_uuid)
                             .order_by(GatewayCharge.id)).scalars().first()
    if charge is None:
        raise NotFound("Charge")
    return charge


def _channel(method: str, channel: str | None, provider: str, offered: frozenset) -> str:
    if method not in METHODS:
        raise Invalid(f"Gateway payments are {' or '.join(METHODS)}", "METHOD_NOT_SUPPORTED", "method")
    if method == "qris":
        return "qris"
    chosen = (channel or DEFAULT_EWALLET[provider]).lower()
    if chosen == "qris" or chosen not in offered:
        raise Invalid(f"This business's gateway ({provider}) offers the e-wallets "
                               f"{', '.join(sorted(offered - {'qris'}))}", "METHOD_NOT_SUPPORTED", "channel")
    return chosen


def gateway_failure(error: GatewayError) -> DomainError:
    """A gateway's failure as a domain refusal: unreachable is GATEWAY_UNREACHABLE (503),
    a refusal or an unreadable answer is the gateway's failure (502)."""
    if isinstance(error, GatewayUnreachable):
        return Unavailable(f"The payment gateway does not answer ({error.provider}); take cash or card",
                           "GATEWAY_UNREACHABLE", "method")
    if isinstance(error, InvalidChargeRequest | GatewayUnsupported):
        return Invalid(error.message, error.code, error.field or "method")
    if isinstance(error, GatewayRejected):
        return UpstreamFailed(f"The payment gateway refused: {error.message}", "GATEWAY_REJECTED", None,
                              extra={"gateway_code": error.code})
    return UpstreamFailed(f"The payment gateway answered something unreadable: {error.message}",
                          "GATEWAY_BAD_RESPONSE", None)


def create(session, device, data: ChargeInput, settings: GatewaySettings) -> tuple[GatewayCharge, bool]:
    """The charge for this payment uuid: the existing one, or a new one asked of the
    tenant's primary gateway. Returns (charge, created)."""
    existing = find(session, device.outlet_id, data.payment_uuid)
    if existing is not None:
        _same_request(existing, data)
        return existing, False
    if data.amount <= 0:
        raise Invalid("Amount must be more than zero", "INVALID_AMOUNT", "amount")
    tenant_id, outlet_id, device_id = device.tenant_id, device.outlet_id, device.id
    provider = gateway_accounts.primary_provider(session, tenant_id)
    gateway = gateway_accounts.adapter(session, tenant_id, provider, settings)
    channel = _channel(data.method, data.channel, provider, gateway.methods)
    session.rollback()  # no transaction waits on the gateway
    request = ChargeRequest(order_id=data.payment_uuid, method=channel, amount=data.amount,
                            expiry_seconds=settings.expiry_s, notification_url=settings.webhook_url(provider),
                            return_url=settings.return_url(), customer_phone=data.customer_phone)
    try:
        answer = gateway.charge(request)
    except GatewayError as error:
        raise gateway_failure(error) from None
    charge = GatewayCharge(tenant_id=tenant_id, outlet_id=outlet_id, device_id=device_id,
                           order_uuid=data.order_uuid, payment_uuid=data.payment_uuid, provider=provider,
                           method=data.method, channel=channel, gateway_order_id=request.order_id,
                           gateway_id=answer.gateway_id, amount=data.amount, currency=answer.currency,
                           status=answer.status if answer.status in base.STATUSES else base.PENDING,
                           qr_string=answer.qr_string, deeplink_url=answer.deeplink_url,
                           expires_at=_naive(answer.expires_at))
    with sqlite.immediate():
        session.add(charge)
        try:
            session.commit()
        except IntegrityError:  # the same payment asked twice at once: the first one stands
            session.rollback()
            return get(session, outlet_id, data.payment_uuid), False
    return charge, True


def _same_request(charge: GatewayCharge, data: ChargeInput) -> None:
    if (charge.order_uuid, charge.method, charge.amount) != (data.order_uuid, data.method, data.amount):
        raise Conflict("This payment uuid was already charged for another order, method or amount",
                       "PAYMENT_UUID_REUSED", "payment_uuid")


def _naive(moment):
    return moment.replace(tzinfo=None) if moment is not None and moment.tzinfo is not None else moment


def check(session, outlet_id: int, payment_uuid: str, settings: GatewaySettings) -> GatewayCharge:
    """Ask the gateway how a still-pending charge stands ("check now") and record it."""
    charge = get(session, outlet_id, payment_uuid)
    if charge.status != base.PENDING:
        return charge
    gateway = gateway_accounts.adapter(session, charge.tenant_id, charge.provider, settings)
    ref, charge_id = ChargeRef(charge.gateway_id, charge.channel), charge.id
    session.rollback()
    try:
        outcome = gateway.status(ref)
    except GatewayError as error:
        raise gateway_failure(error) from None
    return _apply_and_commit(session, charge_id, outcome)


def cancel(session, outlet_id: int, payment_uuid: str, settings: GatewaySettings) -> GatewayCharge:
    """Withdraw a pending charge before anyone pays. When the gateway says it was paid in
    the meantime (Midtrans 412), the payment won: the charge turns paid. A provider that
    cannot withdraw (Xendit) is cancelled here only; a later payment is a late payment."""
    charge = get(session, outlet_id, payment_uuid)
    if charge.status != base.PENDING:
        if charge.status in (base.CANCELLED, base.EXPIRED):
            return charge
        raise Conflict(f"The charge is {charge.status}; it can no longer be cancelled", "CHARGE_NOT_PENDING")
    gateway = gateway_accounts.adapter(session, charge.tenant_id, charge.provider, settings)
    ref, charge_id = ChargeRef(charge.gateway_id, charge.channel), charge.id
    session.rollback()
    try:
        outcome = gateway.cancel(ref)
    except GatewayUnsupported:
        outcome = None
    except GatewayRejected:
        try:
            outcome = gateway.status(ref)  # it may have been paid a moment ago
        except GatewayError as error:
            raise gateway_failure(error) from None
    except GatewayError as error:
        raise gateway_failure(error) from None
    if outcome is None:
        with sqlite.immediate():
            charge = _locked(session, charge_id)
            if charge.status == base.PENDING:
                charge.status = base.CANCELLED
            session.commit()
        charge_waits.changed()
        return charge
    return _apply_and_commit(session, charge_id, outcome)


def refund(session, outlet_id: int, payment_uuid: str, *, refund_uuid: str, amount: int, reason: str,
           settings: GatewaySettings) -> GatewayRefund:
    """Give money back through the gateway. Only `succeeded` is a refund done; a refusal
    raises and records nothing as done. Asking again with the same refund uuid answers
    the first result."""
    charge = get(session, outlet_id, payment_uuid)
    prior = session.execute(select(GatewayRefund).where(GatewayRefund.charge_id == charge.id,
                                                        GatewayRefund.refund_uuid == refund_uuid)).scalar_one_or_none()
    if prior is not None and prior.status != "failed":
        return prior
    if charge.status not in (base.PAID, base.REFUNDED):
        raise Conflict(f"The charge is {charge.status}; only a paid charge can be refunded", "CHARGE_NOT_PAID")
    waiting = sum(session.execute(select(GatewayRefund.amount).where(
        GatewayRefund.charge_id == charge.id, GatewayRefund.status == base.REFUND_PENDING)).scalars())
    if amount <= 0 or amount > charge.amount - charge.refunded_amount - waiting:
        raise Invalid("The refund is more than what is left of the payment (counting refunds the gateway is still "
                      "making)", "REFUND_TOO_LARGE", "amount")
    gateway = gateway_accounts.adapter(session, charge.tenant_id, charge.provider, settings)
    ref, charge_id = ChargeRef(charge.gateway_id, charge.channel), charge.id
    session.rollback()
    try:
        result = gateway.refund(ref, amount=amount, refund_key=refund_uuid, reason=reason or "Refund")
    except GatewayError as error:
        raise gateway_failure(error) from None
    with sqlite.immediate():
        charge = _locked(session, charge_id)
        record = session.execute(select(GatewayRefund).where(
            GatewayRefund.charge_id == charge_id, GatewayRefund.refund_uuid == refund_uuid)).scalar_one_or_none()
        if record is None:
            record = GatewayRefund(charge_id=charge_id, refund_uuid=refund_uuid, amount=amount, reason=reason[:500],
                                   status=result.status)
            session.add(record)
        record.status, record.gateway_refund_id = result.status, result.gateway_refund_id
        if result.status == base.REFUND_SUCCEEDED:
            charge.refunded_amount += amount
            if charge.refunded_amount >= charge.amount:
                charge.status = base.REFUNDED
        session.commit()
    charge_waits.changed()
    return record


def _settle_named_refund(charge: GatewayCharge, outcome: Outcome) -> str:
    session = object_session(charge)
    record = session.execute(select(GatewayRefund).where(
        GatewayRefund.charge_id == charge.id, GatewayRefund.gateway_refund_id == outcome.payment_id)
    ).scalar_one_or_none() if session is not None else None
    if record is None:
        return "unknown_refund"  # not recorded (yet: the callback may beat the refund's own answer): retried
    if record.status != base.REFUND_PENDING:
        return "unchanged"  # already settled (its immediate answer or an earlier callback)
    if outcome.amount is not None and outcome.amount != record.amount:
        return "mismatch"
    if outcome.status != base.REFUNDED:
        record.status = base.REFUND_FAILED
        return "applied"
    if charge.refunded_amount + record.amount > charge.amount:
        return "mismatch"
    record.status = base.REFUND_SUCCEEDED
    charge.refunded_amount += record.amount
    if charge.refunded_amount >= charge.amount:
        charge.status = base.REFUNDED
    return "applied"


def _locked(session, charge_id: int) -> GatewayCharge:
    return session.execute(select(GatewayCharge).where(GatewayCharge.id == charge_id).with_for_update()).scalar_one()


def _apply_and_commit(session, charge_id: int, outcome: Outcome) -> GatewayCharge:
    with sqlite.immediate():
        charge = _locked(session, charge_id)
        apply(charge, outcome)
        session.commit()
    charge_waits.changed()
    return charge


def apply(charge: GatewayCharge, outcome: Outcome) -> str:
    """Let one outcome change the charge; answers the verdict for the callback log:
    applied, unchanged (nothing new), regression (older news, ignored), mismatch, or
    unknown_refund (a refund callback naming a refund not recorded yet)."""
    if outcome.kind == base.PAYMENT and outcome.amount is not None and outcome.amount != charge.amount:
        return "mismatch"
    if outcome.currency is not None and outcome.currency != charge.currency:
        return "mismatch"
    if outcome.kind == base.REFUND:
        return _apply_refund(charge, outcome)
    status = outcome.status
    if status == charge.status:
        return "unchanged"
    if status == base.PAID:
        if charge.status in (base.CANCELLED, base.EXPIRED, base.FAILED):
            charge.late_payment = True  # paid after the till gave up on it: recorded, to refund
        elif charge.status != base.PENDING:
            return "regression"
        charge.status, charge.paid_at = base.PAID, outcome.occurred_at and _naive(outcome.occurred_at) or utcnow()
        return "applied"
    if charge.status != base.PENDING or status == base.PENDING:
        return "regression"
    charge.status = status
    return "applied"


def _apply_refund(charge: GatewayCharge, outcome: Outcome) -> str:
    """A provider that says the total refunded (Midtrans) moves the charge to it; one that
    names the refund (Xendit's refund.succeeded / refund.failed) settles that refund of ours,
    which was answered `pending` when it was asked for."""
    if not outcome.refunded_amount and outcome.payment_id:
        return _settle_named_refund(charge, outcome)
    if outcome.status != base.REFUNDED or outcome.refunded_amount <= charge.refunded_amount:
        return "unchanged"
    if outcome.refunded_amount > charge.amount:
        return "mismatch"
    charge.refunded_amount = outcome.refunded_amount
    if charge.refunded_amount >= charge.amount:
        charge.status = base.REFUNDED
    return "applied"
