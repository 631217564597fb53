"""Reading what outlets synced: orders with their lines, payments and refunds."""
from __future__ import annotations

from sqlalchemy import desc, func, select

from cloud.models import Customer, SyncedOrder, SyncedOrderItem, SyncedPayment, SyncedRefund
from cloud.services.actor import Actor
from sync.errors import NotFound


def orders_query(actor: Actor):
    stmt = select(SyncedOrder).where(SyncedOrder.tenant_id == actor.require_tenant())
    if actor.outlet_id is not None:
        stmt = stmt.where(SyncedOrder.outlet_id == actor.outlet_id)
    return stmt


def get_order(session, actor: Actor, order_id: int) -> SyncedOrder:
    order = session.get(SyncedOrder, order_id)
    if order is None or order.tenant_id != actor.tenant_id or not actor.can_see_outlet(order.outlet_id):
        raise NotFound("Order")
    return order


def payments_of(session, order: SyncedOrder) -> list[SyncedPayment]:
    return session.execute(select(SyncedPayment).where(SyncedPayment.outlet_id == order.outlet_id,
                                                       SyncedPayment.order_uuid == order.uuid)
                           .order_by(SyncedPayment.created_at, SyncedPayment.id)).scalars().all()


def refunds_of(session, order: SyncedOrder) -> list[SyncedRefund]:
    return session.execute(select(SyncedRefund).where(SyncedRefund.outlet_id == order.outlet_id,
                                                      SyncedRefund.order_uuid == order.uuid)
                           .order_by(SyncedRefund.created_at, SyncedRefund.id)).scalars().all()


def customer_orders_query(customer: Customer):
    return (select(SyncedOrder).where(SyncedOrder.tenant_id == customer.tenant_id,
                                      SyncedOrder.customer_uuid.in_([customer.uuid, *(customer.merged_uuids or [])]))
            .order_by(desc(SyncedOrder.created_at), desc(SyncedOrder.id)))


def favourite_products(session, customer: Customer, limit: int = 5) -> list[dict]:
    quantity = func.sum(SyncedOrderItem.quantity - SyncedOrderItem.voided_quantity - SyncedOrderItem.refunded_quantity)
    rows = session.execute(
        select(SyncedOrderItem.product_id, func.max(SyncedOrderItem.product_name), quantity)
        .join(SyncedOrder, SyncedOrder.id == SyncedOrderItem.order_id)
        .where(SyncedOrder.tenant_id == customer.tenant_id, SyncedOrder.status == "completed",
               SyncedOrder.customer_uuid.in_([customer.uuid, *(customer.merged_uuids or [])]))
        .group_by(SyncedOrderItem.product_id).order_by(desc(quantity), SyncedOrderItem.product_id).limit(limit)
    ).all()
    return [{"product_id": pid, "name": name, "quantity": int(qty)} for pid, name, qty in rows if qty > 0]
