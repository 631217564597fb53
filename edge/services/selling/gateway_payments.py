"""QRIS and e-wallet payments: the edge asks the cloud for a charge (the cloud alone holds
the gateway's keys), records the payment `pending` with its QR string or deeplink, and
turns it `paid` when the cloud reports the gateway's settlement.

Online only: with the cloud out of reach the till is told at once to take cash or card
(503 GATEWAY_UNREACHABLE). No write transaction waits on the network: the charge is
asked for first, then the pending payment is written; settling re-reads the payment in
its own transaction, so however many polls race, the order is credited, the
`payment.recorded` event queued and the receipt printed exactly once. A pending
payment is not money taken: it neither counts toward the order nor goes to the cloud.
"""
from __future__ import annotations

import uuid

from sqlalchemy import select

from edge.models import GatewayPayment, Order, Payment
from edge.services.printing import documents as print_documents
from edge.services.printing import jobs as printing
from edge.services.selling import orders
from edge.services.selling.payments import GATEWAY_METHODS, snapshot_values
from edge.services.storage.uow import write_transaction
from edge.services.syncing import outbox
from edge.services.syncing import outlet as outlet_settings
from sync import money
from sync.client import CloudClient, CloudError, Refused
from sync.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    TooManyAttempts,
    Unavailable,
    Unprocessable,
    UpstreamFailed,
)
from sync.ids import new_uuid
from sync.timeutil import parse_iso, utcnow
from sync.vocab import PAID, PAYMENT_ENDED, PENDING

ENDED = PAYMENT_ENDED
TAKE_CASH = "take cash or card"


def unreachable(method: str, why: str = "which is not reachable from this outlet") -> Unavailable:
    return Unavailable(f"{method.upper()} needs the payment gateway, {why}; {TAKE_CASH}",
                              "GATEWAY_UNREACHABLE", "method")


# The cloud's refusal, passed on as the same kind (its status said which).
_KIND_OF_STATUS = {400: Invalid, 403: Forbidden, 409: Conflict, 422: Unprocessable, 429: TooManyAttempts}


def refusal(error: Refused) -> DomainError:
    body = error.body
    message, code, field = body.get("message") or str(error), body.get("code"), body.get("field")
    if error.status == 404:
        missing = NotFound("Payment", code or "NOT_FOUND")
        missing.message = message
        return missing
    return _KIND_OF_STATUS.get(error.status, UpstreamFailed)(message, code, field)


def pending_of(session, order_id: int) -> Payment | None:
    return session.execute(select(Payment).where(Payment.order_id == order_id, Payment.status == PENDING)
                           ).scalars().first()


def start(session, client: CloudClient | None, order: Order, *, user_id: int, terminal: int, shift, method: str,
          amount: int | None, channel: str | None = None) -> Payment:
    """Ask the cloud for the charge and record the payment pending (one transaction).
    `shift`: the terminal's open shift, if any (a self-order kiosk has none: no drawer)."""
    if method not in GATEWAY_METHODS:
        raise Invalid(f"{method} is not a gateway method", "METHOD_NOT_SUPPORTED", "method")
    if order.status in ("cancelled", "completed"):
        raise Conflict(f"A {order.status} order cannot take payments", "ORDER_CLOSED")
    balance = order.balance_due
    if balance <= 0:
        raise Conflict("The order is already paid", "ORDER_ALREADY_PAID")
    applied = amount if amount is not None else balance
    if applied <= 0:
        raise Invalid("Amount must be more than zero", "INVALID_AMOUNT", "amount")
    if applied > balance:
        raise Invalid("Only cash may be more than the balance due", "OVERPAYMENT_NOT_ALLOWED", "amount")
    if pending_of(session, order.id) is not None:
        raise Conflict("A QRIS / e-wallet payment of this order is waiting; cancel it or wait for it first",
                       "PAYMENT_PENDING")
    if client is None:
        raise unreachable(method, "and this edge is not enrolled with the cloud")
    payment_uuid, order_id, order_uuid = new_uuid(), order.id, order.uuid
    session.rollback()  # nothing waits on the network
    body = {"payment_uuid": payment_uuid, "order_uuid": order_uuid, "method": method,
            "amount": money.format_amount(applied), "channel": channel}
    try:
        charge = client.create_charge(body)
    except Refused as error:
        raise refusal(error) from None
    except CloudError:  # the cloud or the gateway behind it (503, 502) does not take the charge
        raise unreachable(method) from None
    with write_transaction() as session:
        payment = Payment(uuid=payment_uuid, order_id=order_id, shift_id=shift.id if shift else None,
                          shift_uuid=shift.uuid if shift else None,
                          terminal=terminal, method=method, amount=applied, tendered=None, change_amount=0,
                          status=PENDING, reference=charge.get("gateway_id", "")[:120], created_by=user_id,
                          created_at=utcnow())
        session.add(payment)
        session.flush()
        session.add(GatewayPayment(payment_id=payment.id, provider=charge.get("provider", ""),
                                   channel=charge.get("channel", method), gateway_id=charge.get("gateway_id", ""),
                                   qr_string=charge.get("qr_string"), deeplink_url=charge.get("deeplink_url"),
                                   expires_at=_when(charge.get("expires_at"))))
    if charge.get("status") != PENDING:  # e.g. a repeat of a charge already settled
        return settle(payment.id, charge)
    return decorate(session, payment)


