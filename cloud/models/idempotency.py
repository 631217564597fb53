"""Stored first responses of creates made with an Idempotency-Key."""
from cloud.models.base import Base
from sync.web.idempotency import IdempotencyMixin


class IdempotencyRecord(IdempotencyMixin, Base):
    pass
