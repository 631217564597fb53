"""This till's e-receipt links (sync/receipt_links.py): signed here, offline, with a key
derived from the device token of its enrollment; the cloud it was enrolled with serves
them. An edge not enrolled yet has none (its receipts keep the plain order reference)."""
from __future__ import annotations

import re
from pathlib import Path

from edge.context import running_app
from edge.services.syncing import credentials
from sync import receipt_links

_cache: dict = {}


def _signer(data_dir: str) -> tuple[str, int, bytes] | None:
    """(cloud URL, device id, key) of the current enrollment, read again when device.json changes."""
    path = Path(data_dir) / credentials.DEVICE_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    if _cache.get("key") != (str(path), stamp):
        device = credentials.load_device(data_dir)
        signer = None if device is None else (device.cloud_url, device.device_id,
                                              receipt_links.key_from_token(device.device_token))
        _cache.update(key=(str(path), stamp), signer=signer)
    return _cache["signer"]


PUBLIC_BASE = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")


def public_base(configured: str) -> str:
    """POS_EDGE_RECEIPT_BASE_URL checked: an http(s) URL without query or fragment (it
    prefixes `/r/...`). A wrong one stops the edge at start, not a receipt mid-sale."""
    if configured and not PUBLIC_BASE.match(configured):
        raise ValueError(f"POS_EDGE_RECEIPT_BASE_URL must be an http:// or https:// URL without a query or "
                         f"fragment (got {configured!r})")
    return configured.rstrip("/")


def link_for(order_uuid: str) -> str | None:
    """The order's e-receipt link: the receipt base URL setting, else the enrollment's cloud URL."""
    try:
        app = running_app()
    except RuntimeError:  # no app: nothing to sign with
        return None
    signer = _signer(app.config["DATA_DIR"])
    if signer is None:
        return None
    base, device_id, key = signer
    return receipt_links.url(app.config.get("RECEIPT_BASE_URL") or base, key, device_id, order_uuid)
