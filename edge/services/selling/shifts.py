"""Cashier shifts per terminal: float, cash in/out, X report, close with counted cash
into a Z report of expected vs counted per payment method."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from edge.models import CashMovement, Order, Payment, Refund, Shift
from edge.services import audit
from edge.services.printing import jobs as printing
from edge.services.storage.uow import after_commit
from edge.services.syncing import mirror_cache, outbox
from sync import vocab
from sync.errors import Conflict, Forbidden, Invalid, NotFound
from sync.ids import new_uuid
from sync.money import format_amount
from sync.timeutil import isoformat, utcnow
from sync.vocab import PAYMENT_METHODS


@dataclass(frozen=True)
class ShiftRef:
    """What a sale needs of its terminal's open shift (kept in memory between requests)."""

    id: int
    uuid: str


def open_ref(session, terminal: int) -> ShiftRef | None:
    def load():
        shift = current(session, terminal)
        return ShiftRef(shift.id, shift.uuid) if shift else None
    return mirror_cache.get(f"open-shift:{terminal}", load)


def require_open_ref(session, terminal: int) -> ShiftRef:
    shift = open_ref(session, terminal)
    if shift is None:
        raise Conflict(f"No shift is open on terminal {terminal}; open one first", "SHIFT_NOT_OPEN")
    return shift


def current(session, terminal: int) -> Shift | None:
    return session.execute(
        select(Shift).where(Shift.terminal == terminal, Shift.status == "open")
    ).scalar_one_or_none()


def require_open(session, terminal: int) -> Shift:
    shift = current(session, terminal)
    if shift is None:
        raise Conflict(f"No shift is open on terminal {terminal}; open one first", "SHIFT_NOT_OPEN")
    return shift


def get(session, shift_id: int) -> Shift:
    shift = session.get(Shift, shift_id)
    if shift is None:
        raise NotFound("Shift")
    return shift


def snapshot_values(shift: Shift) -> dict:
    return {
        "uuid": shift.uuid, "terminal": shift.terminal, "status": shift.status, "opened_by": shift.opened_by,
        "opened_at": shift.opened_at, "opening_cash": shift.opening_cash, "closed_by": shift.closed_by,
        "closed_at": shift.closed_at, "counted": shift.counted or {},
        "z_report": report_wire(shift.z_report) if shift.z_report else None,
        "version": shift.version,
        "movements": [{"uuid": m.uuid, "kind": m.kind, "amount": m.amount, "reason": m.reason,
                       "created_by": m.created_by, "created_at": m.created_at} for m in shift.movements],
    }


def _record(session, shift: Shift, first: bool = False) -> None:
    if not first:
        shift.version += 1
    session.flush()
    outbox.append(session, "shift.snapshot", shift.uuid, snapshot_values(shift), version=shift.version)


def open_shift(session, user_id: int, terminal: int, opening_cash: int) -> Shift:
    if current(session, terminal) is not None:
        raise Conflict(f"Terminal {terminal} already has an open shift", "SHIFT_ALREADY_OPEN")
    shift = Shift(uuid=new_uuid(), terminal=terminal, status="open", opened_by=user_id, opened_at=utcnow(),
                  opening_cash=opening_cash)
    session.add(shift)
    after_commit(mirror_cache.clear)  # the terminal's cached open shift
    session.flush()
    _record(session, shift, first=True)
    audit.record(session, "shift_open", user_id=user_id, terminal=terminal, object_type="shift", object_id=shift.uuid,
                 after={"opening_cash": format_amount(opening_cash)})
    return shift


def add_movement(session, shift: Shift, user_id: int, kind: str, amount: int, reason: str) -> CashMovement:
    if shift.status != "open":
        raise Conflict("The shift is closed", "SHIFT_CLOSED")
    if amount <= 0:
        raise Invalid("Amount must be more than zero", "INVALID_AMOUNT", "amount")
    if kind == "out" and amount > expected_cash(session, shift):
        raise Conflict("There is not that much cash in the drawer", "NOT_ENOUGH_CASH", "amount")
    movement = CashMovement(uuid=new_uuid(), shift_id=shift.id, kind=kind, amount=amount, reason=reason.strip(),
                            created_by=user_id, created_at=utcnow())
    session.add(movement)
    shift.movements.append(movement)
    _record(session, shift)
    audit.record(session, f"cash_{kind}", user_id=user_id, terminal=shift.terminal, object_type="shift",
                 object_id=shift.uuid, after={"movement_uuid": movement.uuid, "amount": format_amount(amount),
                                              "reason": movement.reason})
    return movement


