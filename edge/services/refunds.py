"""Voids (unpaid items taken off an order) and refunds (money given back), by line or
whole, always with a reason. Both are new facts: the sale's stored amounts never change.

A line's share of money is its stored total (net + service + tax); part of a line is
its proportional share, and the last units take whatever is left, so returning every
unit returns exactly the line total. Cash given back for some lines is rounded to the
tenant's cash increment, as the sale's total was (the lines keep their exact shares),
and never exceeds what is left of what was paid: refunding every line in cash returns
exactly the paid amount."""
from __future__ import annotations

from edge.models import Customer, Order, OrderItem, Refund, Shift
from edge.services import customers, kitchen_log, orders, outbox
from sync.ids import new_uuid
from sync.money import div_round_half_up, round_to_increment
from sync.timeutil import utcnow
from sync.web.errors import Conflict, ValidationFailed


def snapshot_values(refund: Refund) -> dict:
    return {"uuid": refund.uuid, "order_uuid": refund.order.uuid,
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
            raise ValidationFailed(f"Item {line['item_id']} is not on this order", "INVALID_ITEM",
                                   f"lines.{index}.item_id")
        left = item.quantity - item.voided_quantity - item.refunded_quantity
        if not 1 <= line["quantity"] <= left:
            raise ValidationFailed(f"Only {left} of {item.product_name} can be returned", "INVALID_QUANTITY",
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
    outbox.append(session, "refund.recorded", refund.uuid, snapshot_values(refund))
    return refund


def void(session, order: Order, *, user_id: int, shift: Shift | None, reason: str,
         lines: list[dict] | None) -> Refund:
    """Take unpaid items off an order (the kitchen is told)."""
    if order.status in ("completed", "cancelled"):
        raise Conflict(f"A {order.status} order cannot be voided", "ORDER_CLOSED")
    chosen = _select_lines(order, lines)
    amounts = [(item, quantity, _line_amount(order, item, quantity)) for item, quantity in chosen]
    total = sum(amount for _, _, amount in amounts)
    if not lines:
        total = order.balance_due  # voiding everything unpaid includes the rounding line
    if total > order.balance_due:
        raise Conflict("That is more than the unpaid balance; refund paid items instead", "VOID_EXCEEDS_BALANCE")
    for item, quantity, _ in amounts:
        item.voided_quantity += quantity
        if item.voided_quantity == item.quantity:
            item.prep_status = "voided"
    order.voided_amount += total
    refund = _record(session, order, "void", None, total, reason, [
        {"item_id": i.id, "line_no": i.line_no, "quantity": q, "amount": a} for i, q, a in amounts], user_id, shift)
    orders.record_change(session, order)
    if order.confirmed_at is not None:
        kitchen_log.record(session, order, "order_updated")
    return refund


def refund(session, order: Order, *, user_id: int, shift: Shift | None, reason: str, lines: list[dict] | None,
           method: str | None, points_per_amount: int, cash_rounding: int = 0) -> Refund:
    """Give money back for paid items; whole order when no lines are named.
    `cash_rounding`: the tenant's cash increment in minor units (0: none)."""
    refundable = order.paid_amount - order.refunded_amount
    if refundable <= 0:
        raise Conflict("Nothing was paid on this order that has not been refunded", "NOTHING_TO_REFUND")
    methods = {p.method for p in order.payments}
    method = method or ("cash" if "cash" in methods else order.payments[0].method)
    if method not in methods:
        raise ValidationFailed(f"The order was not paid by {method}", "INVALID_METHOD", "method")
    chosen = _select_lines(order, lines)
    amounts = [(item, quantity, _line_amount(order, item, quantity)) for item, quantity in chosen]
    lines_total = sum(a for _, _, a in amounts)
    if lines and method == "cash":
        lines_total = round_to_increment(lines_total, cash_rounding)
        if lines_total <= 0 < sum(a for _, _, a in amounts):
            raise Conflict("Those lines come to less than the smallest cash amount; refund them by another "
                           "method or together with other lines", "REFUND_BELOW_CASH_UNIT")
    total = refundable if not lines else min(refundable, lines_total)
    if total <= 0:
        raise Conflict("Nothing left to refund", "NOTHING_TO_REFUND")
    for item, quantity, _ in amounts:
        item.refunded_quantity += quantity
    order.refunded_amount += total
    result = _record(session, order, "refund", method, total, reason, [
        {"item_id": i.id, "line_no": i.line_no, "quantity": q, "amount": a} for i, q, a in amounts], user_id, shift)
    orders.record_change(session, order)
    if order.customer_id and order.status == "completed":
        customer = session.get(Customer, order.customer_id)
        customers.record_loyalty(session, customer, order.uuid, amount=-total, orders=0,
                                 points_per_amount=points_per_amount, reason="refund")
    return result
