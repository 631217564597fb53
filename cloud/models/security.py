"""The security request log (brief 004, issue 21): who called what, from where, with what
answer and how fast. Never a body, a token, a password or a query string: the endpoint
is the route's rule (`/api/users/<int:user_id>/`), so no secret in a path lands here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cloud.models.base import Base


class RequestLogEntry(Base):
    __tablename__ = "security_request_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    tenant_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the tenant acted on, if any
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(150), default="")
    address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    method: Mapped[str] = mapped_column(String(10))
    endpoint: Mapped[str] = mapped_column(String(200))
    status: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    db_queries: Mapped[int] = mapped_column(Integer, default=0)  # SQL statements the request ran
    slow_queries: Mapped[int] = mapped_column(Integer, default=0)  # ... of which over SLOW_QUERY_MS
