"""Taking payment: cash with tendered amount and change, card by an external terminal
with its reference, static QRIS (the outlet's printed QR) with the payer's reference,
several tenders per order. QRIS and e-wallets go through the cloud's payment gateway
(edge.services.selling.gateway_payments); while one waits, no other tender is taken.

A static QRIS payment needs no network: it is recorded paid with the reference the
customer's app shows, and stays unverified until the cloud matches it against the
provider's settlement report."""
from __future__ import annotations

from edge.models import Order, Payment
from edge.services.printing import jobs as printing
from edge.services.selling import orders
from edge.services.storage import rows
from edge.services.syncing import outbox
from edge.services.syncing import outlet as outlet_settings
from sync.errors import Conflict, Invalid, Unavailable
from sync.ids import new_uuid
from sync.timeutil import utcnow
from sync.vocab import CLOSED_STATUSES, GATEWAY_METHODS, PAID, PAYMENT_METHOD, cash_like, needs_reference


def snapshot_values(payment: Payment, business_date=None) -> dict:
    return {"uuid": payment.uuid, "order_uuid": payment.order.uuid, "business_date": business_date,
            "shift_uuid": payment.shift_uuid,
            "terminal": payment.terminal, "method": payment.method, "amount": payment.amount,
            "tendered": payment.tendered, "change_amount": payment.change_amount, "status": payment.status,
            "reference": payment.reference, "created_by": payment.created_by, "created_at": payment.created_at}


def _amounts(method: str, balance: int, amount: int | None, tendered: int | None) -> tuple[int, int | None, int]:
    """(applied amount, tendered, change) for a tender against `balance` due."""
    if cash_like(method):
        if tendered is None and amount is None:
            raise Invalid("Enter the cash tendered", "TENDERED_REQUIRED", "tendered")
        tendered = tendered if tendered is not None else amount
        applied = amount if amount is not None else min(tendered, balance)
        if applied <= 0:
            raise Invalid("Amount must be more than zero", "INVALID_AMOUNT", "amount")
        if applied > balance:
            raise Invalid("Amount is more than the balance due; enter the cash as tendered",
                                   "OVERPAYMENT", "amount")
        if tendered < applied:
            raise Invalid("Tendered cash is less than the amount", "TENDERED_TOO_LOW", "tendered")
        return applied, tendered, tendered - applied
    applied = amount if amount is not None else balance
    if applied <= 0:
        raise Invalid("Amount must be more than zero", "INVALID_AMOUNT", "amount")
    if applied > balance:
        raise Invalid("Only cash may be more than the balance due", "OVERPAYMENT_NOT_ALLOWED", "amount")
    return applied, None, 0


def ensure_available(method: str, session=None) -> None:
    """A gateway payment is never recorded paid by the till itself; static QRIS only where
    the outlet has its printed QR configured (else the customer would pay nobody we know)."""
    if method in GATEWAY_METHODS:
        raise Unavailable(f"{method.upper()} needs the payment gateway, which is not reachable from "
                                 "this outlet; take cash or card", "GATEWAY_UNREACHABLE", "method")
    if session is not None and PAYMENT_METHOD[method].static_qr and not outlet_settings.outlet(session).static_qris:
        raise Conflict("This outlet has no printed QRIS configured; a manager sets it in the dashboard",
                       "STATIC_QR_NOT_CONFIGURED", "method")


def _reference_missing(method: str) -> Invalid:
    if PAYMENT_METHOD[method].static_qr:
        return Invalid("Enter the payment's reference as the customer's app shows it", "REFERENCE_REQUIRED",
                       "reference")
    return Invalid("Enter the card terminal's approval reference", "REFERENCE_REQUIRED", "reference")


def refuse_while_pending(order: Order) -> None:
    if any(p.status == "pending" for p in order.payments):
        raise Conflict("A QRIS / e-wallet payment of this order is waiting; cancel it or wait for it first",
                       "PAYMENT_PENDING")


def pay(session, order: Order, *, user_id: int, terminal: int, shift, method: str,
        amount: int | None, tendered: int | None, reference: str) -> Payment:
    ensure_available(method, session)
    if order.status in CLOSED_STATUSES:
        raise Conflict(f"A {order.status} order cannot take payments", "ORDER_CLOSED")
    refuse_while_pending(order)
    balance = order.balance_due
    if balance <= 0:
        raise Conflict("The order is already paid", "ORDER_ALREADY_PAID")
    if needs_reference(method) and not reference.strip():
        raise _reference_missing(method)
    applied, tendered, change = _amounts(method, balance, amount, tendered)
    if order.shift_id is None:
        order.shift_id, order.shift_uuid = shift.id, shift.uuid
    payment = Payment(uuid=new_uuid(), order_id=order.id, shift_id=shift.id, shift_uuid=shift.uuid,
                      terminal=terminal, method=method, amount=applied, tendered=tendered, change_amount=change,
                      status=PAID, reference=reference.strip(), created_by=user_id, created_at=utcnow())
    rows.insert(session, payment)
    rows.append_loaded(order, "payments", payment, "order")
    order.paid_amount += applied
    order.change_amount += change
    outbox.append(session, "payment.recorded", payment.uuid,
                  snapshot_values(payment, outlet_settings.local_date(session, payment.created_at)))
    orders.record_change(session, order)
    jobs = printing.on_paid(session, order, cash=cash_like(method))
    payment.print_jobs = [{"id": job.id, "printer_id": job.printer_id, "kind": job.kind, "copy": job.copy}
                          for job in jobs]  # what this payment queued (for the till's message)
    return payment
