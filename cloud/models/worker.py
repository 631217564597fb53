"""When each `pos cloud worker` last finished a pass: what health reads to say whether
the scheduler runs (the API and the worker are separate processes, maybe hosts)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from cloud.models.base import Base


class WorkerHeartbeat(Base):
    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(120), primary_key=True)  # host:pid
    beat_at: Mapped[datetime] = mapped_column(DateTime, index=True)
