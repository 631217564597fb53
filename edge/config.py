"""Edge configuration, read from `POS_EDGE_*` environment variables and the data dir."""
from __future__ import annotations

import os
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _bool(name: str) -> bool:
    return (os.environ.get(name) or "").strip().lower() in {"1", "true", "yes", "on"}


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def _amount(name: str, default: str) -> int:
    """An amount setting written as people write money ("50000.00"), in minor units."""
    from sync.money import parse_amount

    return parse_amount(os.environ.get(name) or default)


def default_data_dir() -> Path:
    return Path(os.environ.get("POS_EDGE_DATA_DIR") or Path.cwd() / "instance" / "edge")


class EdgeConfig:
    """Settings of one edge process. Tests pass overrides to `create_app`."""

    def __init__(self, **overrides):
        self.DATA_DIR = str(default_data_dir())
        self.CLOUD_URL = os.environ.get("POS_EDGE_CLOUD_URL", "")
        # where customers open e-receipts (the receipt's QR, `receipt_url`) when it is not the
        # cloud URL the edge enrolled with (a public name in front of a private API address)
        self.RECEIPT_BASE_URL = os.environ.get("POS_EDGE_RECEIPT_BASE_URL", "").strip()
        self.ASYNC_MODE = os.environ.get("POS_EDGE_ASYNC_MODE", "eventlet")
        self.TESTING = False
        self.DEMO = _bool("POS_DEMO")  # `pos demo` sets it: loopback may scrape /metrics without a token
        # GET /metrics (sync/web/metrics.py): addresses or networks that may scrape, and/or a bearer token
        self.METRICS_ALLOW = os.environ.get("POS_METRICS_ALLOW", "")
        self.METRICS_TOKEN = os.environ.get("POS_METRICS_TOKEN", "")
        self.PULL_INTERVAL_S = _int("POS_EDGE_PULL_INTERVAL_S", 30)
        self.PUSH_INTERVAL_S = _int("POS_EDGE_PUSH_INTERVAL_S", 5)
        self.PUSH_BATCH = _int("POS_EDGE_PUSH_BATCH", 200)
        self.BACKOFF_BASE_S = _float("POS_EDGE_BACKOFF_BASE_S", 1.0)
        self.BACKOFF_CAP_S = _float("POS_EDGE_BACKOFF_CAP_S", 60.0)
        self.BREAKER_THRESHOLD = _int("POS_EDGE_BREAKER_THRESHOLD", 3)
        self.KICK_PROBE_S = _float("POS_EDGE_KICK_PROBE_S", 3.0)  # a sale during backoff probes at most this often
        self.HTTP_TIMEOUT_S = _float("POS_EDGE_HTTP_TIMEOUT_S", 10.0)
        self.SCHEDULER_ENABLED = True
        self.PRINTING_ENABLED = True
        self.ACCESS_TOKEN_MINUTES = _int("POS_EDGE_ACCESS_TOKEN_MINUTES", 12 * 60)
        self.REFRESH_TOKEN_HOURS = _int("POS_EDGE_REFRESH_TOKEN_HOURS", 7 * 24)
        # how far the edge's clock may step back and its tokens still be honoured
        self.TOKEN_CLOCK_LEEWAY_S = _int("POS_EDGE_TOKEN_CLOCK_LEEWAY_S", 3 * 24 * 3600)
        self.LOGIN_RATE_LIMIT = os.environ.get("POS_EDGE_LOGIN_RATE_LIMIT", "30 per minute")
        # per username, on top of the per-address limit (sync/login_throttle.py)
        self.LOGIN_FREE_FAILURES = _int("POS_LOGIN_FREE_FAILURES", 3)
        self.LOGIN_MAX_DELAY_S = _int("POS_LOGIN_MAX_DELAY_S", 60)
        self.LOGIN_LOCK_AFTER = _int("POS_LOGIN_LOCK_AFTER", 10)
        self.LOGIN_LOCK_MINUTES = _int("POS_LOGIN_LOCK_MINUTES", 15)
        # the cost of the dummy hash checked for unknown usernames (the cloud's hashes' cost)
        self.PASSWORD_HASH_PROFILE = os.environ.get("POS_PASSWORD_HASH_PROFILE", "strong")
        self.KIOSK_IDLE_LOCK_S = _int("POS_EDGE_KIOSK_IDLE_LOCK_S", 120)
        self.KIOSK_SELF_IDLE_S = _int("POS_EDGE_KIOSK_SELF_IDLE_S", 90)  # self-order: back to the welcome screen
        self.KIOSK_STATUS_POLL_S = _int("POS_EDGE_KIOSK_STATUS_POLL_S", 3)
        self.KIOSK_MENU_REFRESH_S = _int("POS_EDGE_KIOSK_MENU_REFRESH_S", 60)
        self.KIOSK_SYNC_AMBER_S = _int("POS_EDGE_KIOSK_SYNC_AMBER_S", 300)  # backlog older than this: amber
        self.KIOSK_SYNC_RED_S = _int("POS_EDGE_KIOSK_SYNC_RED_S", 1800)  # ... and red
        self.KIOSK_REQUEST_TIMEOUT_S = _int("POS_EDGE_KIOSK_REQUEST_TIMEOUT_S", 10)
        self.KIOSK_DEFAULT_TERMINAL = _int("POS_EDGE_KIOSK_DEFAULT_TERMINAL", 1)  # ?terminal=N overrides per device
        self.KITCHEN_AMBER_MIN = _int("POS_EDGE_KITCHEN_AMBER_MIN", 5)  # ticket age colours on /kitchen/
        self.KITCHEN_RED_MIN = _int("POS_EDGE_KITCHEN_RED_MIN", 10)
        self.KITCHEN_REPLAY_MAX = _int("POS_EDGE_KITCHEN_REPLAY_MAX", 500)  # more missed events: a snapshot instead
        self.KITCHEN_LOG_KEEP_DAYS = _int("POS_EDGE_KITCHEN_LOG_KEEP_DAYS", 7)  # replayable kitchen events kept
        self.KITCHEN_ACK_TIMEOUT_MS = _int("POS_EDGE_KITCHEN_ACK_TIMEOUT_MS", 5000)  # the page's wait for an ack
        # a shift whose counted cash (or card) differs from the expected by more than this needs a manager
        self.SHIFT_DIFFERENCE_LIMIT = _amount("POS_EDGE_SHIFT_DIFFERENCE_LIMIT", "50000.00")
        self.MAX_CONTENT_LENGTH = _int("POS_MAX_REQUEST_BYTES", 1024 * 1024)
        # storage upkeep (edge.services.storage.upkeep, edge.services.storage.database)
        self.STORAGE_LOW_MB = _int("POS_EDGE_STORAGE_LOW_MB", 100)  # less free space: the status bar warns
        self.MAINTENANCE_INTERVAL_S = _int("POS_EDGE_MAINTENANCE_INTERVAL_S", 600)  # prune, checkpoint, reclaim
        self.INTEGRITY_CHECK_INTERVAL_S = _int("POS_EDGE_INTEGRITY_CHECK_INTERVAL_S", 3600)  # quick_check
        self.OUTBOX_KEEP_DAYS = _float("POS_EDGE_OUTBOX_KEEP_DAYS", 7)  # acknowledged events kept this long
        self.IDEMPOTENCY_KEEP_HOURS = _float("POS_EDGE_IDEMPOTENCY_KEEP_HOURS", 48)  # replayable answers kept
        self.SQLALCHEMY_DATABASE_URI = None  # derived from DATA_DIR unless overridden
        for key, value in overrides.items():
            setattr(self, key, value)
        if not self.SQLALCHEMY_DATABASE_URI:
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{Path(self.DATA_DIR) / 'edge.sqlite3'}"

    def as_dict(self) -> dict:
        return {key: value for key, value in vars(self).items() if key.isupper()}
