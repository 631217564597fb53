"""Payment gateway adapters for the cloud: Midtrans (primary) and Xendit (alternative).

Each adapter is the same small interface (`base.Gateway`): charge, status, cancel,
refund, verify_callback and parse_callback. They import only `sync` and `requests`,
never Flask or the database, so the webhook route, the payment service and the tests
use them alike. `gateway_for` builds one from a tenant's credentials and the base URL
the cloud's settings give (`POS_MIDTRANS_API_URL`, `POS_XENDIT_API_URL`).
"""
from __future__ import annotations

from cloud.gateways import midtrans, xendit
from cloud.gateways.base import Gateway, Outcome
from cloud.gateways.midtrans import MidtransGateway
from cloud.gateways.xendit import XenditGateway

PROVIDERS = ("midtrans", "xendit")
# The credential fields each provider's adapter needs (write-only in the API).
CREDENTIALS = {"midtrans": ("server_key",), "xendit": ("secret_key", "callback_token")}


def gateway_for(provider: str, credentials: dict, *, base_url: str, timeout: float = 10.0) -> Gateway:
    """The adapter for `provider` with one tenant's credentials, talking to `base_url`."""
    if provider == "midtrans":
        return MidtransGateway(credentials["server_key"], base_url=base_url, timeout=timeout)
    if provider == "xendit":
        return XenditGateway(credentials["secret_key"], credentials["callback_token"], base_url=base_url,
                             timeout=timeout)
    raise ValueError(f"unknown payment gateway {provider!r}")


def parse_callback(provider: str, body: bytes) -> Outcome:
    """Read a webhook before knowing whose it is: the outcome names the charge (gateway id,
    order id), whose tenant's credentials then `verify_callback`. Acts on nothing."""
    if provider == "midtrans":
        return midtrans.parse_callback(body)
    if provider == "xendit":
        return xendit.parse_callback(body)
    raise ValueError(f"unknown payment gateway {provider!r}")