def _when(text):
    if not text:
        return None
    return parse_iso(text).replace(tzinfo=None)


def decorate(session, payment: Payment) -> Payment:
    """Put the charge's QR string, deeplink and expiry on the payment for its answer."""
    row = session.execute(select(GatewayPayment).where(GatewayPayment.payment_id == payment.id)).scalar_one_or_none()
    if row is not None:
        payment.qr_string, payment.deeplink_url = row.qr_string, row.deeplink_url
        payment.expires_at, payment.provider = row.expires_at, row.provider
        payment.late_payment, payment.returned_at = row.late_payment, row.returned_at
    return payment


def refresh(session, client: CloudClient | None, payment: Payment, *, check: bool = False, wait: int = 0) -> Payment:
    """A pending payment as the cloud now reports it (unchanged when the cloud is out of reach).
    `wait`: long-poll the cloud, which answers as soon as the charge changes (or after `wait` s)."""
    if payment.status != PENDING or payment.method not in GATEWAY_METHODS or client is None:
        return decorate(session, payment)
    payment_id, payment_uuid = payment.id, payment.uuid
    session.rollback()
    try:
        charge = client.charge(payment_uuid, check=check, wait=wait)
    except Refused as error:
        if check:
            raise refusal(error) from None
        return decorate(session, session.get(Payment, payment_id))
    except CloudError:
        if check:
            raise unreachable(payment.method) from None
        return decorate(session, session.get(Payment, payment_id))
    return settle(payment_id, charge)


def refresh_pending(session, client: CloudClient, limit: int = 50) -> int:
    """Bring every waiting QRIS / e-wallet payment up to date from the cloud (the pull loop
    calls this, so a payment settles even when no till is looking at it). Answers how many
    are no longer pending."""
    waiting = [payment_id for (payment_id,) in session.execute(
        select(Payment.id).where(Payment.status == PENDING, Payment.method.in_(GATEWAY_METHODS))
        .order_by(Payment.id.desc()).limit(limit))]
    session.rollback()
    settled = 0
    for payment_id in waiting:
        if refresh(session, client, session.get(Payment, payment_id)).status != PENDING:
            settled += 1
    return settled


def cancel(session, client: CloudClient | None, payment: Payment) -> Payment:
    """The cashier withdraws a QR nobody paid yet. If the customer paid a moment before,
    the cloud says so and the payment turns paid instead."""
    if payment.status != PENDING or payment.method not in GATEWAY_METHODS:
        raise Conflict(f"The payment is {payment.status}; only a waiting QRIS / e-wallet payment can be cancelled",
                       "PAYMENT_NOT_PENDING")
    if client is None:
        raise unreachable(payment.method)
    payment_id, payment_uuid = payment.id, payment.uuid
    session.rollback()
    try:
        charge = client.cancel_charge(payment_uuid)
    except Refused as error:
        raise refusal(error) from None
    except CloudError:
        raise unreachable(payment.method) from None
    return settle(payment_id, charge)


def settle(payment_id: int, charge: dict) -> Payment:
    """Record what the cloud says of the charge, once: paid credits the order and queues the
    event and the receipt; cancelled/expired/failed end the wait."""
    status = charge.get("status")
    with write_transaction() as session:
        payment = session.get(Payment, payment_id)
        if payment.status == PENDING and (status == PAID or status == "refunded"):
            _mark_paid(session, payment)
        elif payment.status == PENDING and status in ENDED:
            payment.status = status
    return decorate(session, payment)


def _mark_paid(session, payment: Payment) -> None:
    order = orders.get(session, payment.order_id)
    payment.status = PAID
    order.paid_amount += payment.amount
    outbox.append(session, "payment.recorded", payment.uuid,
                  snapshot_values(payment, outlet_settings.local_date(session, utcnow())))
    orders.record_change(session, order)
    jobs = printing.on_paid(session, order, cash=False)
    payment.print_jobs = [{"id": job.id, "printer_id": job.printer_id, "kind": job.kind, "copy": job.copy}
                          for job in jobs]


