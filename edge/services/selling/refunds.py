"""Voids (unpaid items taken off an order) and refunds (money given back), by line or
whole, always with a reason. Both are new facts: the sale's stored amounts never change.

A line's share of money is its stored total (net + service + tax); part of a line is
its proportional share, and the last units take whatever is left, so returning every
unit returns exactly the line total. Cash given back for some lines is rounded to the
tenant's cash increment, as the sale's total was (the lines keep their exact shares),
and never exceeds what is left of what was paid: refunding every line in cash returns
exactly the paid amount.

Money goes back by the methods that took it, each never more than it took less what it
already gave back: one request may give back by several methods, one refund record each
(the first carries the lines). The method asked for goes first (cash when none is named
and some cash is left), then the others, most left first; a whole-order refund of a
part-card, part-cash order gives each method back its part."""
from __future__ import annotations

from dataclasses import dataclass

from edge.models import Customer, Order, OrderItem, Refund, Shift
from edge.services import audit
from edge.services.inventory import stock
from edge.services.kitchen import kitchen_log
from edge.services.printing import jobs as printing
from edge.services.selling import customers, orders
from edge.services.syncing import outbox
from edge.services.syncing import outlet as outlet_settings
from sync.errors import Conflict, Invalid
from sync.ids import new_uuid
from sync.money import div_round_half_up, format_amount, round_to_increment
from sync.timeutil import utcnow
from sync.vocab import CASH, CLOSED_STATUSES, PAID, cash_like


def snapshot_values(refund: Refund, business_date=None) -> dict:
    return {"uuid": refund.uuid, "order_uuid": refund.order.uuid, "business_date": business_date,
            "shift_uuid": refund.shift_uuid,
            "kind": refund.kind, "method": refund.method, "amount": refund.amount, "reason": refund.reason,
            "lines": [{"line_no": line["line_no"], "quantity": line["quantity"], "amount": line["amount"]}
                      for line in refund.lines],
            "created_by": refund.created_by, "created_at": refund.created_at}


def _returned(order: Order, item: OrderItem) -> int:
    return sum(line["amount"] for refund in order.refunds for line in refund.lines if line["item_id"] == item.id)


def _line_amount(order: Order, item: OrderItem, quantity: int) -> int:
    remaining_units = item.quantity - item.voided_quantity - item.refunded_quantity
    if quantity == remaining_units:
        return item.line_total - _returned(order, item)
    return div_round_half_up(item.line_total * quantity, item.quantity)


def _select_lines(order: Order, requested: list[dict] | None) -> list[tuple[OrderItem, int]]:
    by_id = {item.id: item for item in order.items}
    if not requested:
        return [(item, item.quantity - item.voided_quantity - item.refunded_quantity) for item in order.items
                if item.quantity - item.voided_quantity - item.refunded_quantity > 0]
    chosen = []
    for index, line in enumerate(requested):
        item = by_id.get(line["item_id"])
        if item is None:
            raise Invalid(f"Item {line['item_id']} is not on this order", "INVALID_ITEM",
                                   f"lines.{index}.item_id")
        left = item.quantity - item.voided_quantity - item.refunded_quantity
        if not 1 <= line["quantity"] <= left:
            raise Invalid(f"Only {left} of {item.product_name} can be returned", "INVALID_QUANTITY",
                                   f"lines.{index}.quantity")
        chosen.append((item, line["quantity"]))
    return chosen


