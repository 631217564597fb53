"""Cloud configuration, read from `POS_*` environment variables (see the README table)."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from cloud.gateways.midtrans import SANDBOX_URL as MIDTRANS_SANDBOX_URL
from cloud.gateways.xendit import BASE_URL as XENDIT_BASE_URL
from cloud.notifications.channels.whatsapp import DEFAULT_API_URL as WHATSAPP_API_URL
from cloud.notifications.channels.whatsapp import DEFAULT_API_VERSION as WHATSAPP_API_VERSION

WEAK_SECRETS = {"", "secret", "changeme", "change-me", "dev", "development", "test"}
MIN_SECRET_LENGTH = 32
MIN_SECRET_DISTINCT = 10  # "a" * 32 is 32 characters and no secret; a random hex string has ~15


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def secret_problem(secret: str) -> str | None:
    """Why a token-signing secret is too weak to sign with, or None."""
    if not secret:
        return "is not set"
    if secret.lower() in WEAK_SECRETS or len(secret) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters or a well-known word"
    if len(set(secret)) < MIN_SECRET_DISTINCT:
        return f"has fewer than {MIN_SECRET_DISTINCT} different characters"
    return None


def default_database_url() -> str:
    instance = Path.cwd() / "instance"
    return f"sqlite:///{instance / 'cloud.sqlite3'}"


class Config:
    """Settings for one cloud process. Tests pass overrides to `create_app`."""

    def __init__(self, **overrides):
        self.DEBUG = _bool("POS_CLOUD_DEBUG")
        self.DEMO = _bool("POS_DEMO")
        self.TESTING = False
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("POS_CLOUD_DATABASE_URL") or default_database_url()
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.JWT_SECRET_KEY = os.environ.get("POS_JWT_SECRET", "")
        self.JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=_int("POS_ACCESS_TOKEN_MINUTES", 60))
        self.JWT_REFRESH_TOKEN_EXPIRES = timedelta(hours=_int("POS_REFRESH_TOKEN_HOURS", 24))
        self.JWT_ERROR_MESSAGE_KEY = "message"
        self.PASSWORD_HASH_PROFILE = os.environ.get("POS_PASSWORD_HASH_PROFILE", "strong")
        self.RATELIMIT_STORAGE_URI = os.environ.get("POS_RATELIMIT_STORAGE_URL", "memory://")
        self.LOGIN_RATE_LIMIT = os.environ.get("POS_LOGIN_RATE_LIMIT", "10 per minute")
        self.REGISTER_RATE_LIMIT = os.environ.get("POS_REGISTER_RATE_LIMIT", "20 per hour")
        # per username, on top of the per-address limit (sync/login_throttle.py)
        self.LOGIN_FREE_FAILURES = _int("POS_LOGIN_FREE_FAILURES", 3)
        self.LOGIN_MAX_DELAY_S = _int("POS_LOGIN_MAX_DELAY_S", 60)
        self.LOGIN_LOCK_AFTER = _int("POS_LOGIN_LOCK_AFTER", 10)
        self.LOGIN_LOCK_MINUTES = _int("POS_LOGIN_LOCK_MINUTES", 15)
        self.RATELIMIT_ENABLED = True
        # by endpoint type (cloud/rate_limits.py; brief 004): per address without a user token,
        # per user with one; exports and imports in a bucket of their own
        self.RATELIMIT_PUBLIC = os.environ.get("POS_RATELIMIT_PUBLIC", "100 per hour")
        self.RATELIMIT_AUTHENTICATED = os.environ.get("POS_RATELIMIT_AUTHENTICATED", "1000 per hour")
        self.RATELIMIT_EXPORT = os.environ.get("POS_RATELIMIT_EXPORT", "50 per hour")
        # GET /metrics (sync/web/metrics.py): addresses or networks that may scrape, and/or a
        # bearer token that may; in debug and demo runs loopback may scrape without either
        self.METRICS_ALLOW = os.environ.get("POS_METRICS_ALLOW", "")
        self.METRICS_TOKEN = os.environ.get("POS_METRICS_TOKEN", "")
        # the security request log (GET /api/security/logs/): on, and kept this many days
        # (pruned by `pos cloud worker` hourly and by `pos cloud maintenance`)
        self.SECURITY_LOG_ENABLED = _bool("POS_SECURITY_LOG", True)
        self.SECURITY_LOG_KEEP_DAYS = _int("POS_SECURITY_LOG_KEEP_DAYS", 90)
        self.SLOW_QUERY_MS = _int("POS_SLOW_QUERY_MS", 100)  # a statement slower than this is a slow query
        # security alerts (cloud/services/security_alerts.py), scanned by `pos cloud worker` every minute
        self.ALERT_FAILED_LOGINS = _int("POS_ALERT_FAILED_LOGINS", 5)  # within the window, per user or address
        self.ALERT_WINDOW_MINUTES = _int("POS_ALERT_WINDOW_MINUTES", 15)
        self.ALERT_OUTLET_SILENT_MINUTES = _int("POS_ALERT_OUTLET_SILENT_MINUTES", 60)
        self.ALERT_REFUND_SHARE_PERCENT = _int("POS_ALERT_REFUND_SHARE_PERCENT", 20)
        self.RATELIMIT_HEADERS_ENABLED = True
        self.MAX_CONTENT_LENGTH = _int("POS_MAX_REQUEST_BYTES", 2 * 1024 * 1024)
        self.SYNC_PUSH_MAX_EVENTS = _int("POS_SYNC_PUSH_MAX_EVENTS", 500)
        self.SYNC_PULL_MAX_LIMIT = 1000
        self.SYNC_TOMBSTONE_RETENTION_DAYS = _int("POS_SYNC_TOMBSTONE_DAYS", 30)
        self.SYNC_CLOCK_SKEW_WARN_S = _int("POS_SYNC_CLOCK_SKEW_WARN_S", 300)
        self.ENROLLMENT_KEY_HOURS = _int("POS_ENROLLMENT_KEY_HOURS", 72)
        self.DEVICE_TOKEN_MINUTES = _int("POS_DEVICE_TOKEN_MINUTES", 60)
        self.PROMOTION_ALLOWANCE_CHUNK = _int("POS_PROMOTION_ALLOWANCE_CHUNK", 20)
        # Payment gateways: base URLs (the providers' sandboxes unless set; the simulator in the
        # demo and tests), the cloud's own public URL for the webhooks it registers, and a timeout.
        self.MIDTRANS_API_URL = os.environ.get("POS_MIDTRANS_API_URL") or MIDTRANS_SANDBOX_URL
        self.XENDIT_API_URL = os.environ.get("POS_XENDIT_API_URL") or XENDIT_BASE_URL
        self.CLOUD_PUBLIC_URL = (os.environ.get("POS_CLOUD_PUBLIC_URL") or "").rstrip("/")
        self.GATEWAY_TIMEOUT_S = _int("POS_GATEWAY_TIMEOUT_S", 10)
        # how long a dynamic QRIS / e-wallet charge may be paid (the gateways default to 15 min)
        self.GATEWAY_CHARGE_EXPIRY_S = _int("POS_GATEWAY_CHARGE_EXPIRY_S", 15 * 60)
        # Long-polls of a pending charge (`?wait=`) one process holds at once; beyond it a wait is
        # answered at once (the edge then polls). `pos cloud run` keeps two threads free of them.
        self.CHARGE_WAIT_SLOTS = _int("POS_CHARGE_WAIT_SLOTS", 4)
        # Notification channels (cloud/notifications; the worker builds them). WhatsApp: Meta's
        # Cloud API (the simulator in the demo and tests); email: any SMTP server. A channel
        # without its phone number id / host is off.
        self.WHATSAPP_API_URL = (os.environ.get("POS_WHATSAPP_API_URL") or WHATSAPP_API_URL).rstrip("/")
        self.WHATSAPP_API_VERSION = os.environ.get("POS_WHATSAPP_API_VERSION") or WHATSAPP_API_VERSION
        self.WHATSAPP_PHONE_NUMBER_ID = os.environ.get("POS_WHATSAPP_PHONE_NUMBER_ID", "")
        self.WHATSAPP_ACCESS_TOKEN = os.environ.get("POS_WHATSAPP_ACCESS_TOKEN", "")
        self.WHATSAPP_APP_SECRET = os.environ.get("POS_WHATSAPP_APP_SECRET", "")
        self.WHATSAPP_VERIFY_TOKEN = os.environ.get("POS_WHATSAPP_VERIFY_TOKEN", "")
        self.SMTP_HOST = os.environ.get("POS_SMTP_HOST", "")
        self.SMTP_PORT = _int("POS_SMTP_PORT", 587)
        self.SMTP_SECURITY = os.environ.get("POS_SMTP_SECURITY") or "starttls"
        self.SMTP_USER = os.environ.get("POS_SMTP_USER", "")
        self.SMTP_PASSWORD = os.environ.get("POS_SMTP_PASSWORD", "")
        self.SMTP_FROM = os.environ.get("POS_SMTP_FROM", "")
        self.SMTP_CA_FILE = os.environ.get("POS_SMTP_CA_FILE", "")
        self.NOTIFY_TIMEOUT_S = _int("POS_NOTIFY_TIMEOUT_S", 10)
        # The notification worker (`pos cloud worker`, cloud/services/notification_worker.py):
        # how often it looks for work, how many tries a message gets, the backoff between them,
        # and how long a claimed message stays a worker's before another may take it over.
        self.NOTIFY_POLL_S = _int("POS_NOTIFY_POLL_S", 2)
        self.NOTIFY_RULES_S = _int("POS_NOTIFY_RULES_S", 30)  # how often the worker evaluates automation rules
        self.NOTIFY_REMINDER_AFTER_H = _int("POS_NOTIFY_REMINDER_AFTER_H", 24)  # unpaid this long: payment_reminder
        self.NOTIFY_MAX_ATTEMPTS = _int("POS_NOTIFY_MAX_ATTEMPTS", 6)
        self.NOTIFY_BACKOFF_BASE_S = _int("POS_NOTIFY_BACKOFF_BASE_S", 30)
        self.NOTIFY_BACKOFF_CAP_S = _int("POS_NOTIFY_BACKOFF_CAP_S", 3600)
        self.NOTIFY_LEASE_S = _int("POS_NOTIFY_LEASE_S", 120)
        self.NOTIFY_TEST_RATE_LIMIT = os.environ.get("POS_NOTIFY_TEST_RATE_LIMIT", "10 per minute")
        self.NOTIFY_BULK_RATE_LIMIT = os.environ.get("POS_NOTIFY_BULK_RATE_LIMIT", "5 per minute")
        # API docs served from the swagger-ui-bundle package: outlets may have no internet.
        self.SWAGGER_UI_CSS = "/api/docs/assets/swagger-ui.css"
        self.SWAGGER_UI_BUNDLE_JS = "/api/docs/assets/swagger-ui-bundle.js"
        self.SWAGGER_UI_STANDALONE_PRESET_JS = "/api/docs/assets/swagger-ui-standalone-preset.js"
        self.DOCS_FAVICON = "/api/docs/assets/favicon-32x32.png"
        self.VALIDATION_ERROR_STATUS_CODE = 400
        self.AUTO_404_RESPONSE = True
        self.INFO = {"description": "Head office API of the outlet POS: tenants, users, catalog, "
                                    "promotions, customers, synced sales and the sync endpoints edges use."}
        for key, value in overrides.items():
            setattr(self, key, value)

    @property
    def permissive(self) -> bool:
        """Debug, demo and test runs may use a generated secret; production may not."""
        return self.DEBUG or self.DEMO or self.TESTING

    def check_secret(self) -> None:
        secret = self.JWT_SECRET_KEY or ""
        if secret_problem(secret):
            if self.permissive:
                if not secret:
                    import secrets

                    self.JWT_SECRET_KEY = secrets.token_urlsafe(48)
                return
            raise SystemExit(
                f"refusing to start: POS_JWT_SECRET {secret_problem(secret)}; set it to a random string of at least "
                f"{MIN_SECRET_LENGTH} characters with at least {MIN_SECRET_DISTINCT} different ones (or "
                "POS_CLOUD_DEBUG=1 / POS_DEMO=1 for a throwaway secret)"
            )

    def as_dict(self) -> dict:
        return {key: value for key, value in vars(self).items() if key.isupper()}
