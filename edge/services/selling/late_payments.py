"""Late payments: the customer completed a QRIS / e-wallet payment after the till had
cancelled its QR or the QR had expired (Xendit cannot withdraw a QR at all; with any
provider the customer may pay in the second the cashier gives up). The money is real,
so it is never lost: the cloud records the charge paid (`late_payment`), the edge's
pull loop asks about recently ended gateway payments and records the payment `paid`
(flagged late, no receipt, no kitchen), the order then shows the overpayment, and a
manager gives it back through the gateway in one request (`give_back`).
"""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy import or_, select

from edge.models import GatewayPayment, Order, Payment
from edge.services.selling import orders, refunds
from edge.services.selling.gateway_payments import REFUND_NAMESPACE, refusal, unreachable
from edge.services.selling.payments import GATEWAY_METHODS, snapshot_values
from edge.services.storage.uow import write_transaction
from edge.services.syncing import outbox
from edge.services.syncing import outlet as outlet_settings
from sync import money
from sync.client import CloudClient, CloudError, Refused
from sync.errors import Conflict
from sync.timeutil import utcnow
from sync.vocab import PAID, PAYMENT_ENDED

log = logging.getLogger(__name__)

# A withdrawn or expired charge is asked about until this long after its expiry (the
# gateway's webhook retries and settlement may lag the customer's tap by that much).
WATCH_AFTER_EXPIRY = timedelta(hours=1)
WATCH_WITHOUT_EXPIRY = timedelta(hours=2)
SETTLED = (PAID, "refunded")


def watched(session, limit: int = 50) -> list[int]:
    """Ended gateway payments whose charge might still be paid late (newest first)."""
    now = utcnow()
    return [payment_id for (payment_id,) in session.execute(
        select(Payment.id).join(GatewayPayment, GatewayPayment.payment_id == Payment.id)
        .where(Payment.status.in_(PAYMENT_ENDED), Payment.method.in_(GATEWAY_METHODS),
               GatewayPayment.late_payment.is_(False),
               or_(GatewayPayment.expires_at > now - WATCH_AFTER_EXPIRY,
                   GatewayPayment.expires_at.is_(None) & (Payment.created_at > now - WATCH_WITHOUT_EXPIRY)))
        .order_by(Payment.id.desc()).limit(limit))]


def watch(session, client: CloudClient) -> int:
    """Ask the cloud about every watched payment; record the ones paid late. Answers how many."""
    ids = watched(session)
    session.rollback()
    found = 0
    for payment_id in ids:
        payment_uuid = session.get(Payment, payment_id).uuid
        session.rollback()
        try:
            charge = client.charge(payment_uuid)
        except Refused:
            continue
        except CloudError:
            break  # the cloud is out of reach: the next pull asks again
        if charge.get("status") in SETTLED and record(payment_id):
            found += 1
    return found


def record(payment_id: int) -> bool:
    """Record the late payment once: paid, flagged late, counted on its order (which then
    shows the overpayment), queued for the cloud. No receipt and no kitchen ticket: the
    order was settled some other way or given up on."""
    with write_transaction() as session:
        payment = session.get(Payment, payment_id)
        if payment.status not in PAYMENT_ENDED:
            return False
        row = _row(session, payment)
        order = orders.get(session, payment.order_id)
        was = payment.status
        payment.status, row.late_payment = PAID, True
        order.paid_amount += payment.amount
        outbox.append(session, "payment.recorded", payment.uuid,
                      snapshot_values(payment, outlet_settings.local_date(session, utcnow())))
        orders.record_change(session, order)
        log.warning("late payment: %s %s of order %s was paid after it was %s; the order shows %s overpaid",
                    payment.method, money.format_amount(payment.amount), order.order_number, was,
                    money.format_amount(overpaid(order)))
    return True


def _row(session, payment: Payment) -> GatewayPayment:
    return session.execute(select(GatewayPayment).where(GatewayPayment.payment_id == payment.id)).scalar_one()


def overpaid(order: Order) -> int:
    return order.overpaid_amount


def listing(session) -> list[tuple[Payment, Order]]:
    """Every late payment (the last 200), newest first, with its order (for the manager)."""
    return [tuple(row) for row in session.execute(
        select(Payment, Order).join(GatewayPayment, GatewayPayment.payment_id == Payment.id)
        .join(Order, Order.id == Payment.order_id).where(GatewayPayment.late_payment.is_(True))
        .order_by(Payment.id.desc()).limit(200))]


def to_give_back(session) -> int:
    """Late payments whose order still holds the overpayment (the status bar's alert)."""
    orders_held = session.execute(
        select(Order).join(Payment, Payment.order_id == Order.id)
        .join(GatewayPayment, GatewayPayment.payment_id == Payment.id)
        .where(GatewayPayment.late_payment.is_(True), GatewayPayment.returned_at.is_(None)).limit(200)).scalars()
    return sum(1 for order in orders_held if order.overpaid_amount > 0)


def give_back(session, client: CloudClient | None, payment: Payment, *, user_id: int, shift, reason: str):
    """Refund a late payment's overpaid money through the gateway, then record the refund
    (the order's overpayment falls by it). Only a refund the gateway confirms is recorded;
    the refund uuid is derived from the payment, so a second tap gets the first answer."""
    row = _row(session, payment) if payment.method in GATEWAY_METHODS else None
    if row is None or not row.late_payment:
        raise Conflict("Only a payment made after its QR was cancelled or expired is given back here; refund "
                       "the order instead", "NOT_A_LATE_PAYMENT")
    if row.returned_at is not None:
        raise Conflict("This late payment was already given back", "ALREADY_GIVEN_BACK")
    order = orders.get(session, payment.order_id)
    amount = min(payment.amount, overpaid(order))
    if amount <= 0:
        raise Conflict("The order holds no overpayment: this late payment pays for it; refund the order instead",
                       "NOT_OVERPAID")
    if client is None:
        raise unreachable(payment.method, "which gives the money back and is not reachable from this outlet")
    payment_id, payment_uuid, method = payment.id, payment.uuid, payment.method
    session.rollback()  # nothing waits on the network
    refund_uuid = str(uuid.uuid5(REFUND_NAMESPACE, f"late:{payment_uuid}"))
    try:
        answer = client.refund_charge(payment_uuid, refund_uuid, money.format_amount(amount), reason[:500])
    except Refused as error:
        raise refusal(error) from None
    except CloudError:
        raise unreachable(method, "which gives the money back and is not reachable from this outlet") from None
    if answer["status"] != "succeeded":
        raise Conflict(f"The payment gateway has not confirmed the {method.upper()} refund (it is "
                       f"{answer['status']}); nothing was recorded, try again shortly", "GATEWAY_REFUND_NOT_DONE")
    with write_transaction() as session:
        payment = session.get(Payment, payment_id)
        row = _row(session, payment)
        if row.returned_at is not None:  # two taps at once: the first one recorded it
            raise Conflict("This late payment was already given back", "ALREADY_GIVEN_BACK")
        order = orders.get(session, payment.order_id)
        given = refunds.give_back_money(session, order, method=method, amount=amount, reason=reason,
                                        user_id=user_id, shift=shift)
        row.returned_at = utcnow()
    return given