def _record(session, order: Order, kind: str, method: str | None, amount: int, reason: str,
            lines: list[dict], user_id: int, shift: Shift | None) -> Refund:
    refund = Refund(uuid=new_uuid(), order_id=order.id, shift_id=shift.id if shift else None,
                    shift_uuid=shift.uuid if shift else None, kind=kind, method=method, amount=amount,
                    reason=reason, lines=lines, created_by=user_id, created_at=utcnow())
    session.add(refund)
    order.refunds.append(refund)
    session.flush()  # the answer shows its id; nothing else may be relied on to flush it
    outbox.append(session, "refund.recorded", refund.uuid,
                  snapshot_values(refund, outlet_settings.local_date(session, refund.created_at)))
    audit.record(session, kind, user_id=user_id, terminal=shift.terminal if shift else order.terminal,
                 object_type="order", object_id=order.uuid,
                 after={"order_number": order.order_number, "refund_uuid": refund.uuid, "method": method,
                        "amount": format_amount(amount), "reason": reason,
                        "lines": [{"line_no": line["line_no"], "quantity": line["quantity"]} for line in lines]})
    return refund


def give_back_money(session, order: Order, *, method: str, amount: int, reason: str, user_id: int,
                    shift: Shift | None) -> Refund:
    """Money given back with no items returned (a late QRIS / e-wallet payment that made
    the order overpaid): one refund record, the order's refunded amount, a refund slip."""
    order.refunded_amount += amount
    given = _record(session, order, "refund", method, amount, reason, [], user_id, shift)
    orders.record_change(session, order)
    printing.on_refunded(session, order, [given])
    return given


def void(session, order: Order, *, user_id: int, shift: Shift | None, reason: str,
         lines: list[dict] | None) -> Refund:
    """Take unpaid items off an order (the kitchen is told)."""
    if order.status in CLOSED_STATUSES:
        raise Conflict(f"A {order.status} order cannot be voided", "ORDER_CLOSED")
    chosen = _select_lines(order, lines)
    amounts = [(item, quantity, _line_amount(order, item, quantity)) for item, quantity in chosen]
    total = sum(amount for _, _, amount in amounts)
    if not lines:
        total = order.balance_due  # voiding everything unpaid includes the rounding line
    if total > order.balance_due:
        raise Conflict("That is more than the unpaid balance; refund paid items instead", "VOID_EXCEEDS_BALANCE")
    was = [(item, quantity, item.prep_status) for item, quantity, _ in amounts]
    for item, quantity, _ in amounts:
        item.voided_quantity += quantity
        if item.voided_quantity == item.quantity:
            item.prep_status = "voided"
    order.voided_amount += total
    refund = _record(session, order, "void", None, total, reason, [
        {"item_id": i.id, "line_no": i.line_no, "quantity": q, "amount": a} for i, q, a in amounts], user_id, shift)
    orders.record_change(session, order)
    stock.on_voided(session, order, was, user_id, reason)
    if order.confirmed_at is not None:
        kitchen_log.record(session, order, "order_updated")
    return refund


def left_by_method(order: Order) -> dict[str, int]:
    """What each method that paid for the order has not yet given back (never below 0)."""
    left: dict[str, int] = {}
    for payment in order.payments:
        if payment.status == PAID:
            left[payment.method] = left.get(payment.method, 0) + payment.amount
    for given in order.refunds:
        if given.kind == "refund" and given.method in left:
            left[given.method] -= given.amount
    return {method: max(0, amount) for method, amount in left.items()}


def _shares(left: dict[str, int], first: str, exact: int, cash_rounding: int, by_lines: bool) -> list[tuple[str, int]]:
    """(method, amount) to give back `exact`: `first` first, then the rest, most left first.
    Cash for lines is what is still due rounded to the cash increment, as on a cash-only
    order; when the cash left covers that, the rounding settles the rest (no few-rupiah
    card refund for what rounding took off, nothing at all when it rounds to nothing)."""
    order_of = [first] + sorted((m for m in left if m != first), key=lambda m: (-left[m], m))
    shares, remaining = [], exact
    for method in order_of:
        if remaining <= 0:
            break
        rounded = by_lines and cash_like(method)
        want = round_to_increment(remaining, cash_rounding) if rounded else remaining
        amount = min(want, left[method])
        if amount > 0:
            shares.append((method, amount))
        if rounded and want <= left[method]:
            break
        remaining -= amount
    return shares


