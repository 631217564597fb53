"""The simulator's state and the phone's side: a message accepted, then sent, delivered
and read (or failed), each change announced by a signed status webhook.

Timing and faults live in `SimConfig` (changed through POST /_sim/config): how long each
step takes, whether the phone reads, which numbers fail and with which Meta error,
errors to answer the next sends with, and the webhook faults of `webhooks.Dispatcher`.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

from simulators.whatsapp.store import DELIVERED, FAILED, PROGRESS, READ, SENT, SimMessage, Store, iso, now
from simulators.whatsapp.webhooks import Dispatcher

DEFAULT_ACCESS_TOKEN = "EAAG-SIMULATOR-demo-access-token"
DEFAULT_APP_SECRET = "simulator-demo-app-secret"
DEFAULT_PHONE_NUMBER_ID = "109876543210987"
DEFAULT_DISPLAY_PHONE_NUMBER = "6281100000000"
DEFAULT_WABA_ID = "102290129340398"
TICK_S = 0.1
WINDOW_S = 24 * 3600   # the customer service window: free text only this long after the customer wrote

# The templates "approved in WhatsApp Manager" (name, language, body with {{1}}, {{2}}, ...): Meta's stock
# hello_world and the demo's. POST /_sim/config {"templates": [...]} replaces them.
DEFAULT_TEMPLATES = [
    {"name": "hello_world", "language": "en_US",
     "body": "Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message "
             "notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us."},
    {"name": "payment_received", "language": "id",
     "body": "Halo {{1}}, pembayaran {{2}} untuk pesanan {{3}} sudah kami terima. Terima kasih!"},
    {"name": "order_ready", "language": "id", "body": "Pesanan {{1}} sudah siap diambil."},
]
_PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")


def placeholders(body: str) -> int:
    """How many body parameters a template takes: its highest {{n}}."""
    return max((int(number) for number in _PLACEHOLDER.findall(body)), default=0)


def fill(body: str, parameters: list[str]) -> str:
    """The template's body as the phone shows it: {{n}} replaced by the n-th parameter."""
    return _PLACEHOLDER.sub(lambda match: parameters[int(match.group(1)) - 1]
                            if 0 < int(match.group(1)) <= len(parameters) else match.group(0), body)

# Titles and details of the Meta error codes the simulator can produce (Cloud API error codes page).
ERRORS = {
    1: ("API Unknown", "Invalid request or possible server error."),
    2: ("API Service", "Temporary due to downtime or due to being overloaded."),
    4: ("API Too Many Calls", "The app has reached its API call rate limit."),
    100: ("Invalid parameter", "The request included one or more unsupported or misspelled parameters."),
    131000: ("Something went wrong", "Message failed to send due to an unknown error."),
    131008: ("Required parameter is missing", "The request is missing a required parameter."),
    131009: ("Parameter value is not valid", "One or more parameter values are invalid."),
    131016: ("Service unavailable", "A service is temporarily unavailable."),
    131026: ("Message undeliverable", "Unable to deliver message. Reasons can include: the recipient phone number "
                                      "is not a WhatsApp phone number; ..."),
    131047: ("Re-engagement message", "Message failed to send because more than 24 hours have passed since the "
                                      "customer last replied to this number."),
    132000: ("Number of parameters does not match the expected number of params",
             "The number of parameters provided does not match the number expected by the template."),
    131050: ("User stopped marketing messages", "Unable to deliver marketing messages to this user."),
    130429: ("Rate limit hit", "Message failed to send because there were too many messages sent from this phone "
                               "number in a short period of time"),
    132001: ("Template name does not exist in the translation", "The template does not exist in the specified "
                                                                 "language or has not been approved."),
}


def error_object(code: int) -> dict:
    """The `errors[]` entry of a failed status, as Meta writes it."""
    title, details = ERRORS.get(code, ("Unknown error", "The simulator was told to fail with this code."))
    return {"code": code, "title": title, "message": title, "error_data": {"details": details},
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}


