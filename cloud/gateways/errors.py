"""What can go wrong talking to a payment gateway, as domain errors that know no HTTP.

The web layer (the next part) maps them to the contract's error bodies: an unreachable
gateway is `GATEWAY_UNREACHABLE` at the till, a refusal carries the gateway's own code.
"""
from __future__ import annotations


class GatewayError(Exception):
    """Base of every gateway failure: which provider, a stable code, a readable message."""

    default_code = "GATEWAY_ERROR"

    def __init__(self, provider: str, message: str, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.provider = provider
        self.message = message
        self.code = code or self.default_code
        self.field = field


class GatewayUnreachable(GatewayError):
    """No answer, a timeout, or a 5xx: nothing is known about the request's effect.

    A charge that timed out may still have been created; ask `status` before charging
    the same order again.
    """

    default_code = "GATEWAY_UNREACHABLE"


class GatewayRejected(GatewayError):
    """The gateway answered and refused (bad credentials, unknown charge, a state it
    cannot change). `code` is the gateway's own (e.g. `MIDTRANS_412`, `REFUND_NOT_SUPPORTED`)."""

    default_code = "GATEWAY_REJECTED"


class GatewayBadResponse(GatewayError):
    """A 2xx/4xx answer we cannot read (not JSON, or a field we rely on missing)."""

    default_code = "GATEWAY_BAD_RESPONSE"


class GatewayUnsupported(GatewayError):
    """The provider does not offer this method or operation (e.g. withdrawing a Xendit QR)."""

    default_code = "GATEWAY_UNSUPPORTED"


class InvalidChargeRequest(GatewayError):
    """Our own request cannot be sent as is (cents on an IDR amount, OVO without a phone)."""

    default_code = "INVALID_CHARGE_REQUEST"


class CallbackMalformed(GatewayError):
    """A webhook body that is not the provider's format: answer 400, change nothing."""

    default_code = "CALLBACK_MALFORMED"


class CallbackIgnored(GatewayError):
    """A well-formed webhook for an event we do not act on: log it, answer 200."""

    default_code = "CALLBACK_IGNORED"
