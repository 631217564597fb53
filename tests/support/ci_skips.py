"""Under CI=true, a test skipped for want of PostgreSQL, Chromium or Node fails instead.

Locally a missing PostgreSQL or browser is a skip (the rest of the suite still runs); in
CI it means the run did not test what it claims, so the report says so. Other skips (a
check that only applies to one database, a tmpfs that needs root) stay skips."""
from __future__ import annotations

import os

import pytest

from tests.support.needs import MACHINE_NEEDS

TRUE = {"1", "true", "yes", "on"}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in TRUE


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.skipped and in_ci() and not hasattr(report, "wasxfail"):
        reason = _skip_reason(report)
        if any(need in reason for need in MACHINE_NEEDS):
            report.outcome = "failed"
            report.longrepr = f"CI=true, and this test was skipped for want of what CI must provide: {reason}"
    return report