REFUND_NAMESPACE = uuid.UUID("6f1c1c52-9c64-4f43-9a0e-3c1f1b4e9a19")


def refund_at_gateway(session, client: CloudClient | None, order: Order, shares, *, reason: str,
                      key: str | None) -> None:
    """Give back through the gateway the QRIS / e-wallet part of a refund (`shares`: the
    refund plan's (method, amount)), before the refund is recorded: only a refund the
    gateway confirms may be recorded as done, so any refusal raises and nothing is
    written. With the request's Idempotency-Key the refund uuids are derived from it, so
    a repeated request asks the cloud for the same refunds and gets their first answers.
    Without one they are derived from what the order had refunded so far, so asking again
    for a refund the gateway answered `pending` (Xendit e-wallets) asks after that same
    refund, which its callback has settled meanwhile, instead of making a second one."""
    wanted = {method: amount for method, amount in shares if method in GATEWAY_METHODS and amount > 0}
    if not wanted:
        return
    if client is None:
        raise unreachable(next(iter(wanted)), "which gives the money back and is not reachable from this outlet")
    paid = [(p.uuid, p.method) for p in order.payments if p.status == PAID and p.method in wanted]
    refunded_before = order.refunded_amount
    session.rollback()  # nothing waits on the network
    try:
        for method, amount in wanted.items():
            for payment_uuid, paid_by in paid:
                if paid_by != method or amount <= 0:
                    continue
                charge = client.charge(payment_uuid)
                left = money.parse_amount(charge["amount"]) - money.parse_amount(charge.get("refunded_amount") or "0")
                # nothing left may mean our own refund, answered `pending` earlier, took it: ask after that one
                take = min(amount, left if left > 0 else money.parse_amount(charge["amount"]))
                refund_uuid = str(uuid.uuid5(REFUND_NAMESPACE, f"{key}:{payment_uuid}" if key else
                                             f"{payment_uuid}:{amount}:after:{refunded_before}"))
                try:
                    answer = client.refund_charge(payment_uuid, refund_uuid, money.format_amount(take), reason[:500])
                except Refused as error:
                    if left <= 0 and error.body.get("code") in ("REFUND_TOO_LARGE", "CHARGE_NOT_PAID"):
                        continue  # fully refunded before: the next payment of this method gives the rest
                    raise
                if answer["status"] == "pending":
                    raise Conflict(f"The payment gateway is still making the {method.upper()} refund; nothing was "
                                   "recorded yet: ask again in a moment (the same refund is not made twice)",
                                   "GATEWAY_REFUND_NOT_DONE")
                if answer["status"] != "succeeded":
                    raise Conflict(f"The payment gateway has not confirmed the {method.upper()} refund (it is "
                                   f"{answer['status']}); nothing was recorded, try again shortly",
                                   "GATEWAY_REFUND_NOT_DONE")
                amount -= money.parse_amount(answer["amount"])
            if amount > 0:
                raise Conflict(f"The gateway holds less {method.upper()} money of this order than the refund asks "
                               "for", "GATEWAY_REFUND_TOO_LARGE", "method")
    except Refused as error:
        raise refusal(error) from None
    except CloudError:
        raise unreachable(next(iter(wanted)), "which gives the money back and is not reachable from this outlet"
                          ) from None


def print_qr(session, payment: Payment) -> list[dict]:
    """Queue the waiting QRIS payment's code on the receipt printer (native ESC/POS QR),
    for a customer to scan where no screen faces them. Answers the job queued."""
    if payment.status != PENDING or payment.method not in GATEWAY_METHODS:
        raise Conflict(f"The payment is {payment.status}; only a waiting QRIS payment's code is printed",
                       "PAYMENT_NOT_PENDING")
    row = session.execute(select(GatewayPayment).where(GatewayPayment.payment_id == payment.id)).scalar_one_or_none()
    if row is None or not row.qr_string:
        raise NotFound("QR code")
    printer = printing.receipt_printer(session)
    if printer is None:
        raise Conflict("No receipt printer is set up at this outlet", "NO_PRINTER")
    order = orders.get(session, payment.order_id)
    slip = print_documents.payment_qr(session, order, payment, qr_string=row.qr_string, expires_at=row.expires_at)
    job = printing.enqueue(session, printer, "payment_qr", slip.to_dict(), order_id=order.id)
    return [{"id": job.id, "printer_id": job.printer_id, "kind": job.kind, "copy": job.copy}]
