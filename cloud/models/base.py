"""Declarative base, shared column mixins and the naming convention Alembic needs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

from sync.timeutil import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dict: JSON, list: JSON, datetime: DateTime},
    )


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Syncable:
    """Master data that outlets mirror: carries the tenant change version of its last write.

    `cloud.services.changefeed` assigns `sync_version` in the same transaction as the
    change (a session event, so no service can forget); pull pages by it.
    """

    __sync_entity__: str = ""
    sync_version: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0, index=True)
