"""This till's e-receipt links (sync/receipt_links.py): signed here, offline, with a key
derived from the device token of its enrollment; the cloud it was enrolled with serves
them. An edge not enrolled yet has none (its receipts keep the plain order reference)."""
from __future__ import annotations

from pathlib import Path

from edge.context import running_app
from edge.services import credentials
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


def link_for(order_uuid: str) -> str | None:
    try:
        app = running_app()
    except RuntimeError:  # no app: nothing to sign with
        return None
    signer = _signer(app.config["DATA_DIR"])
    if signer is None:
        return None
    base, device_id, key = signer
    return receipt_links.url(base, key, device_id, order_uuid)