def open_drawer(session, shift: Shift, user_id: int, reason: str):
    """A "no sale": the drawer opens without a payment, so the till says who and why
    (audited as `drawer_open`, in the same transaction as the kick's print job)."""
    if shift.status != "open":
        raise Conflict("The shift is closed", "SHIFT_CLOSED")
    reason = reason.strip()
    if not reason:
        raise Invalid("Say why the drawer is opened", "REASON_REQUIRED", "reason")
    job = printing.open_drawer(session, shift)
    session.flush()
    audit.record(session, "drawer_open", user_id=user_id, terminal=shift.terminal, object_type="shift",
                 object_id=shift.uuid, after={"reason": reason, "print_job_id": job.id})
    return job


def _payments(session, shift: Shift) -> list[Payment]:
    return session.execute(select(Payment).where(Payment.shift_id == shift.id)).scalars().all()


def _refunds(session, shift: Shift) -> list[Refund]:
    return session.execute(select(Refund).where(Refund.shift_id == shift.id)).scalars().all()


def expected_cash(session, shift: Shift) -> int:
    return report(session, shift)["expected"]["cash"]


def unpaid_orders(session, shift: Shift) -> list[Order]:
    orders = session.execute(
        select(Order).where(Order.shift_id == shift.id, Order.status.not_in(vocab.NOT_SOLD_STATUSES))).scalars().all()
    return [order for order in orders if order.balance_due > 0]


KITCHEN_STATUSES = vocab.KITCHEN_OPEN_STATUSES


def _order_ref(order: Order) -> dict:
    return {"id": order.id, "order_number": order.order_number, "status": order.status,
            "balance_due": order.balance_due}


def report(session, shift: Shift) -> dict:
    """The X report: the shift's figures as of now (money in minor units).

    Per method: payments (count, amount), refunds given back by it (count, amount: a
    refund is money, summed, never a count of records) and what it `collected` net;
    `expected` adds the drawer's float and cash in/out to cash. `unpaid` orders block a
    close; `in_kitchen` are paid orders the kitchen still has (a warning only)."""
    payments, refunds = _payments(session, shift), _refunds(session, shift)
    paid = defaultdict(lambda: {"count": 0, "amount": 0})
    for payment in payments:
        if payment.status != vocab.PAID:
            continue
        paid[payment.method]["count"] += 1
        paid[payment.method]["amount"] += payment.amount
    refunded = defaultdict(lambda: {"count": 0, "amount": 0})
    voided = 0
    for refund in refunds:
        if refund.kind == "void":
            voided += refund.amount
        else:
            refunded[refund.method or vocab.CASH]["count"] += 1
            refunded[refund.method or vocab.CASH]["amount"] += refund.amount
    cash_in = sum(m.amount for m in shift.movements if m.kind == "in")
    cash_out = sum(m.amount for m in shift.movements if m.kind == "out")
    orders = session.execute(select(Order).where(Order.shift_id == shift.id).order_by(Order.id)).scalars().all()
    sold = [o for o in orders if vocab.ORDER_STATUS[o.status].sold]
    collected = {method: paid[method]["amount"] - refunded[method]["amount"] for method in PAYMENT_METHODS}
    expected = dict(collected)
    expected["cash"] += shift.opening_cash + cash_in - cash_out
    return {
        "shift_id": shift.id, "uuid": shift.uuid, "terminal": shift.terminal, "status": shift.status,
        "opened_by": shift.opened_by, "opened_at": isoformat(shift.opened_at),
        "closed_by": shift.closed_by, "closed_at": isoformat(shift.closed_at),
        "opening_cash": shift.opening_cash, "cash_in": cash_in, "cash_out": cash_out,
        "orders": {"count": len(sold), "cancelled": len(orders) - len(sold),
                   "subtotal": sum(o.subtotal for o in sold), "discounts": sum(o.discount_amount for o in sold),
                   "service_charge": sum(o.service_charge for o in sold), "tax": sum(o.tax_amount for o in sold),
                   "rounding": sum(o.rounding_amount for o in sold), "total": sum(o.total_amount for o in sold),
                   "voided": voided},
        "payments": {m: dict(paid[m]) for m in PAYMENT_METHODS},
        "refunds": {m: dict(refunded[m]) for m in PAYMENT_METHODS},
        "collected": collected,
        "totals": {"payments": sum(p["amount"] for p in paid.values()),
                   "refunds": sum(r["amount"] for r in refunded.values()),
                   "collected": sum(collected.values())},
        "expected": expected,
        "unpaid": [_order_ref(o) for o in sold if o.balance_due > 0],
        "in_kitchen": [_order_ref(o) for o in sold if o.status in KITCHEN_STATUSES and o.balance_due <= 0],
    }


