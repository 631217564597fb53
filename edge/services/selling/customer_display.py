"""What a screen facing the customer shows for one till: the QR of the QRIS payment that
till is waiting on, "paid" once it settles, or nothing.

The screen long-polls: it sends the fingerprint of what it shows and the edge answers as
soon as that changes (a new QR, paid, expired, cancelled) or after `wait` seconds. The
edge only reads its own database here (twice a second): the till that waits on the
payment, and the pull loop, bring it up to date from the cloud.
"""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from edge.models import GatewayPayment, Payment
from sync.timeutil import utcnow
from sync.vocab import GATEWAY_METHODS, PAID, PENDING

RECENT = timedelta(minutes=30)  # older than this, a till's last QR is not shown (it has expired long since)
CHECK_EVERY_S = 0.5


def showing(session, terminal: int) -> dict:
    """{state: idle|pending|paid|ended, fingerprint, ...} for the till's latest QR payment."""
    row = session.execute(
        select(Payment, GatewayPayment)
        .join(GatewayPayment, GatewayPayment.payment_id == Payment.id)
        .where(Payment.terminal == terminal, Payment.method.in_(GATEWAY_METHODS),
               Payment.created_at >= utcnow() - RECENT)
        .order_by(Payment.id.desc()).limit(1)).first()
    if row is None:
        return {"state": "idle", "fingerprint": "idle", "terminal": terminal}
    payment, charge = row
    state = "pending" if payment.status == PENDING else "paid" if payment.status == PAID else "ended"
    out = {"state": state, "fingerprint": f"{payment.id}:{payment.status}", "terminal": terminal,
           "payment_id": payment.id, "order_number": payment.order.order_number, "method": payment.method,
           "amount": payment.amount, "status": payment.status}
    if state == "pending":
        out.update(qr_string=charge.qr_string, deeplink_url=charge.deeplink_url,
                   expires_at=charge.expires_at)
    return out


def wait_for_change(session, terminal: int, since: str | None, wait: int) -> dict:
    """`showing`, as soon as its fingerprint differs from `since`, or after `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        session.rollback()  # a fresh read each time: other requests commit meanwhile
        current = showing(session, terminal)
        if since is None or current["fingerprint"] != since or time.monotonic() >= deadline:
            return current
        time.sleep(min(CHECK_EVERY_S, max(0.0, deadline - time.monotonic())))
