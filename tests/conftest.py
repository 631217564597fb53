"""Fixtures shared by every test package."""
import os

import pytest

pytest_plugins = ["tests.support.ci_skips"]  # CI=true: a skip for want of PostgreSQL, Chromium or Node fails

# Tests hash passwords with Argon2's cheap profile; production uses the strong one.
os.environ.setdefault("POS_PASSWORD_HASH_PROFILE", "fast")

TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    from tests.support.scheduling import LongestFirstScheduling

    return LongestFirstScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    if os.environ.get("PYTEST_XDIST_WORKER"):  # a worker: longest files first (tests/support/scheduling.py)
        from tests.support.scheduling import longest_files_first

        longest_files_first(items)


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="session", autouse=True)
def logs_hold_no_secrets():
    """After the session (each worker's, when run in parallel): no log a real `pos`
    process wrote holds a password, PIN, token, credential, hash or secret."""
    yield
    from tests.support.log_scan import secrets_in_logs

    findings = secrets_in_logs()
    assert findings == {}, f"secrets in the processes' logs: {findings}"
