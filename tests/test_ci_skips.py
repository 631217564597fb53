"""The CI=true rule itself: a skip for want of PostgreSQL, Chromium or Node fails the run,
another skip stays a skip, and without CI=true all of them are skips. A tiny test file run
by a real pytest in a subprocess, with no POS_TEST_POSTGRES_URL."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = '''
import pytest
from tests.support.needs import NO_CHROMIUM, NO_NODE, NO_POSTGRES


@pytest.fixture
def postgres():
    pytest.skip(NO_POSTGRES)  # as tests/cloud/conftest.py does, in a fixture


def test_wants_postgres(postgres):
    pass


def test_wants_chromium():
    pytest.skip(NO_CHROMIUM)


def test_wants_node():
    pytest.skip(NO_NODE)


def test_only_for_sqlite():
    pytest.skip("a SQLite pragma")
'''


def _run(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "test_tiny.py").write_text(TINY)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "POS_TEST_POSTGRES_URL", "PYTEST_XDIST_WORKER",
                                                             "PYTEST_ADDOPTS")}
    env["PYTHONPATH"] = str(ROOT)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "tests.support.ci_skips",
                           "-rA", "-q", str(tmp_path / "test_tiny.py")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("ci", ["true", "1"])
def test_under_ci_a_skip_for_want_of_postgres_chromium_or_node_fails(tmp_path, ci):
    done = _run(tmp_path, ci)
    assert done.returncode == 1, done.stdout + done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert "2 failed" in last and "1 error" in last and "1 skipped" in last, done.stdout
    assert "ERROR test_tiny.py::test_wants_postgres" in done.stdout
    assert "FAILED test_tiny.py::test_wants_chromium" in done.stdout
    assert "FAILED test_tiny.py::test_wants_node" in done.stdout
    assert "SKIPPED [1] test_tiny.py" in done.stdout and "a SQLite pragma" in done.stdout


@pytest.mark.parametrize("ci", [None, "false"])
def test_outside_ci_they_are_skips(tmp_path, ci):
    done = _run(tmp_path, ci)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 skipped" in done.stdout.strip().splitlines()[-1], done.stdout