@dataclass(frozen=True)
class RefundPlan:
    """What a refund request would give back, before anything is written: the lines
    (item, units, exact share), and (method, amount) per method the money goes by, the
    asked method first. `spills`: some of it goes back by another method than asked."""

    method: str
    lines: list[tuple[OrderItem, int, int]]
    shares: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(amount for _, amount in self.shares)

    @property
    def spills(self) -> bool:
        return any(m != self.method for m, _ in self.shares)

    @property
    def gives_cash(self) -> bool:
        return any(cash_like(m) for m, _ in self.shares)


def plan(order: Order, *, lines: list[dict] | None, method: str | None, cash_rounding: int = 0) -> RefundPlan:
    """Work out a refund (see `refund`) without changing anything; refusals as there."""
    refundable = order.paid_amount - order.refunded_amount
    if refundable <= 0:
        raise Conflict("Nothing was paid on this order that has not been refunded", "NOTHING_TO_REFUND")
    left = left_by_method(order)
    method = method or (CASH if left.get(CASH, 0) > 0 else max(left, key=lambda m: left[m]))
    if method not in left:
        raise Invalid(f"The order was not paid by {method}", "INVALID_METHOD", "method")
    chosen = _select_lines(order, lines)
    amounts = [(item, quantity, _line_amount(order, item, quantity)) for item, quantity in chosen]
    exact = min(refundable, sum(a for _, _, a in amounts)) if lines else refundable
    shares = _shares(left, method, exact, cash_rounding, by_lines=bool(lines))
    total = sum(amount for _, amount in shares)
    if lines and total > refundable:  # the cash rounded up past what is left to give back
        method_last, amount_last = shares[-1]
        shares[-1] = (method_last, amount_last - (total - refundable))
        total = refundable
    if total <= 0:
        if exact > 0 and lines:
            raise Conflict("Those lines come to less than the smallest cash amount; refund them by another "
                           "method or together with other lines", "REFUND_BELOW_CASH_UNIT")
        if lines and amounts and not any(a for _, _, a in amounts):
            raise Conflict("Those items cost nothing (a promotion made them free): no money goes back for them",
                           "NOTHING_TO_REFUND")
        raise Conflict("Nothing left to refund", "NOTHING_TO_REFUND")
    return RefundPlan(method, amounts, shares)


def refund(session, order: Order, *, user_id: int, shift: Shift | None, reason: str, lines: list[dict] | None,
           method: str | None, points_per_amount: int, cash_rounding: int = 0,
           restock: bool = False) -> list[Refund]:
    """Give money back for paid items; whole order when no lines are named. One refund
    record per method the money goes back by, the first holding the lines; a refund
    slip prints on the receipt printer (and the drawer opens for cash).
    `cash_rounding`: the tenant's cash increment in minor units (0: none). `restock`: the
    manager says the refunded items went back into stock (see `stock.on_refunded`)."""
    planned = plan(order, lines=lines, method=method, cash_rounding=cash_rounding)
    if shift is None and planned.gives_cash:
        raise Conflict("Cash goes back out of this terminal's drawer, and no shift is open on it; open one first",
                       "SHIFT_NOT_OPEN")
    for item, quantity, _ in planned.lines:
        item.refunded_quantity += quantity
    total = planned.total
    order.refunded_amount += total
    given = [{"item_id": i.id, "line_no": i.line_no, "quantity": q, "amount": a} for i, q, a in planned.lines]
    results = [_record(session, order, "refund", m, amount, reason, given if index == 0 else [], user_id, shift)
               for index, (m, amount) in enumerate(planned.shares)]
    orders.record_change(session, order)
    stock.on_refunded(session, order, [(i, q) for i, q, _ in planned.lines], user_id, reason, restock)
    if order.customer_id and order.status == "completed":
        customer = session.get(Customer, order.customer_id)
        customers.record_loyalty(session, customer, order.uuid, amount=-total, orders=0,
                                 points_per_amount=points_per_amount, reason="refund")
    printing.on_refunded(session, order, results)
    return results
