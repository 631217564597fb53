"""Sending the e-receipt from the till: a customer gives a phone number or an email
address for a paid order. The till queues a `receipt.requested` event in its outbox (in
the request's transaction, so it works offline); the cloud sends the message once that
event and the order have synced, exactly once however often the event is pushed."""
from __future__ import annotations

import re

from edge.models import Order
from edge.services.printing import receipt_links
from edge.services.syncing import outbox
from sync import phones
from sync.errors import Conflict, Invalid
from sync.ids import new_uuid
from sync.timeutil import utcnow
from sync.vocab import NOTIFY_CHANNELS

# one plain address: no spaces, no header characters (the cloud checks it again before sending)
EMAIL = re.compile(r"^[^@\s<>,;:\"()\[\]\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9]"
                   r"(?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


def recipient_for(channel: str, raw: str) -> str:
    if channel not in NOTIFY_CHANNELS:
        raise Invalid(f"channel is one of {', '.join(NOTIFY_CHANNELS)}", "INVALID_CHANNEL", "channel")
    if channel == "whatsapp":
        try:
            return phones.normalize(raw)
        except phones.PhoneError as error:
            raise Invalid(str(error), "INVALID_PHONE", "recipient") from None
    address = raw.strip()
    if len(address) > 254 or not EMAIL.match(address):
        raise Invalid("recipient is not one email address", "INVALID_EMAIL", "recipient")
    return address


def request(session, order: Order, channel: str, raw_recipient: str, user_id: int | None) -> dict:
    """Queue the e-receipt of a paid order for one recipient; what was queued."""
    recipient = recipient_for(channel, raw_recipient)
    if order.paid_amount <= 0 or not order.is_fully_paid:
        raise Conflict("The e-receipt is sent for an order paid in full", "ORDER_NOT_PAID")
    link = receipt_links.link_for(order.uuid)
    if link is None:
        raise Conflict("This outlet is not enrolled with a cloud: there is no e-receipt to send", "NOT_ENROLLED")
    request_uuid, now = new_uuid(), utcnow()
    outbox.append(session, "receipt.requested", order.uuid, {
        "uuid": request_uuid, "order_uuid": order.uuid, "channel": channel, "recipient": recipient,
        "receipt_url": link, "requested_by": user_id, "created_at": now})
    return {"uuid": request_uuid, "order_id": order.id, "order_number": order.order_number, "channel": channel,
            "recipient": recipient, "receipt_url": link, "status": "queued", "created_at": now}
