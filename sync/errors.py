"""What a service says when it refuses: the domain's errors, with no HTTP in them.

Services raise these with a stable machine `code`, a message staff can read and the
`field` at fault; `sync.web.errors` is the one place that turns each kind into the
contract's error body and status. Framework-free: no Flask, apiflask or werkzeug.
"""
from __future__ import annotations


class DomainError(Exception):
    """A refusal the caller can act on.

    `keeps_writes`: what the work wrote before refusing is committed anyway (a failed
    sign-in's count, a token family revoked for reuse); the apps' `writes` see to it."""

    default_code = "INVALID_REQUEST"
    keeps_writes = False

    def __init__(self, message: str, code: str | None = None, field: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field
        self.extra = dict(extra or {})


class Invalid(DomainError):
    """The input is wrong: fix `field` and try again."""


class NotAuthenticated(DomainError):
    default_code = "NOT_AUTHENTICATED"

    def __init__(self, message: str = "Authentication credentials were not provided or are invalid",
                 code: str = "NOT_AUTHENTICATED", field: str | None = None, extra: dict | None = None):
        super().__init__(message, code, field, extra)


class Forbidden(DomainError):
    default_code = "PERMISSION_DENIED"

    def __init__(self, message: str = "You do not have permission to perform this action",
                 code: str = "PERMISSION_DENIED", field: str | None = None, extra: dict | None = None):
        super().__init__(message, code, field, extra)


class NotFound(DomainError):
    default_code = "NOT_FOUND"

    def __init__(self, what: str = "Resource", code: str = "NOT_FOUND"):
        super().__init__(f"{what} not found", code)


class Conflict(DomainError):
    """The state of things does not allow it now (an order already paid, a stale version)."""

    default_code = "CONFLICT"


class Unprocessable(DomainError):
    """Well-formed, but it cannot be done as asked."""

    default_code = "UNPROCESSABLE"


class TooManyAttempts(DomainError):
    """Refused for now: wait `retry_after_s` and try again (a locked sign-in)."""

    default_code = "RATE_LIMITED"

    def __init__(self, message: str, code: str | None = None, field: str | None = None, extra: dict | None = None,
                 retry_after_s: int | None = None):
        super().__init__(message, code, field, extra)
        self.retry_after_s = retry_after_s


class OutOfRoom(DomainError):
    """The device has no room left to save it: nothing was written."""

    default_code = "STORAGE_FULL"


class UpstreamFailed(DomainError):
    """Another system this relies on (a payment gateway) refused, or answered what cannot
    be read: not the caller's input, not this app's fault."""

    default_code = "UPSTREAM_FAILED"


class Unavailable(DomainError):
    """Something this needs is not there now (the gateway offline, the database damaged)."""

    default_code = "SERVICE_UNAVAILABLE"
