"""One error body for every failure: {"error", "message", "field", "code"}.

Services raise `APIError` (or a subclass) with a stable machine code; the handlers
installed by `install_error_handlers` turn it, marshmallow validation errors, werkzeug
HTTP errors and anything unexpected into that body. Nothing ever leaks a traceback.
"""
from __future__ import annotations

import logging

from apiflask import HTTPError
from werkzeug.exceptions import HTTPException

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


class APIError(HTTPError):
    """A failure a client can act on: status, stable code, human message, field.

    `keeps_writes`: what the request wrote before failing is committed anyway (a failed
    sign-in's count, a token family revoked for reuse); the apps' `writes` see to it."""

    status_code = 400
    keeps_writes = False

    def __init__(
        self,
        message: str,
        code: str | None = None,
        field: str | None = None,
        status: int | None = None,
        extra: dict | None = None,
    ):
        status = status or self.status_code
        super().__init__(
            status,
            message,
            extra_data={"code": code or DEFAULT_CODES.get(status, "ERROR"), "field": field, **(extra or {})},
        )


class ValidationFailed(APIError):
    status_code = 400


class NotAuthenticated(APIError):
    status_code = 401

    def __init__(self, message="Authentication credentials were not provided or are invalid", code="NOT_AUTHENTICATED"):
        super().__init__(message, code)


class PermissionDenied(APIError):
    status_code = 403

    def __init__(self, message="You do not have permission to perform this action", code="PERMISSION_DENIED"):
        super().__init__(message, code)


class NotFound(APIError):
    status_code = 404

    def __init__(self, what: str = "Resource", code: str = "NOT_FOUND"):
        super().__init__(f"{what} not found", code)


class Conflict(APIError):
    status_code = 409


class Unprocessable(APIError):
    status_code = 422


class ServiceUnavailable(APIError):
    status_code = 503


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


def _validation_body(error: HTTPError) -> dict:
    field, message, missing = _first_validation_error(error.detail or {})
    leaf = (field or "request").split(".")[-1]
    code = "REQUIRED" if missing else ("INVALID_" + leaf.upper() if not leaf.isdigit() else "INVALID_ITEM")
    if missing:
        message = f"{field} is required"
    elif field and message in ("Not a valid string.", "Not a valid integer.", "Not a valid boolean.",
                                "Field may not be null.", "Unknown field.", "Invalid value.", "Not a valid list."):
        message = f"{field}: {message}"
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
        if isinstance(error, HTTPError):
            return _process(error)
        if isinstance(error, HTTPException):
            return _werkzeug(error)
        log.exception("unhandled error on %s", getattr(error, "__class__", type(error)).__name__)
        return error_body(500, "Internal server error; the failure was logged"), 500
