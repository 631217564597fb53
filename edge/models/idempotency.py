"""Stored first responses of creates made with an Idempotency-Key."""
from edge.models.base import Base
from sync.web.idempotency import IdempotencyMixin


class IdempotencyRecord(IdempotencyMixin, Base):
    pass
