"""The simulator's state and the customer's side: paying, letting a charge expire.

Provider modules own their wire formats; this module owns what happens to a charge and
asks the charge's provider module to announce it (`announcers`), which builds the signed
webhook in that provider's format and hands it to the dispatcher.
"""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from simulators.gateway.store import CANCELLED, EXPIRED, OPEN, PAID, SimCharge, Store, now
from simulators.gateway.webhooks import Dispatcher, WebhookConfig

DEFAULT_MIDTRANS_SERVER_KEY = "SB-Mid-server-SIMULATOR-demo-key"
DEFAULT_XENDIT_SECRET_KEY = "xnd_development_SIMULATOR_demo_key"
DEFAULT_XENDIT_CALLBACK_TOKEN = "simulator-demo-callback-token"
WEBHOOK_PATHS = {"midtrans": "/api/payments/webhook/midtrans/", "xendit": "/api/payments/webhook/xendit/"}
TICK_S = 0.1


class SimulatorError(Exception):
    """A /_sim request that cannot be done: HTTP status, stable code, message."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


@dataclass(frozen=True)
class Credentials:
    midtrans_server_key: str = DEFAULT_MIDTRANS_SERVER_KEY
    xendit_secret_key: str = DEFAULT_XENDIT_SECRET_KEY
    xendit_callback_token: str = DEFAULT_XENDIT_CALLBACK_TOKEN


class Simulator:
    def __init__(self, credentials: Credentials, webhook_base: str | None = None):
        base = webhook_base.rstrip("/") if webhook_base else None
        self.credentials = credentials
        self.config = WebhookConfig(
            midtrans_notification_url=base + WEBHOOK_PATHS["midtrans"] if base else None,
            xendit_callback_url=base + WEBHOOK_PATHS["xendit"] if base else None)
        self.store = Store()
        self.dispatcher = Dispatcher(self.config)
        # provider -> announce(simulator, charge, event, options): set by the provider modules
        self.announcers: dict[str, Callable] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def announce(self, charge: SimCharge, event: str, options: dict | None = None) -> None:
        self.announcers[charge.provider](self, charge, event, options)

    def charge(self, charge_id: str) -> SimCharge:
        charge = self.store.get(charge_id)
        if charge is None:
            raise SimulatorError(404, "CHARGE_NOT_FOUND", f"No charge {charge_id}")
        return charge

    def pay(self, charge_id: str, *, force: bool = False, webhook: dict | None = None) -> SimCharge:
        """Settle a charge as the customer would. `force` settles a cancelled or expired one
        too: the payment that raced the merchant's cancel or the expiry in the acquirer's network."""
        charge = self.charge(charge_id)
        with self.store.lock:
            if charge.state != OPEN and not (force and charge.state in (CANCELLED, EXPIRED)):
                raise SimulatorError(409, "CHARGE_NOT_OPEN", f"The charge is {charge.state}; only an open one "
                                     "can be paid (force=true pays a cancelled or expired one)")
            charge.state, charge.paid_at = PAID, now()
            self.announce(charge, "paid", webhook)  # under the lock: readers see the payment and its ids at once
        return charge

    def expire(self, charge_id: str, *, webhook: dict | None = None) -> SimCharge:
        charge = self.charge(charge_id)
        with self.store.lock:
            if charge.state != OPEN:
                raise SimulatorError(409, "CHARGE_NOT_OPEN", f"The charge is {charge.state}; only an open one expires")
            charge.state, charge.closed_at = EXPIRED, now()
            self.announce(charge, "expired", webhook)
        return charge

    def expire_due(self) -> None:
        for charge in self.store.due_to_expire(now()):
            with contextlib.suppress(SimulatorError):  # paid or cancelled since the look: nothing to expire
                self.expire(charge.id)

    def tick(self) -> None:
        self.expire_due()
        self.dispatcher.run_due()

    def start(self) -> None:
        """Run expiries and webhook deliveries in one background thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="gateway-sim-ticker", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.dispatcher.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.dispatcher.wake.clear()  # before the tick: a submit during it still wakes the wait
            self.tick()
            due = self.dispatcher.next_due()
            wait = TICK_S if due is None else min(TICK_S, max(0.0, due - time.monotonic()))
            self.dispatcher.wake.wait(wait)

    def reset(self) -> None:
        self.store.clear()
        self.dispatcher.clear()
