"""Webhook delivery the way a gateway does it, and the faults a test asks for.

Every webhook is a `Delivery`: one POST of one body to one URL, retried on a non-2xx
answer or no answer at all (on a quicker schedule than the real gateways' minutes).
`WebhookConfig` (changed through POST /_sim/config) and per-action options can delay,
duplicate, drop or reorder them; the log at GET /_sim/webhooks/ shows what happened.
Deliveries go out one at a time from the simulator's ticker thread, in due order.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

import requests

from simulators.gateway.store import iso, now

DUPLICATE_SPACING_S = 0.05


@dataclass
class WebhookConfig:
    delay_ms: int = 0             # wait before the first attempt of every webhook
    duplicate: int = 0            # extra copies of every webhook
    drop_next: int = 0            # drop the next N webhooks (never sent, no retry)
    reorder: bool = False         # hold a charge's webhooks until its final one, then send newest first
    refunds_pending: bool = False  # Xendit POST /refunds answers PENDING; refund.succeeded follows by callback
    retry_ms: list[int] = field(default_factory=lambda: [1000, 2000, 4000, 8000, 16000])
    timeout_s: float = 5.0
    midtrans_notification_url: str | None = None   # Midtrans dashboard "Payment Notification URL"
    xendit_callback_url: str | None = None         # Xendit dashboard callback URL

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Delivery:
    id: int
    charge_id: str
    event: str
    url: str
    body: bytes
    headers: dict
    due: float
    state: str = "queued"        # queued, held, delivered, failed, dropped
    copy: int = 0
    attempts: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"id": self.id, "charge_id": self.charge_id, "event": self.event, "url": self.url,
                "state": self.state, "copy": self.copy, "attempts": self.attempts,
                "body": json.loads(self.body)}


class Dispatcher:
    def __init__(self, config: WebhookConfig):
        self.config = config
        self.lock = threading.RLock()
        self.deliveries: list[Delivery] = []
        self._held: dict[str, list[Delivery]] = {}
        self._next_id = 1
        self.wake = threading.Event()  # set when something may have become due

    def submit(self, charge_id: str, event: str, urls: list[str], payload: dict, headers: dict, *,
               final: bool, options: dict | None = None) -> None:
        """Queue one webhook to each URL. `final` marks the charge's last word (reorder releases
        on it). `options` (delay_ms, duplicate, drop) override the config for this action."""
        options = options or {}
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json", **headers}
        with self.lock:
            delay = options.get("delay_ms", self.config.delay_ms) / 1000
            copies = 1 + int(options.get("duplicate", self.config.duplicate))
            start = time.monotonic() + delay
            for url in urls:
                drop = bool(options.get("drop")) or self.config.drop_next > 0
                if not options.get("drop") and self.config.drop_next > 0:
                    self.config.drop_next -= 1
                for copy in range(1 if drop else copies):
                    delivery = Delivery(self._next_id, charge_id, event, url, body, headers,
                                        start + copy * DUPLICATE_SPACING_S, copy=copy)
                    self._next_id += 1
                    self.deliveries.append(delivery)
                    if drop:
                        delivery.state = "dropped"
                    elif self.config.reorder:
                        delivery.state = "held"
                        self._held.setdefault(charge_id, []).append(delivery)
            if self.config.reorder and final:
                self.release(charge_id)
        self.wake.set()

    def release(self, charge_id: str) -> None:
        """Send a charge's held webhooks, newest first."""
        with self.lock:
            held = self._held.pop(charge_id, [])
            start = max([time.monotonic()] + [delivery.due for delivery in held])
            for index, delivery in enumerate(reversed(held)):
                delivery.state, delivery.due = "queued", start + index * DUPLICATE_SPACING_S
        self.wake.set()

    def _due(self, moment: float) -> list[Delivery]:
        with self.lock:
            return sorted((delivery for delivery in self.deliveries
                           if delivery.state == "queued" and delivery.due <= moment), key=lambda item: item.due)

    def next_due(self) -> float | None:
        with self.lock:
            dues = [delivery.due for delivery in self.deliveries if delivery.state == "queued"]
        return min(dues) if dues else None

    def run_due(self) -> int:
        """Attempt every due delivery once; returns how many were attempted."""
        due = self._due(time.monotonic())
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

    def log(self, charge_id: str | None = None) -> list[dict]:
        with self.lock:
            return [delivery.as_dict() for delivery in self.deliveries
                    if charge_id is None or delivery.charge_id == charge_id]

    def clear(self) -> None:
        with self.lock:
            self.deliveries.clear()
            self._held.clear()
