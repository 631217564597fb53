"""What some tests need from the machine, and the one wording of each skip for want of it.

`tests/support/ci_skips.py` knows these reasons: under `CI=true` such a skip is a failure,
since a CI run that skipped them would not have tested what it claims."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

NO_POSTGRES = "POS_TEST_POSTGRES_URL is not set"
CHROMIUM = "/usr/bin/chromium"
NO_CHROMIUM = f"Debian's Chromium is not installed at {CHROMIUM}"
NO_NODE = "node and npm are needed to run the brief's JavaScript client"
REDIS_SERVER = "/usr/bin/redis-server"
NO_REDIS = f"Debian's redis-server is not installed at {REDIS_SERVER}"
MACHINE_NEEDS = (NO_POSTGRES, NO_CHROMIUM, NO_NODE, NO_REDIS)


def require_chromium() -> str:
    """Chromium's path, or a skip (a failure under CI=true)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(NO_CHROMIUM)
    return CHROMIUM


def require_redis_server() -> str:
    """redis-server's path, or a skip (a failure under CI=true)."""
    if not Path(REDIS_SERVER).exists():
        pytest.skip(NO_REDIS)
    return REDIS_SERVER


def require_node() -> tuple[str, str]:
    """node and npm, or a skip (a failure under CI=true)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip(NO_NODE)
    return node, npm
