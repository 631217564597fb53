"""One error body for every failure: {"error", "message", "field", "code"}.

Services raise the domain's refusals (`sync.errors`, no HTTP in them); `STATUS_OF` here
is the one place that gives each kind its status, and the handlers installed by
`install_error_handlers` turn it, marshmallow validation errors, werkzeug HTTP errors and
anything unexpected into that body. Nothing ever leaks a traceback.
"""
from __future__ import annotations

import logging
import re

from apiflask import HTTPError
from werkzeug.exceptions import HTTPException

from sync import errors
from sync.errors import DomainError

log = logging.getLogger(__name__)

ERROR_NAMES = {
    400: "ValidationError",
    401: "AuthenticationError",
    403: "PermissionDenied",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "UnprocessableEntity",
    429: "RateLimited",
    500: "ServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    507: "InsufficientStorage",
}

DEFAULT_CODES = {
    400: "INVALID_REQUEST",
    401: "NOT_AUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "UNPROCESSABLE",
    429: "RATE_LIMITED",
    500: "SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
    507: "STORAGE_FULL",
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message", "code"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "field": {"type": "string", "nullable": True},
        "code": {"type": "string"},
        "details": {"type": "object"},
    },
}


class APIError(DomainError):
    """A refusal that names its own status: for what the web layer refuses itself (a body
    too large) and for a status no domain kind stands for."""

    status_code = 400

    def __init__(self, message: str, code: str | None = None, field: str | None = None, status: int | None = None,
                 extra: dict | None = None):
        self.status_code = status or self.status_code
        super().__init__(message, code or DEFAULT_CODES.get(self.status_code, "ERROR"), field, extra)


# The one table from the domain's kinds of refusal to the contract's statuses.
STATUS_OF: tuple[tuple[type[DomainError], int], ...] = (
    (errors.Invalid, 400),
    (errors.NotAuthenticated, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.Unprocessable, 422),
    (errors.TooManyAttempts, 429),
    (errors.UpstreamFailed, 502),
    (errors.Unavailable, 503),
    (errors.OutOfRoom, 507),
)

# The names the web layer has always used, for the domain's kinds.
ValidationFailed = errors.Invalid
NotAuthenticated = errors.NotAuthenticated
PermissionDenied = errors.Forbidden
NotFound = errors.NotFound
Conflict = errors.Conflict
Unprocessable = errors.Unprocessable
ServiceUnavailable = errors.Unavailable


def status_of(error: DomainError) -> int:
    if isinstance(error, APIError):
        return error.status_code
    return next((status for kind, status in STATUS_OF if isinstance(error, kind)), 400)


def refusal(error: DomainError, **extra) -> tuple[dict, int, dict]:
    """(the contract's error body, its status, headers) for a domain refusal."""
    status = status_of(error)
    headers = {}
    if getattr(error, "retry_after_s", None) is not None:
        headers["Retry-After"] = str(error.retry_after_s)
    return error_body(status, error.message, error.code, error.field, **error.extra, **extra), status, headers


def error_body(status: int, message: str, code: str | None = None, field: str | None = None, **extra) -> dict:
    body = {
        "error": ERROR_NAMES.get(status, "Error"),
        "message": message,
        "field": field,
        "code": code or DEFAULT_CODES.get(status, "ERROR"),
    }
    body.update(extra)
    return body


def _first_validation_error(detail: dict) -> tuple[str | None, str, bool]:
    """(dotted field path, message, is_missing) of the first marshmallow error."""
    # detail looks like {"json": {"price": ["..."]}} or nested {"items": {"0": {"quantity": [...]}}}
    for location_errors in detail.values():
        path: list[str] = []
        node = location_errors
        while isinstance(node, dict) and node:
            key = next(iter(node))
            if key != "_schema":
                path.append(str(key))
            node = node[key]
        messages = node if isinstance(node, list) else [str(node)]
        message = str(messages[0]) if messages else "Invalid value"
        return (".".join(path) or None), message, message.startswith("Missing data for required field")
    return None, "Invalid request", False


_LENGTH_BETWEEN = re.compile(r"^Length must be between (\d+) and (\d+)\.$")
_LONGER = re.compile(r"^Longer than maximum length (\d+)\.$")
_SHORTER = re.compile(r"^Shorter than minimum length (\d+)\.$")
_RANGE_BOTH = re.compile(r"^Must be greater than or equal to (-?[\d.]+) and less than or equal to (-?[\d.]+)\.$")
_RANGE_MIN = re.compile(r"^Must be greater than or equal to (-?[\d.]+)\.$")
_RANGE_MAX = re.compile(r"^Must be less than or equal to (-?[\d.]+)\.$")
_ONE_OF = re.compile(r"^Must be one of: (.+)\.$")


