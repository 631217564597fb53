"""Status webhooks the way Meta sends them, and the faults a test asks for.

Each status change becomes one POST of Meta's `whatsapp_business_account` body to the
configured URL, signed `X-Hub-Signature-256: sha256=<HMAC-SHA256(app secret, body)>`
over the exact bytes sent (JSON with non-ASCII escaped, as Meta signs it). A non-2xx
answer or none is retried on `retry_ms`; `delay_ms`, `duplicate`, `drop_next` and
`reorder` (hold a message's webhooks until its last status, then send newest first:
Meta warns that order is not guaranteed) shape them. The log keeps every attempt.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field

import requests

from simulators.whatsapp.store import iso, now

DUPLICATE_SPACING_S = 0.05


def signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass
class Delivery:
    id: int
    message_id: str
    status: str
    url: str
    body: bytes
    headers: dict
    due: float
    state: str = "queued"          # queued, held, delivered, failed, dropped
    copy: int = 0
    attempts: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"id": self.id, "message_id": self.message_id, "status": self.status, "url": self.url,
                "state": self.state, "copy": self.copy, "attempts": list(self.attempts),
                "signature": self.headers.get("X-Hub-Signature-256"), "body": json.loads(self.body)}


class Dispatcher:
    def __init__(self, config):
        self.config = config
        self.lock = threading.RLock()
        self.deliveries: list[Delivery] = []
        self._held: dict[str, list[Delivery]] = {}
        self._next_id = 1
        self.wake = threading.Event()

    def submit(self, message_id: str, status: str, payload: dict, app_secret: str, *, final: bool) -> None:
        """Queue the webhook for one status of one message (nothing when no URL is set)."""
        url = self.config.webhook_url
        if not url:
            return
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode("ascii")
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature(app_secret, body),
                   "User-Agent": "facebookexternalua"}
        with self.lock:
            drop = self.config.drop_next > 0
            if drop:
                self.config.drop_next -= 1
            start = time.monotonic() + self.config.delay_ms / 1000
            for copy in range(1 if drop else 1 + self.config.duplicate):
                delivery = Delivery(self._next_id, message_id, status, url, body, headers,
                                    start + copy * DUPLICATE_SPACING_S, copy=copy)
                self._next_id += 1
                self.deliveries.append(delivery)
                if drop:
                    delivery.state = "dropped"
                elif self.config.reorder:
                    delivery.state = "held"
                    self._held.setdefault(message_id, []).append(delivery)
            if self.config.reorder and final:
                self.release(message_id)
        self.wake.set()

    def release(self, message_id: str) -> None:
        """Send a message's held webhooks, newest first."""
        with self.lock:
            held = self._held.pop(message_id, [])
            start = max([time.monotonic()] + [delivery.due for delivery in held])
            for index, delivery in enumerate(reversed(held)):
                delivery.state, delivery.due = "queued", start + index * DUPLICATE_SPACING_S
        self.wake.set()

    def release_all(self) -> None:
        with self.lock:
            held = list(self._held)
        for message_id in held:
            self.release(message_id)

    def next_due(self) -> float | None:
        with self.lock:
            dues = [delivery.due for delivery in self.deliveries if delivery.state == "queued"]
        return min(dues) if dues else None

    def run_due(self) -> int:
        moment = time.monotonic()
        with self.lock:
            due = sorted((delivery for delivery in self.deliveries
                          if delivery.state == "queued" and delivery.due <= moment), key=lambda item: item.due)
        for delivery in due:
            self._attempt(delivery)
        return len(due)

    def _attempt(self, delivery: Delivery) -> None:
        attempt = {"at": iso(now()), "status": None, "error": None}
        try:
            response = requests.post(delivery.url, data=delivery.body, headers=delivery.headers,
                                     timeout=self.config.timeout_s, allow_redirects=False)
            attempt["status"] = response.status_code
            ok = 200 <= response.status_code < 300
        except requests.RequestException as error:
            attempt["error"] = type(error).__name__
            ok = False
        with self.lock:
            delivery.attempts.append(attempt)
            retries = self.config.retry_ms
            if ok:
                delivery.state = "delivered"
            elif len(delivery.attempts) <= len(retries):
                delivery.due = time.monotonic() + retries[len(delivery.attempts) - 1] / 1000
            else:
                delivery.state = "failed"

    def log(self, message_id: str | None = None) -> list[dict]:
        with self.lock:
            return [delivery.as_dict() for delivery in self.deliveries
                    if message_id is None or delivery.message_id == message_id]

    def clear(self) -> None:
        with self.lock:
            self.deliveries.clear()
            self._held.clear()
