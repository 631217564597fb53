"""The simulator's charges, in memory for the life of the process.

One `SimCharge` per charge a merchant created, whichever provider it went to. Its
`state` is the simulator's own plain word; each provider module renders it in its
provider's vocabulary (Midtrans `settlement`, Xendit `SUCCEEDED`, ...).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

OPEN, PAID, EXPIRED, CANCELLED, FAILED, REFUNDED = "open", "paid", "expired", "cancelled", "failed", "refunded"
STATES = (OPEN, PAID, EXPIRED, CANCELLED, FAILED, REFUNDED)


def now() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    """Aware datetime -> '2026-11-23T10:00:00.123Z'."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


@dataclass
class SimCharge:
    id: str                      # the gateway's id (Midtrans transaction_id, Xendit qr_... / ewc_...)
    provider: str                # "midtrans" | "xendit"
    method: str                  # qris, gopay, shopeepay, ovo, dana
    order_id: str                # what the merchant sent: Midtrans order_id, Xendit reference_id
    amount: int                  # whole rupiah (IDR has no decimals at the gateways)
    currency: str
    created_at: datetime
    expires_at: datetime
    webhook_urls: list[str]
    state: str = OPEN
    paid_at: datetime | None = None
    closed_at: datetime | None = None
    qr_string: str | None = None
    deeplink_url: str | None = None
    payment_id: str | None = None    # Xendit: the qrpy_ payment of a paid QR
    refunds: list[dict] = field(default_factory=list)
    details: dict = field(default_factory=dict)  # provider specifics (channel, properties, ...)

    @property
    def refunded(self) -> int:
        return sum(refund["amount"] for refund in self.refunds)

    @property
    def updated_at(self) -> datetime:
        stamps = [self.created_at, self.paid_at, self.closed_at] + [refund["created_at"] for refund in self.refunds]
        return max(stamp for stamp in stamps if stamp is not None)


class Store:
    """Thread-safe map of charges; the web threads and the ticker share it."""

    def __init__(self):
        self.lock = threading.RLock()
        self._charges: dict[str, SimCharge] = {}

    def add(self, charge: SimCharge) -> SimCharge:
        with self.lock:
            self._charges[charge.id] = charge
        return charge

    def get(self, charge_id: str) -> SimCharge | None:
        with self.lock:
            return self._charges.get(charge_id)

    def all(self) -> list[SimCharge]:
        with self.lock:
            return sorted(self._charges.values(), key=lambda charge: charge.created_at)

    def find(self, provider: str, reference: str) -> SimCharge | None:
        """The newest charge of `provider` whose id or merchant order id is `reference`."""
        with self.lock:
            matches = [charge for charge in self._charges.values() if charge.provider == provider
                       and reference in (charge.id, charge.order_id)]
        return max(matches, key=lambda charge: charge.created_at) if matches else None

    def due_to_expire(self, moment: datetime) -> list[SimCharge]:
        with self.lock:
            return [charge for charge in self._charges.values()
                    if charge.state == OPEN and charge.expires_at <= moment]

    def clear(self) -> None:
        with self.lock:
            self._charges.clear()
