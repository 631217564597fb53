"""Rules of the push protocol (v1) that do not depend on either side's storage."""
from __future__ import annotations

from marshmallow import ValidationError

from sync.ids import sha256_hex
from sync.schemas import events

APPLIED, DUPLICATE, CONFLICT, REJECTED = "applied", "duplicate", "conflict", "rejected"


class EventRejected(Exception):
    """An event whose content the cloud cannot accept: parked, with this reason.
    `discrepancy` (kind, message, order_uuid, detail): what head office must also be told."""

    status = REJECTED

    def __init__(self, reason: str, discrepancy: dict | None = None):
        super().__init__(reason)
        self.discrepancy = discrepancy


class EventConflict(EventRejected):
    """An event that contradicts what the cloud holds (a snapshot older than the cloud's
    copy of the order: made on another copy of the till's database): answered `conflict`."""

    status = CONFLICT


def envelope(raw: dict) -> dict:
    try:
        return events.ENVELOPE.load(raw)  # one schema instance: building one costs more than a load
    except ValidationError as error:
        raise EventRejected(f"malformed event: {error.messages}") from None


def payload(event: dict) -> dict:
    """The loaded, validated payload of an event whose hash matches its content."""
    if sha256_hex(event["payload"]) != event["payload_sha256"]:
        raise EventRejected("payload_sha256 does not match the payload")
    if event["type"] not in events.PAYLOADS:
        raise EventRejected(f"unknown event type {event['type']!r}")
    try:
        return events.load(event["type"], event["payload"])
    except ValidationError as error:
        raise EventRejected(f"invalid {event['type']} payload: {error.messages}") from None
