"""What outlets sold, as synced: the cloud records these facts, it never rewrites them.

Keys are (outlet, uuid) under unique indexes, so a replayed event can never make a
second copy. Order and shift rows keep the highest version an outlet sent.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cloud.models.base import Base
from sync.vocab import ORDER_STATUSES, PAYMENT_METHODS, REFUND_KINDS, check_in

Money = BigInteger


class SyncedOrder(Base):
    __tablename__ = "orders"
    # the human order number is unique in its outlet (DESIGN.md): a snapshot whose number
    # another order holds is refused (ORDER_NUMBER_TAKEN) and the edge renumbers the order
    __table_args__ = (UniqueConstraint("outlet_id", "uuid"), UniqueConstraint("outlet_id", "order_number"),
                      CheckConstraint(check_in("status", ORDER_STATUSES), name="status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    uuid: Mapped[str] = mapped_column(String(36))
    order_number: Mapped[str] = mapped_column(String(40), index=True)
    terminal: Mapped[int] = mapped_column(Integer)
    business_date: Mapped[date] = mapped_column(Date, index=True)
    shift_uuid: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(12), index=True)
    source: Mapped[str] = mapped_column(String(10))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    customer_uuid: Mapped[str | None] = mapped_column(String(36))
    customer_name: Mapped[str] = mapped_column(String(120), default="")
    customer_phone: Mapped[str] = mapped_column(String(20), default="")
    table_label: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    subtotal: Mapped[int] = mapped_column(Money)
    discount_amount: Mapped[int] = mapped_column(Money)
    service_charge: Mapped[int] = mapped_column(Money)
    tax_amount: Mapped[int] = mapped_column(Money)
    rounding_amount: Mapped[int] = mapped_column(Money)
    total_amount: Mapped[int] = mapped_column(Money)
    paid_amount: Mapped[int] = mapped_column(Money)
    change_amount: Mapped[int] = mapped_column(Money)
    voided_amount: Mapped[int] = mapped_column(Money)
    refunded_amount: Mapped[int] = mapped_column(Money)
    version: Mapped[int] = mapped_column(Integer)
    cashier_id: Mapped[int | None] = mapped_column(Integer)
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    totals_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)  # lines do not add up (flagged, kept)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)  # the outlet's clock
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    preparing_at: Mapped[datetime | None] = mapped_column(DateTime)
    ready_at: Mapped[datetime | None] = mapped_column(DateTime)
    served_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    received_at: Mapped[datetime] = mapped_column(DateTime)  # the cloud's clock
    promotions: Mapped[list] = mapped_column(default=list)
    device_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the device that first sent it

    items: Mapped[list[SyncedOrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="SyncedOrderItem.line_no")


class SyncedOrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int] = mapped_column(Integer, index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer, index=True)
    product_name: Mapped[str] = mapped_column(String(200))
    sku: Mapped[str] = mapped_column(String(64), default="")
    category_id: Mapped[int | None] = mapped_column(Integer)
    station: Mapped[str] = mapped_column(String(40), default="main")
    quantity: Mapped[int] = mapped_column(Integer)
    modifiers: Mapped[list] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(String(500), default="")
    unit_price: Mapped[int] = mapped_column(Money)
    gross: Mapped[int] = mapped_column(Money)
    discount_amount: Mapped[int] = mapped_column(Money)
    total_price: Mapped[int] = mapped_column(Money)
    service_charge: Mapped[int] = mapped_column(Money)
    tax_amount: Mapped[int] = mapped_column(Money)
    line_total: Mapped[int] = mapped_column(Money)
    voided_quantity: Mapped[int] = mapped_column(Integer, default=0)
    refunded_quantity: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[SyncedOrder] = relationship(back_populates="items")


class SyncedPayment(Base):
    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("outlet_id", "uuid"),
                      CheckConstraint(check_in("method", PAYMENT_METHODS), name="method"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    uuid: Mapped[str] = mapped_column(String(36))
    order_uuid: Mapped[str] = mapped_column(String(36), index=True)
    shift_uuid: Mapped[str | None] = mapped_column(String(36))
    terminal: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(Money)
    tendered: Mapped[int | None] = mapped_column(Money)
    change_amount: Mapped[int] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str] = mapped_column(String(120), default="")
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # the outlet-local day the money was taken: sales count on the day they are paid
    business_date: Mapped[date | None] = mapped_column(Date, index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class SyncedRefund(Base):
    __tablename__ = "refunds"
    __table_args__ = (UniqueConstraint("outlet_id", "uuid"),
                      CheckConstraint(check_in("kind", REFUND_KINDS), name="kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    uuid: Mapped[str] = mapped_column(String(36))
    order_uuid: Mapped[str] = mapped_column(String(36), index=True)
    shift_uuid: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(6))
    method: Mapped[str | None] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(String(500))
    lines: Mapped[list] = mapped_column(default=list)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # the outlet-local day the money went back: refunds count on the day they are given
    business_date: Mapped[date | None] = mapped_column(Date, index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class SyncedShift(Base):
    __tablename__ = "shifts"
    __table_args__ = (UniqueConstraint("outlet_id", "uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    uuid: Mapped[str] = mapped_column(String(36))
    terminal: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(6))
    opened_by: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    opening_cash: Mapped[int] = mapped_column(Money)
    closed_by: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    counted: Mapped[dict] = mapped_column(default=dict)
    z_report: Mapped[dict | None] = mapped_column()
    movements: Mapped[list] = mapped_column(default=list)
    version: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    device_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the device that first sent it


class CustomerActivity(Base):
    """A loyalty delta from an outlet, once per (outlet, order, reason): the guard that
    keeps points and counters right however often an outlet resends."""

    __tablename__ = "customer_activity"
    __table_args__ = (UniqueConstraint("outlet_id", "order_uuid", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    order_uuid: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(String(10))
    points: Mapped[int] = mapped_column(Integer)
    orders: Mapped[int] = mapped_column(Integer)
    spent: Mapped[int] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class CustomerAlias(Base):
    """A customer uuid made offline at an outlet for someone the cloud already knew (by
    phone): later events naming it reach the right customer."""

    __tablename__ = "customer_aliases"
    __table_args__ = (UniqueConstraint("tenant_id", "uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    uuid: Mapped[str] = mapped_column(String(36))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
