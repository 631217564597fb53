"""The simulator's messages, in memory for the life of the process."""
from __future__ import annotations

import base64
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

ACCEPTED, SENT, DELIVERED, READ, FAILED = "accepted", "sent", "delivered", "read", "failed"
STATUSES = (ACCEPTED, SENT, DELIVERED, READ, FAILED)
PROGRESS = (SENT, DELIVERED, READ)  # what a phone reports, in order


def now() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def new_wamid(wa_id: str) -> str:
    """An id shaped like Meta's: 'wamid.' and base64 of the recipient and a random key."""
    raw = (b"\x18" + bytes([len(wa_id)]) + wa_id.encode() + b"\x15\x02\x00\x11\x18\x12"
           + os.urandom(9).hex().upper().encode())
    return "wamid." + base64.b64encode(raw).decode("ascii")


@dataclass
class SimMessage:
    id: str                          # the wamid answered to the sender
    phone_number_id: str
    to: str                          # as the sender wrote it ('+6281…')
    wa_id: str                       # digits only, as Meta names the user
    type: str                        # text | template
    body: str                        # text.body, or the template rendered for the page
    template: dict | None
    reference: str | None            # biz_opaque_callback_data
    created_at: datetime
    status: str = ACCEPTED
    history: list[dict] = field(default_factory=list)   # [{status, at}]
    error: dict | None = None        # {code, title, message, error_data: {details}} when failed

    def as_dict(self) -> dict:
        return {"id": self.id, "phone_number_id": self.phone_number_id, "to": self.to, "wa_id": self.wa_id,
                "type": self.type, "body": self.body, "template": self.template,
                "biz_opaque_callback_data": self.reference, "status": self.status,
                "created_at": iso(self.created_at), "history": list(self.history), "error": self.error}


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self._messages: dict[str, SimMessage] = {}

    def add(self, message: SimMessage) -> SimMessage:
        with self.lock:
            self._messages[message.id] = message
        return message

    def get(self, message_id: str) -> SimMessage | None:
        with self.lock:
            return self._messages.get(message_id)

    def all(self) -> list[SimMessage]:
        with self.lock:
            return sorted(self._messages.values(), key=lambda message: message.created_at)

    def clear(self) -> None:
        with self.lock:
            self._messages.clear()