class SimulatorError(Exception):
    """A /_sim request that cannot be done: HTTP status, stable code, message."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


@dataclass(frozen=True)
class Account:
    """The business side: what the simulator accepts and signs with."""

    access_token: str = DEFAULT_ACCESS_TOKEN
    app_secret: str = DEFAULT_APP_SECRET
    phone_number_id: str = DEFAULT_PHONE_NUMBER_ID
    display_phone_number: str = DEFAULT_DISPLAY_PHONE_NUMBER
    waba_id: str = DEFAULT_WABA_ID


@dataclass
class SimConfig:
    webhook_url: str | None = None
    status_delays_ms: dict = field(default_factory=lambda: {SENT: 100, DELIVERED: 400, READ: 1500})
    auto_read: bool = True            # the phone opens the chat (read receipts on)
    fail_numbers: dict = field(default_factory=dict)   # wa_id (digits) -> Meta error code of its failed status
    api_errors: list = field(default_factory=list)     # answers for the next sends: [{http_status, code}]
    response_delay_ms: int = 0        # before answering a send (a slow provider)
    delay_ms: int = 0                 # before every webhook's first attempt
    duplicate: int = 0                # extra copies of every webhook
    drop_next: int = 0                # drop the next N webhooks
    reorder: bool = False             # a message's webhooks held until its last status, sent newest first
    retry_ms: list = field(default_factory=lambda: [1000, 2000, 4000, 8000, 16000])
    timeout_s: float = 5.0
    templates: list = field(default_factory=lambda: [dict(item) for item in DEFAULT_TEMPLATES])
    enforce_window: bool = False      # on: free text to a number that has not written within 24 h fails, 131047
    open_windows: dict = field(default_factory=dict)   # wa_id -> when the customer last wrote (epoch seconds)

    def as_dict(self) -> dict:
        return {key: (dict(value) if isinstance(value, dict) else list(value) if isinstance(value, list) else value)
                for key, value in self.__dict__.items()}

    def approved(self, name: str, language: str) -> dict | None:
        return next((item for item in self.templates if item["name"] == name and item["language"] == language),
                    None)

    def window_open(self, wa_id: str, moment: float) -> bool:
        wrote = self.open_windows.get(wa_id)
        return not self.enforce_window or (wrote is not None and moment - wrote < WINDOW_S)


class Simulator:
    def __init__(self, account: Account, webhook_url: str | None = None):
        self.account = account
        self.config = SimConfig(webhook_url=webhook_url)
        self.store = Store()
        self.dispatcher = Dispatcher(self.config)
        self._plan: list[tuple[float, int, str, str, int | None]] = []  # (due, seq, message id, status, error code)
        self._seq = 0  # keeps a message's steps in order when they fall due together
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- the phone's side ------------------------------------------------------------

    def accept(self, message: SimMessage, fail_code: int | None = None) -> SimMessage:
        """Keep a message the API took and plan what the phone will report (`fail_code`:
        it fails, as free text outside the window does, 131047)."""
        self.store.add(message)
        with self.store.lock:
            message.history.append({"status": message.status, "at": iso(message.created_at)})
        delays = self.config.status_delays_ms
        start = time.monotonic()
        with self._lock:
            fail_code = self.config.fail_numbers.get(message.wa_id) or fail_code
            if fail_code is not None:
                steps = [(FAILED, delays.get(SENT, 0), int(fail_code))]
            else:
                steps = [(step, delays.get(step, 0), None) for step in (PROGRESS if self.config.auto_read
                                                                         else PROGRESS[:2])]
            for step, delay, code in steps:
                self._seq += 1
                self._plan.append((start + delay / 1000, self._seq, message.id, step, code))
        self.dispatcher.wake.set()
        return message

    def set_status(self, message_id: str, status: str, error_code: int | None = None, *, final: bool | None = None):
        """Move a message to `status` now and announce it (a later planned step still follows)."""
        message = self.message(message_id)
        with self.store.lock:
            message.status = status
            message.history.append({"status": status, "at": iso(now())})
            message.error = error_object(error_code or 131026) if status == FAILED else None
            payload = self.status_payload(message, status)
        with self._lock:
            remaining = any(item[2] == message_id for item in self._plan)
        self.dispatcher.submit(message.id, status, payload, self.account.app_secret,
                               final=(not remaining) if final is None else final)
        return message

    def status_payload(self, message: SimMessage, status: str) -> dict:
        """Meta's webhook body for one status of one message."""
        item = {"id": message.id, "status": status, "timestamp": str(int(time.time())), "recipient_id": message.wa_id}
        if message.reference:
            item["biz_opaque_callback_data"] = message.reference
        if status == FAILED:
            item["errors"] = [message.error]
        else:
            category = "utility" if message.type == "template" else "service"
            item["pricing"] = {"billable": message.type == "template", "pricing_model": "PMP", "type": "regular",
                               "category": category}
        return {"object": "whatsapp_business_account", "entry": [{"id": self.account.waba_id, "changes": [{
            "value": {"messaging_product": "whatsapp",
                      "metadata": {"display_phone_number": self.account.display_phone_number,
                                   "phone_number_id": message.phone_number_id},
                      "statuses": [item]},
            "field": "messages"}]}]}

    def message(self, message_id: str) -> SimMessage:
        message = self.store.get(message_id)
        if message is None:
            raise SimulatorError(404, "MESSAGE_NOT_FOUND", f"No message {message_id}")
        return message

    def next_api_error(self) -> dict | None:
        with self._lock:
            return self.config.api_errors.pop(0) if self.config.api_errors else None

    # --- the ticker ------------------------------------------------------------------

    def run_plan(self) -> None:
        moment = time.monotonic()
        with self._lock:
            due = sorted(item for item in self._plan if item[0] <= moment)
            self._plan = [item for item in self._plan if item[0] > moment]
        for _, _, message_id, status, error_code in due:
            message = self.store.get(message_id)
            reached = PROGRESS.index(message.status) if message is not None and message.status in PROGRESS else -1
            if message is None or message.status == FAILED or (
                    status in PROGRESS and PROGRESS.index(status) <= reached):
                self._skipped(message_id)  # reset since, or already there (or failed) by hand
                continue
            self.set_status(message_id, status, error_code)

    def _skipped(self, message_id: str) -> None:
        with self._lock:
            remaining = any(item[2] == message_id for item in self._plan)
        if not remaining:
            self.dispatcher.release(message_id)  # a message held for reorder has had its last word

    def next_due(self) -> float | None:
        with self._lock:
            dues = [item[0] for item in self._plan]
        webhook = self.dispatcher.next_due()
        candidates = dues + ([webhook] if webhook is not None else [])
        return min(candidates) if candidates else None

    def tick(self) -> None:
        self.run_plan()
        self.dispatcher.run_due()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="whatsapp-sim-ticker", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.dispatcher.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.dispatcher.wake.clear()
            self.tick()
            due = self.next_due()
            wait = TICK_S if due is None else min(TICK_S, max(0.0, due - time.monotonic()))
            self.dispatcher.wake.wait(wait)

    def reset(self) -> None:
        with self._lock:
            self._plan.clear()
        self.store.clear()
        self.dispatcher.clear()
