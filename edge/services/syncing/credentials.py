"""Files in the data dir that make this edge itself: its device credential from
enrollment and the secret its local login tokens are signed with. Owner-only."""
from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

DEVICE_FILE = "device.json"
SECRET_FILE = "secret.key"


@dataclass
class DeviceCredential:
    device_id: int
    device_token: str
    cloud_url: str
    tenant_id: int
    outlet_id: int
    outlet_code: str
    device_name: str
    number_space: int | None = None  # order-numbering space (None: enrolled before spaces; asked at start)
    forked_from_id: int | None = None  # the device whose database this one's was a copy of


def _write_private(path: Path, text: str) -> None:
    """Write atomically with mode 0600, never leaving a readable partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def save_device(data_dir: str | Path, credential: DeviceCredential, name: str = DEVICE_FILE) -> Path:
    path = Path(data_dir) / name
    _write_private(path, json.dumps(asdict(credential), indent=2))
    return path


def load_device(data_dir: str | Path) -> DeviceCredential | None:
    path = Path(data_dir) / DEVICE_FILE
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    known = DeviceCredential.__dataclass_fields__
    return DeviceCredential(**{k: v for k, v in data.items() if k in known})


def jwt_secret(data_dir: str | Path) -> str:
    """This edge's token-signing secret, created on first use."""
    path = Path(data_dir) / SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(48)
    _write_private(path, secret)
    return secret
