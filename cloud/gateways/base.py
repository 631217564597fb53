"""The one small interface every payment gateway adapter offers, and the values it speaks.

An adapter turns our request into the provider's wire format and the provider's answers
and webhooks back into an `Outcome` in our payment statuses. It holds one tenant's
credentials, talks plain HTTP through `http.send`, and knows nothing of Flask or the
database: the cloud's payment service (next part) decides what an outcome changes.

Amounts are integer minor units (1/100 of the currency unit) like everywhere in our code.
IDR has no decimals at the gateways, so an amount with cents cannot be charged.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from cloud.gateways.errors import GatewayBadResponse, InvalidChargeRequest
from sync.money import MINOR_PER_MAJOR, MoneyFormatError, parse_amount

# Payment statuses an outcome maps to (the edge's payment statuses).
PENDING, PAID, FAILED, CANCELLED, EXPIRED, REFUNDED = (
    "pending", "paid", "failed", "cancelled", "expired", "refunded")
STATUSES = (PENDING, PAID, FAILED, CANCELLED, EXPIRED, REFUNDED)
FINAL = frozenset({PAID, FAILED, CANCELLED, EXPIRED, REFUNDED})

# What an outcome is about: the payment itself, or one refund of it.
PAYMENT, REFUND = "payment", "refund"

# Refund results.
REFUND_PENDING, REFUND_SUCCEEDED, REFUND_FAILED = "pending", "succeeded", "failed"

CURRENCY = "IDR"


@dataclass(frozen=True)
class ChargeRequest:
    """A dynamic charge we ask a gateway for.

    `order_id` is our reference for this one attempt (Midtrans `order_id`, Xendit
    `reference_id`); a retry with a fresh QR needs a fresh one. `notification_url` is
    where the gateway should post webhooks when the API lets the merchant say so per
    charge (Midtrans); Xendit takes it from its dashboard. `return_url` is where an
    e-wallet app sends the customer back (Midtrans ShopeePay, Xendit DANA/ShopeePay).
    """

    order_id: str
    method: str
    amount: int
    currency: str = CURRENCY
    expiry_seconds: int = 15 * 60
    notification_url: str | None = None
    return_url: str | None = None
    customer_phone: str | None = None


@dataclass(frozen=True)
class ChargeRef:
    """Enough to find a charge again: the gateway's id and the method it was made with."""

    gateway_id: str
    method: str


@dataclass(frozen=True)
class GatewayCharge:
    """A charge the gateway created and is waiting on."""

    provider: str
    gateway_id: str
    order_id: str
    method: str
    status: str
    amount: int
    currency: str
    qr_string: str | None
    deeplink_url: str | None
    expires_at: datetime | None
    raw: dict = field(repr=False, compare=False)

    @property
    def ref(self) -> ChargeRef:
        return ChargeRef(self.gateway_id, self.method)


@dataclass(frozen=True)
class Outcome:
    """What a status query or a webhook says, in our terms.

    `kind` PAYMENT: `status` is the charge's (pending, paid, failed, cancelled, expired).
    `kind` REFUND: news of a refund of a paid charge; `status` is `refunded` when money
    went back (`amount` is then the refund's when the provider says so, else the
    charge's), `failed` when the refund failed. `refunded_amount` is the total refunded
    so far when the provider says it (0 when it does not).
    `gateway_id` is the id `ChargeRef` carries (for a refund: the refunded charge).
    `event_key` is the same for a repeated delivery of the same event, so a duplicate
    can be told from news.
    """

    provider: str
    kind: str
    gateway_id: str
    order_id: str | None
    status: str
    amount: int | None
    currency: str | None
    event_key: str
    refunded_amount: int = 0
    payment_id: str | None = None
    occurred_at: datetime | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class RefundResult:
    """The gateway's answer to a refund: only `succeeded` means the money went back."""

    provider: str
    gateway_refund_id: str
    status: str
    amount: int
    raw: dict = field(repr=False, compare=False)


class Gateway(Protocol):
    """One provider, one tenant's credentials. Every call is one HTTP exchange or two.

    Webhook order: `parse_callback` first (it only reads, to find the charge and so the
    tenant whose credentials verify it; `cloud.gateways.parse_callback(provider, body)`
    does it without credentials), then `verify_callback`; act on nothing unverified.
    """

    name: str
    methods: frozenset[str]

    def charge(self, request: ChargeRequest) -> GatewayCharge: ...

    def status(self, ref: ChargeRef) -> Outcome: ...

    def cancel(self, ref: ChargeRef) -> Outcome: ...

    def refund(self, ref: ChargeRef, *, amount: int, refund_key: str, reason: str) -> RefundResult: ...

    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> bool: ...

    def parse_callback(self, body: bytes) -> Outcome: ...


def whole_units(provider: str, amount: int, currency: str = CURRENCY) -> int:
    """Minor units -> the whole rupiah a gateway takes; cents or non-positive amounts refuse."""
    if currency != CURRENCY:
        raise InvalidChargeRequest(provider, f"{provider} charges here are in IDR only, not {currency}",
                                   "UNSUPPORTED_CURRENCY", "currency")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidChargeRequest(provider, "The amount must be a positive whole number of minor units",
                                   "INVALID_AMOUNT", "amount")
    whole, cents = divmod(amount, MINOR_PER_MAJOR)
    if cents:
        raise InvalidChargeRequest(provider, "IDR has no decimals at the gateway: the amount must be whole rupiah",
                                   "AMOUNT_HAS_CENTS", "amount")
    return whole


def minor_from_wire(provider: str, value: object) -> int:
    """A gateway amount ('10000.00', 10000, Decimal('10000.0')) -> minor units."""
    try:
        return parse_amount(value)
    except MoneyFormatError as error:
        raise GatewayBadResponse(provider, f"Unreadable amount {value!r} from {provider}: {error}") from error


def decimal_free(value: object) -> object:
    """Raw payloads keep Decimals from parsing; make them JSON-safe strings for logs."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: decimal_free(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decimal_free(item) for item in value]
    return value
