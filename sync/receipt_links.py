"""The e-receipt link a receipt's QR carries: `{cloud}/r/{device_id}/{order_uuid}/{sig}`.

The till signs it offline, with a key both sides can derive and nobody else can: the
edge from its device token, the cloud from the token's SHA-256 it keeps (never the token
itself). The signature covers the device and the order, so a link cannot be guessed or
walked to another order; it is 128 bits of HMAC-SHA256, base64url.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re

PURPOSE = b"pos e-receipt link v1"
SIGNATURE_CHARS = 22  # 16 bytes of the HMAC, base64url without padding
PATH_PATTERN = re.compile(r"^[0-9a-f-]{36}$")


def key_from_token_hash(token_sha256_hex: str) -> bytes:
    """The signing key, from the device token's SHA-256 (hex, as the cloud stores it)."""
    return hmac.new(token_sha256_hex.encode("ascii"), PURPOSE, hashlib.sha256).digest()


def key_from_token(device_token: str) -> bytes:
    return key_from_token_hash(hashlib.sha256(device_token.encode("utf-8")).hexdigest())


def signature(key: bytes, device_id: int, order_uuid: str) -> str:
    digest = hmac.new(key, f"{device_id}:{order_uuid}".encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode("ascii").rstrip("=")


def url(base_url: str, key: bytes, device_id: int, order_uuid: str) -> str:
    return f"{base_url.rstrip('/')}/r/{device_id}/{order_uuid}/{signature(key, device_id, order_uuid)}"


def verify(key: bytes, device_id: int, order_uuid: str, given: str) -> bool:
    if not PATH_PATTERN.match(order_uuid or "") or len(given or "") != SIGNATURE_CHARS:
        return False
    return hmac.compare_digest(signature(key, device_id, order_uuid).encode("ascii"),
                               given.encode("ascii", "replace"))
