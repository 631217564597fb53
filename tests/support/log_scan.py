"""Logs hold no secrets: every log a real `pos` process wrote during the test session is
read for passwords, PINs, tokens, device and enrollment credentials, hashes and the
token-signing secret.

`PosProcess` registers its log when it starts (tests/support/processes.py); tests that
run `pos` another way (`pos demo`) call `watch()`. The session's last word is
`secrets_in_logs()`: tests/conftest.py fails the session's teardown on any hit, and
tests/e2e/test_zz_log_scan.py checks it as a test of its own.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path

# The demo's and the tests' passwords and PINs (CONTRACT section 7, tests/support/processes.py).
PASSWORDS = ("admin123", "owner123", "manager123", "cashier123", "kitchen123", "cashier2-secret",
             "Str0ng-password", "An0ther-password")
PINS = ("1234", "5678", "4321")

PATTERNS = {
    "access or refresh token (JWT)": re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    "device credential": re.compile(r"\bdev_[A-Za-z0-9_-]{20,}"),
    "enrollment key": re.compile(r"\benr_[A-Za-z0-9_-]{20,}"),
    "password or PIN hash (Argon2)": re.compile(r"\$argon2(?:id|i|d)\$"),
    "a PIN": re.compile(r"pin\W{1,6}(?:" + "|".join(PINS) + r")\b", re.IGNORECASE),
    "a password": re.compile("|".join(re.escape(p) for p in PASSWORDS)),
    "a sealed or hashed secret (64+ hex)": re.compile(r"(?:token_hash|key_hash|secret)\W{1,6}[0-9a-f]{64}"),
}

_logs: set[Path] = set()
_secrets: set[str] = set()
_lock = threading.Lock()


def watch(*paths: Path | str) -> None:
    """Logs to read at the end of the session."""
    with _lock:
        _logs.update(Path(path) for path in paths)


def known_secret(*values: str) -> None:
    """Exact strings (a signing secret) that must appear in no log."""
    with _lock:
        _secrets.update(value for value in values if value)


def scan_text(text: str) -> list[str]:
    """What secrets `text` holds, each as 'kind: excerpt'."""
    found = []
    for kind, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            start = max(match.start() - 40, 0)
            found.append(f"{kind}: …{text[start:match.end() + 10]!r}…")
    for secret in _secrets:
        if secret in text:
            found.append("the token-signing secret")
    return found


def secrets_in_logs() -> dict[str, list[str]]:
    """Log file -> what it holds that it must not (only logs with findings)."""
    with _lock:
        paths = sorted(_logs)
    findings = {}
    for path in paths:
        if path.exists():
            found = scan_text(path.read_text(errors="replace"))
            if found:
                findings[str(path)] = found[:10]
    return findings


def watched() -> list[Path]:
    with _lock:
        return sorted(path for path in _logs if path.exists())
