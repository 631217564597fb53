"""What the outlet sold: orders and their lines, payments, refunds/voids, shifts.

The outlet is the source of truth for these facts. A sale's stored amounts are never
rewritten: voids and refunds are new rows that point at it.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

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

from edge.models.base import Base
from sync.timeutil import utcnow
from sync.vocab import ORDER_STATUSES, PAYMENT_METHODS, PAYMENT_STATUSES, PREP_STATUSES, REFUND_KINDS, check_in

if TYPE_CHECKING:  # the relationship names its target as a string; this is for readers and linters
    from edge.models.customers import Customer


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (CheckConstraint(check_in("status", ORDER_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    order_number: Mapped[str] = mapped_column(String(40), unique=True)
    outlet_id: Mapped[int] = mapped_column(Integer)
    terminal: Mapped[int] = mapped_column(Integer, default=1)
    business_date: Mapped[date] = mapped_column(Date, index=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"), index=True)
    shift_uuid: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(12), index=True)
    source: Mapped[str] = mapped_column(String(10), default="pos")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    customer_uuid: Mapped[str | None] = mapped_column(String(36))
    customer_name: Mapped[str] = mapped_column(String(120), default="")
    customer_phone: Mapped[str] = mapped_column(String(20), default="")
    table_label: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    promo_codes: Mapped[list] = mapped_column(default=list)
    subtotal: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    service_charge: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    rounding_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    total_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    change_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    voided_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    synced_version: Mapped[int] = mapped_column(Integer, default=0)
    cashier_id: Mapped[int | None] = mapped_column(Integer)
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    preparing_at: Mapped[datetime | None] = mapped_column(DateTime)
    ready_at: Mapped[datetime | None] = mapped_column(DateTime)
    served_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.line_no")
    promotions: Mapped[list[OrderPromotion]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderPromotion.id")
    payments: Mapped[list[Payment]] = relationship(back_populates="order", order_by="Payment.id")
    refunds: Mapped[list[Refund]] = relationship(back_populates="order", order_by="Refund.id")
    shift: Mapped[Shift | None] = relationship(foreign_keys=[shift_id])
    customer: Mapped[Customer | None] = relationship("Customer")

    @property
    def amount_due(self) -> int:
        return self.total_amount - self.voided_amount

    @property
    def balance_due(self) -> int:
        return max(0, self.amount_due - self.paid_amount)

    @property
    def overpaid_amount(self) -> int:
        """Paid beyond what is due and not yet given back (a late QRIS / e-wallet payment)."""
        return max(0, self.paid_amount - self.refunded_amount - self.amount_due)

    @property
    def is_fully_paid(self) -> bool:
        return self.paid_amount >= self.amount_due

    @property
    def sync_status(self) -> str:
        return "synced" if self.synced_version >= self.version else "pending"


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),
                      CheckConstraint(check_in("prep_status", PREP_STATUSES), name="prep_status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer)
    product_name: Mapped[str] = mapped_column(String(200))
    sku: Mapped[str] = mapped_column(String(64), default="")
    category_id: Mapped[int | None] = mapped_column(Integer)
    station: Mapped[str] = mapped_column(String(40), default="main")
    quantity: Mapped[int] = mapped_column(Integer)
    modifiers: Mapped[list] = mapped_column(default=list)  # [{id, name, price}] as sold
    note: Mapped[str] = mapped_column(String(500), default="")
    unit_price: Mapped[int] = mapped_column(BigInteger)
    gross: Mapped[int] = mapped_column(BigInteger)
    discount_amount: Mapped[int] = mapped_column(BigInteger)
    total_price: Mapped[int] = mapped_column(BigInteger)  # gross - discount
    service_charge: Mapped[int] = mapped_column(BigInteger)
    tax_amount: Mapped[int] = mapped_column(BigInteger)
    line_total: Mapped[int] = mapped_column(BigInteger)  # total_price + service + tax
    prep_status: Mapped[str] = mapped_column(String(12), default="queued")
    voided_quantity: Mapped[int] = mapped_column(Integer, default=0)
    refunded_quantity: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[Order] = relationship(back_populates="items")


class OrderPromotion(Base):
    __tablename__ = "order_promotions"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    promotion_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str | None] = mapped_column(String(40))
    discount_amount: Mapped[int] = mapped_column(BigInteger)
    line_discounts: Mapped[list] = mapped_column(default=list)
    limited: Mapped[bool] = mapped_column(Boolean, default=False)  # drew on the outlet's allowance

    order: Mapped[Order] = relationship(back_populates="promotions")


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (CheckConstraint(check_in("method", PAYMENT_METHODS), name="method"),
                      CheckConstraint(check_in("status", PAYMENT_STATUSES), name="status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"), index=True)
    shift_uuid: Mapped[str | None] = mapped_column(String(36))
    terminal: Mapped[int] = mapped_column(Integer, default=1)
    method: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(BigInteger)  # applied to the order
    tendered: Mapped[int | None] = mapped_column(BigInteger)
    change_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(10), default="paid")
    reference: Mapped[str] = mapped_column(String(120), default="")
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="payments")


class Refund(Base):
    """A void (unpaid items removed, no money moves) or a refund (money given back)."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint(check_in("kind", REFUND_KINDS), name="kind"),
                      CheckConstraint(check_in("method", PAYMENT_METHODS, nullable=True), name="method"))

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"), index=True)
    shift_uuid: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(6))  # "void" | "refund"
    method: Mapped[str | None] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500))
    lines: Mapped[list] = mapped_column(default=list)  # [{item_id, line_no, quantity, amount}]
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="refunds")


class Shift(Base):
    __tablename__ = "shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    terminal: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(6), default="open")
    opened_by: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    opening_cash: Mapped[int] = mapped_column(BigInteger)
    closed_by: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    counted: Mapped[dict] = mapped_column(default=dict)  # {method: minor units} at close
    z_report: Mapped[dict | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)

    movements: Mapped[list[CashMovement]] = relationship(back_populates="shift", order_by="CashMovement.id")


class CashMovement(Base):
    __tablename__ = "cash_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    shift: Mapped[Shift] = relationship(back_populates="movements")


class OrderCounter(Base):
    """Per business day and terminal, the last order number handed out (offline-safe)."""

    __tablename__ = "order_counters"

    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    terminal: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
