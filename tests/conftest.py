"""Fixtures shared by every test package."""
import os

import pytest

# Tests hash passwords with Argon2's cheap profile; production uses the strong one.
os.environ.setdefault("POS_PASSWORD_HASH_PROFILE", "fast")

TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


@pytest.fixture
def anyio_backend():
    return "asyncio"