def _label(field: str | None) -> str:
    """"items.0.quantity" -> "Quantity (line 1)", "customer_name" -> "Customer name"."""
    if not field:
        return "The request"
    parts = field.split(".")
    name = next((p for p in reversed(parts) if not p.isdigit()), parts[-1]).replace("_", " ")
    label = name[:1].upper() + name[1:]
    positions = [int(p) + 1 for p in parts if p.isdigit()]
    return f"{label} (line {positions[-1]})" if positions else label


def _submitted(field: str | None):
    """The value the client sent at `field` (dotted path into the JSON body), if any."""
    from flask import has_request_context, request

    if not field or not has_request_context():
        return None
    node = request.get_json(silent=True)
    for part in field.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def plain_message(field: str | None, message: str) -> str:
    """marshmallow's validator text in words staff read on a till: "Length must be between
    1 and 500." for an empty reason is "Reason is required"; 1.5 units is "Quantity
    (line 1) must be a whole number". Messages written by hand pass through unchanged."""
    label = _label(field)
    value = _submitted(field)
    if message in ("Not a valid integer.", "Not a whole number."):
        return f"{label} must be a whole number"
    if message in ("Not a valid string.", "Not a valid boolean.", "Not a valid list.", "Invalid value.",
                   "Not a valid number."):
        kind = message[len("Not a valid "):].rstrip(".") if message.startswith("Not a valid") else "value"
        return f"{label} is not a valid {kind}"
    if message == "Field may not be null.":
        return f"{label} cannot be empty"
    if message == "Unknown field.":
        return f"Unknown field: {field}"
    if found := _LENGTH_BETWEEN.match(message):
        low, high = int(found.group(1)), int(found.group(2))
        if isinstance(value, list):
            return f"{label}: give {low} to {high}" if low > 1 else f"{label}: give at least one (at most {high})"
        if isinstance(value, str) and not value.strip() and low >= 1:
            return f"{label} is required"
        if isinstance(value, str) and len(value) > high:
            return f"{label} can be at most {high} characters"
        return f"{label} must be {low} to {high} characters"
    if found := _LONGER.match(message):
        unit = "items" if isinstance(value, list) else "characters"
        return f"{label} can be at most {found.group(1)} {unit}"
    if found := _SHORTER.match(message):
        if isinstance(value, str) and not value.strip():
            return f"{label} is required"
        unit = "items" if isinstance(value, list) else "characters"
        return f"{label} needs at least {found.group(1)} {unit}"
    if found := _RANGE_BOTH.match(message):
        return f"{label} must be from {found.group(1)} to {found.group(2)}"
    if found := _RANGE_MIN.match(message):
        return f"{label} must be at least {found.group(1)}"
    if found := _RANGE_MAX.match(message):
        return f"{label} must be at most {found.group(1)}"
    if found := _ONE_OF.match(message):
        return f"{label} must be one of: {found.group(1)}"
    return message


def _validation_body(error: HTTPError) -> dict:
    field, message, missing = _first_validation_error(error.detail or {})
    leaf = (field or "request").split(".")[-1]
    code = "REQUIRED" if missing else ("INVALID_" + leaf.upper() if not leaf.isdigit() else "INVALID_ITEM")
    message = f"{_label(field)} is required" if missing else plain_message(field, message)
    return error_body(400, message, code, field, details=error.detail)


def install_error_handlers(app) -> None:
    """Route every failure through the contract's error body."""

    @app.error_processor
    def _process(error: HTTPError):
        status = error.status_code
        if error.detail and isinstance(error.detail, dict) and not error.extra_data:
            # apiflask's validation error: marshmallow messages under their location
            return _validation_body(error), 400, error.headers
        extra = dict(error.extra_data or {})
        code = extra.pop("code", None)
        field = extra.pop("field", None)
        message = error.message or ERROR_NAMES.get(status, "Error")
        if status == 404 and message == "Not Found":
            message = "The requested URL was not found"
        return error_body(status, message, code, field, **extra), status, error.headers

    @app.errorhandler(DomainError)
    def _refused(error: DomainError):
        return refusal(error)

    @app.errorhandler(HTTPException)
    def _werkzeug(error: HTTPException):
        status = error.code or 500
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        message = error.description if status in (405, 413, 415, 429) else error.name  # 429: the limit's own words
        if status == 404:
            message = "The requested URL was not found"
        if status == 400 and error.description:
            message = error.description
        return error_body(status, message), status, headers

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, DomainError):
            return refusal(error)
        if isinstance(error, HTTPError):
            return _process(error)
        if isinstance(error, HTTPException):
            return _werkzeug(error)
        log.exception("unhandled error on %s", getattr(error, "__class__", type(error)).__name__)
        return error_body(500, "Internal server error; the failure was logged"), 500
