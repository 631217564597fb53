"""Stock: what an outlet counts (stock items), what a sale uses of it (recipes), and the
per-outlet ledger of movements synced from the outlets (on-hand = their sum)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cloud.models.base import Base, Syncable, Timestamps
from sync.vocab import SOLD_OUT_TARGETS, STOCK_MOVEMENT_KINDS, STOCK_UNITS, TRANSFER_STATUSES, check_in


class StockItem(Timestamps, Syncable, Base):
    """Something counted, in an integer base unit, with its cost per base unit (minor units)
    and purchase units as whole multiples of it (a 25 kg sack: 25000 g)."""

    __tablename__ = "stock_items"
    __sync_entity__ = "stock_item"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),
                      CheckConstraint(check_in("unit", STOCK_UNITS), name="unit"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(3))
    cost: Mapped[int] = mapped_column(BigInteger, default=0)  # minor units per base unit
    purchase_units: Mapped[list] = mapped_column(default=list)  # [{"name": "sack", "multiple": 25000}]
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Recipe(Timestamps, Syncable, Base):
    """One unit of a product (or of a modifier chosen with it) uses `quantity` base units of
    a stock item. Exactly one of product_id and modifier_id is set."""

    __tablename__ = "recipes"
    __sync_entity__ = "recipe"
    __table_args__ = (
        UniqueConstraint("tenant_id", "product_id", "modifier_id", "stock_item_id"),
        CheckConstraint("(product_id IS NULL) <> (modifier_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    modifier_id: Mapped[int | None] = mapped_column(ForeignKey("modifiers.id", ondelete="CASCADE"), index=True)
    stock_item_id: Mapped[int] = mapped_column(ForeignKey("stock_items.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)


class StockMovement(Base):
    """One line of an outlet's ledger as the outlet recorded it: a signed quantity of one
    stock item, grouped by the document (`uuid`) that moved it. Append-only."""

    __tablename__ = "stock_movements"
    __table_args__ = (UniqueConstraint("outlet_id", "uuid", "stock_item_id"),
                      CheckConstraint(check_in("kind", STOCK_MOVEMENT_KINDS), name="kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    uuid: Mapped[str] = mapped_column(String(36))
    stock_item_id: Mapped[int] = mapped_column(Integer, index=True)  # kept if the item is deleted later
    kind: Mapped[str] = mapped_column(String(12))
    quantity: Mapped[int] = mapped_column(BigInteger)
    cost: Mapped[int | None] = mapped_column(BigInteger)  # receive: what it cost, minor units
    reason: Mapped[str] = mapped_column(String(500), default="")
    order_uuid: Mapped[str | None] = mapped_column(String(36), index=True)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class OutletSoldOut(Base):
    """What an outlet marked sold out ("86") at its till, as its last `sold_out.changed`
    event said: one row per outlet and item; the outlet's later event (higher outbox
    `seq`) wins, never the clock (docs/sync.md: time orders nothing)."""

    __tablename__ = "outlet_sold_out"
    __table_args__ = (UniqueConstraint("outlet_id", "target", "target_id"),
                      CheckConstraint(check_in("target", SOLD_OUT_TARGETS), name="target"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    sold_out: Mapped[bool] = mapped_column(Boolean)
    changed_by: Mapped[int | None] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    seq: Mapped[int] = mapped_column(BigInteger)  # the outbox seq of the event that set this row
    received_at: Mapped[datetime] = mapped_column(DateTime)


class Stocktake(Base):
    """An outlet's count sheet as it posted it (`stocktake.posted`): per item what the ledger
    expected, what was counted and the item's cost then; the adjustments themselves are
    in the ledger (`movement_uuid`). `variance_value`: the sum of (counted - expected) x
    cost, minor units (negative: stock missing)."""

    __tablename__ = "stocktakes"
    __table_args__ = (UniqueConstraint("outlet_id", "uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    uuid: Mapped[str] = mapped_column(String(36))
    blind: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(500), default="")
    started_by: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    posted_by: Mapped[int | None] = mapped_column(Integer)
    posted_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    movement_uuid: Mapped[str | None] = mapped_column(String(36))
    lines: Mapped[list] = mapped_column(default=list)  # [{stock_item_id, expected, counted, cost}]
    items_with_variance: Mapped[int] = mapped_column(Integer, default=0)
    variance_value: Mapped[int] = mapped_column(BigInteger, default=0)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class Transfer(Timestamps, Syncable, Base):
    """Stock sent from one outlet to another: created when the sender's `transfer.sent`
    arrives (its stock already out of the sender's ledger, kind `transfer_out`), pulled by
    the receiving outlet, `received` when the receiver's `transfer_in` arrives. The
    transfer's uuid is the uuid of both movement documents."""

    __tablename__ = "transfers"
    __sync_entity__ = "transfer"
    __table_args__ = (CheckConstraint(check_in("status", TRANSFER_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    from_outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    from_outlet_name: Mapped[str] = mapped_column(String(120), default="")
    to_outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="in_transit")
    lines: Mapped[list] = mapped_column(default=list)  # [{stock_item_id, quantity}], base units > 0
    note: Mapped[str] = mapped_column(String(500), default="")
    sent_by: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(DateTime)
    received_by: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime | None] = mapped_column(DateTime)


class ReorderPoint(Base):
    """When an outlet should reorder a stock item: at or below `reorder_level` base units on
    hand, order `reorder_quantity` (0: enough to reach the level again)."""

    __tablename__ = "reorder_points"
    __table_args__ = (UniqueConstraint("outlet_id", "stock_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    stock_item_id: Mapped[int] = mapped_column(ForeignKey("stock_items.id", ondelete="CASCADE"), index=True)
    reorder_level: Mapped[int] = mapped_column(BigInteger)
    reorder_quantity: Mapped[int] = mapped_column(BigInteger, default=0)
