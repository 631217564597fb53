"""A tenant's payment gateway accounts: credentials written by the owner, sealed at rest,
never read back; and the adapter a charge or a webhook of that tenant talks through.

Credentials are sealed with AES-GCM under a key derived from the cloud's secret, so a
database dump or export does not carry them in the clear. A rotated secret makes them
unreadable: the owner enters them again (`GATEWAY_NOT_CONFIGURED` says so).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select

from cloud.gateways import CREDENTIALS, PROVIDERS, Gateway, gateway_for
from cloud.models import GatewayAccount
from sync.errors import Invalid, Unavailable
from sync.timeutil import utcnow

SEALED = "sealed:v1:"


@dataclass(frozen=True)
class GatewaySettings:
    """The cloud's gateway settings (cloud/config.py), handed to the services by the web layer."""

    secret: str
    midtrans_url: str
    xendit_url: str
    public_url: str = ""
    timeout_s: float = 10.0
    expiry_s: int = 15 * 60

    def base_url(self, provider: str) -> str:
        return self.midtrans_url if provider == "midtrans" else self.xendit_url

    def webhook_url(self, provider: str) -> str | None:
        return f"{self.public_url}/api/payments/webhook/{provider}/" if self.public_url else None

    def return_url(self) -> str | None:
        """Where a redirecting e-wallet (DANA, ShopeePay) sends the customer back: the cloud's site."""
        return f"{self.public_url}/" if self.public_url else None


def _key(secret: str, tenant_id: int) -> bytes:
    return hmac.new(secret.encode("utf-8"), b"gateway-credentials\0" + str(tenant_id).encode(), hashlib.sha256).digest()


def seal(secret: str, tenant_id: int, credentials: dict) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key(secret, tenant_id)).encrypt(nonce, json.dumps(credentials).encode("utf-8"), None)
    return SEALED + base64.b64encode(nonce + sealed).decode("ascii")


def unseal(secret: str, tenant_id: int, stored: str) -> dict | None:
    """The credentials, or None when they were sealed under another secret (or tenant)."""
    if not stored.startswith(SEALED):
        return None
    raw = base64.b64decode(stored[len(SEALED):])
    try:
        return json.loads(AESGCM(_key(secret, tenant_id)).decrypt(raw[:12], raw[12:], None))
    except InvalidTag:
        return None


def _check(provider: str, credentials: dict) -> dict:
    if provider not in PROVIDERS:
        raise Invalid(f"Unknown payment gateway; use one of {', '.join(PROVIDERS)}", "UNKNOWN_GATEWAY",
                               "provider")
    cleaned = {}
    for name in CREDENTIALS[provider]:
        value = credentials.get(name)
        if not isinstance(value, str) or not value.strip():
            raise Invalid(f"Enter the {provider} {name.replace('_', ' ')}", "CREDENTIAL_REQUIRED", name)
        cleaned[name] = value.strip()
    return cleaned


def save(session, tenant_id: int, provider: str, credentials: dict, *, is_primary: bool,
         secret: str) -> GatewayAccount:
    """Write (or replace) the tenant's account at `provider`; one primary per tenant."""
    cleaned = _check(provider, credentials)
    account = _account(session, tenant_id, provider)
    if account is None:
        account = GatewayAccount(tenant_id=tenant_id, provider=provider, sealed_credentials="")
        session.add(account)
    account.sealed_credentials = seal(secret, tenant_id, cleaned)
    account.updated_at = utcnow()
    others = [a for a in _accounts(session, tenant_id) if a is not account]
    if is_primary or not any(a.is_primary for a in others):
        for other in others:
            other.is_primary = False
        account.is_primary = True
    session.flush()
    return account


def describe(account: GatewayAccount) -> dict:
    """What an answer may say of an account: never a credential."""
    return {"provider": account.provider, "is_primary": account.is_primary,
            "credentials_set": list(CREDENTIALS[account.provider]), "updated_at": account.updated_at}


def listing(session, tenant_id: int) -> list[dict]:
    return [describe(account) for account in _accounts(session, tenant_id)]


def _accounts(session, tenant_id: int) -> list[GatewayAccount]:
    return list(session.execute(select(GatewayAccount).where(GatewayAccount.tenant_id == tenant_id)
                                .order_by(GatewayAccount.provider)).scalars())


def _account(session, tenant_id: int, provider: str) -> GatewayAccount | None:
    return session.execute(select(GatewayAccount).where(
        GatewayAccount.tenant_id == tenant_id, GatewayAccount.provider == provider)).scalar_one_or_none()


def primary_provider(session, tenant_id: int) -> str:
    for account in _accounts(session, tenant_id):
        if account.is_primary:
            return account.provider
    raise Unavailable("No payment gateway is set up for this business; take cash or card",
                             "GATEWAY_NOT_CONFIGURED", "method")


def adapter(session, tenant_id: int, provider: str, settings: GatewaySettings) -> Gateway:
    """The adapter speaking for `tenant_id` at `provider` (503 when it has no usable account)."""
    account = _account(session, tenant_id, provider)
    credentials = unseal(settings.secret, tenant_id, account.sealed_credentials) if account else None
    if credentials is None:
        raise Unavailable(f"The {provider} account of this business is not set up (or must be entered "
                                 "again); take cash or card", "GATEWAY_NOT_CONFIGURED", "method")
    return gateway_for(provider, credentials, base_url=settings.base_url(provider), timeout=settings.timeout_s)