def shown_report(session, shift: Shift) -> dict:
    """What the shift's report shows: its Z as it was closed (counted, difference, the
    figures the paper printed) once closed, the X as of now while open. Viewing or
    reprinting a Z later gives the same figures as the close did."""
    if shift.status == "closed" and shift.z_report:
        return shift.z_report
    return report(session, shift)


@dataclass(frozen=True)
class CloseRules:
    """What a close must satisfy beyond the figures: above `difference_limit` (minor
    units, either way, any counted method) only a manager may close."""

    difference_limit: int
    by_manager: bool


def close(session, shift: Shift, user_id: int, counted: dict[str, int], rules: CloseRules | None = None,
          expected_cash: int | None = None) -> dict:
    """Close with counted amounts: the Z report of expected vs counted per method.

    `counted` holds only what someone counted (cash always; card slips if entered):
    a method not counted stays "not counted" and has no difference. `expected_cash`,
    when given, is the figure the cashier was shown; if the drawer's figure moved since
    (a sale on another screen), the close is refused so they look again."""
    if shift.status != "open":
        raise Conflict("The shift is already closed", "SHIFT_CLOSED")
    unpaid = unpaid_orders(session, shift)
    if unpaid:
        raise Conflict(f"{len(unpaid)} order(s) of this shift are not paid: "
                       + ", ".join(o.order_number for o in unpaid[:5]), "SHIFT_HAS_UNPAID_ORDERS",
                       extra={"orders": [o.order_number for o in unpaid]})
    figures = report(session, shift)
    if expected_cash is not None and expected_cash != figures["expected"]["cash"]:
        raise Conflict(f"The expected cash changed to {format_amount(figures['expected']['cash'])} since it was "
                       "shown; check the figures and close again", "EXPECTED_CHANGED", "expected_cash",
                       extra={"expected_cash": format_amount(figures["expected"]["cash"])})
    counted = {m: counted[m] for m in PAYMENT_METHODS if counted.get(m) is not None}
    difference = {m: counted[m] - figures["expected"][m] for m in counted}
    if rules is not None and not rules.by_manager:
        over = {m: d for m, d in difference.items() if abs(d) > rules.difference_limit}
        if over:
            method, amount = next(iter(over.items()))
            raise Forbidden(f"The {method} counted differs from the expected by {format_amount(amount)}, more than "
                            f"{format_amount(rules.difference_limit)}: a manager must approve this close",
                            "MANAGER_APPROVAL_REQUIRED", f"counted_{method}",
                            extra={"difference": {m: format_amount(d) for m, d in over.items()},
                                   "limit": format_amount(rules.difference_limit)})
    shift.status = "closed"
    after_commit(mirror_cache.clear)  # the terminal's cached open shift
    shift.closed_by = user_id
    shift.closed_at = utcnow()
    shift.counted = counted
    z = report(session, shift)
    z["counted"] = {m: counted.get(m) for m in PAYMENT_METHODS}
    z["difference"] = {m: difference.get(m) for m in PAYMENT_METHODS}
    shift.z_report = z
    _record(session, shift)
    audit.record(session, "shift_close", user_id=user_id, terminal=shift.terminal, object_type="shift",
                 object_id=shift.uuid, before={"status": "open"},
                 after={"status": "closed", **{key: {m: format_amount(v) for m, v in z[key].items() if v is not None}
                                               for key in ("expected", "counted", "difference")}})
    printing.on_shift_closed(session, shift, z)
    return z


_MONEY_KEYS = {"opening_cash", "cash_in", "cash_out", "subtotal", "discounts", "service_charge", "tax", "rounding",
               "total", "voided", "amount", "balance_due"}
_MONEY_MAPS = {"expected", "counted", "difference", "collected", "totals"}


def report_wire(report: dict) -> dict:
    """A report with its money as decimal strings, like everything on the wire."""
    def convert(key, value, parent=None):
        if isinstance(value, dict):
            return {k: convert(k, v, key) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(key, v, parent) for v in value]
        if isinstance(value, int) and not isinstance(value, bool) and (key in _MONEY_KEYS or parent in _MONEY_MAPS):
            return format_amount(value)
        return value
    return {key: convert(key, value) for key, value in report.items()}
