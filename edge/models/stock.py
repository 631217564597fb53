"""The outlet's stock ledger: append-only movements, each a signed quantity of one stock
item in its base unit. On-hand is their sum; no figure is ever overwritten."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from edge.models.base import Base
from sync.vocab import SOLD_OUT_TARGETS, STOCK_MOVEMENT_KINDS, STOCKTAKE_STATUSES, check_in


class StockMovement(Base):
    """One stock item's line of a movement document (`uuid`: a sale, void, refund, cancel,
    receive or waste); the document travels to the cloud as one `stock.moved` event."""

    __tablename__ = "stock_movements"
    __table_args__ = (UniqueConstraint("uuid", "stock_item_id"),
                      CheckConstraint(check_in("kind", STOCK_MOVEMENT_KINDS), name="kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))
    stock_item_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(12))
    quantity: Mapped[int] = mapped_column(BigInteger)
    cost: Mapped[int | None] = mapped_column(BigInteger)  # receive: what the delivery cost, minor units
    reason: Mapped[str] = mapped_column(String(500), default="")
    order_uuid: Mapped[str | None] = mapped_column(String(36), index=True)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


APPEND_ONLY_TRIGGERS = tuple(
    f"CREATE TRIGGER stock_movements_no_{verb.lower()} BEFORE {verb} ON stock_movements "
    f"BEGIN SELECT RAISE(ABORT, 'the stock ledger is append-only'); END"
    for verb in ("UPDATE", "DELETE"))
for _trigger in APPEND_ONLY_TRIGGERS:
    event.listen(StockMovement.__table__, "after_create", DDL(_trigger))


class SoldOutMark(Base):
    """A product or a modifier a manager marked sold out ("86") at this outlet; the row's
    presence is the mark, removing it puts the item back. The outlet's own state (the
    mirror is the cloud's and a pull overwrites it), sent to the cloud as events."""

    __tablename__ = "sold_out_marks"
    __table_args__ = (UniqueConstraint("target", "target_id"),
                      CheckConstraint(check_in("target", SOLD_OUT_TARGETS), name="target"))

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    marked_by: Mapped[int | None] = mapped_column(Integer)
    marked_at: Mapped[datetime] = mapped_column(DateTime)


class Stocktake(Base):
    """A count sheet of this outlet: the items to count and what was counted; posting it
    writes the differences from the ledger as one `count` movement document. `blind`: the
    sheet does not show the expected figures while it is being counted."""

    __tablename__ = "stocktakes"
    __table_args__ = (CheckConstraint(check_in("status", STOCKTAKE_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    blind: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(500), default="")
    started_by: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    closed_by: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    movement_uuid: Mapped[str | None] = mapped_column(String(36))  # the count adjustments it posted
    lines: Mapped[list[StocktakeLine]] = relationship(back_populates="stocktake", order_by="StocktakeLine.id",
                                                      cascade="all, delete-orphan")


class StocktakeLine(Base):
    """One item of a count sheet: counted (None: not yet), and once posted what the ledger
    expected at that moment and the item's cost then (for the variance's value)."""

    __tablename__ = "stocktake_lines"
    __table_args__ = (UniqueConstraint("stocktake_id", "stock_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktakes.id", ondelete="CASCADE"), index=True)
    stock_item_id: Mapped[int] = mapped_column(Integer)
    counted: Mapped[int | None] = mapped_column(BigInteger)
    expected: Mapped[int | None] = mapped_column(BigInteger)
    cost: Mapped[int | None] = mapped_column(BigInteger)
    stocktake: Mapped[Stocktake] = relationship(back_populates="lines")
