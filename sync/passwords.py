"""Password and PIN hashing with Argon2id.

The cloud hashes; edges verify the same hashes offline (they travel with the user
records in pull), so the format is part of the contract between them.
"""
from __future__ import annotations

import functools
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# "strong" follows OWASP's Argon2id baseline (19 MiB, t=2); "fast" keeps test suites quick.
_HASHERS = {
    "strong": PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1),
    "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}
_VERIFIER = _HASHERS["strong"]  # verification reads the parameters from the hash itself

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
PIN_RE = re.compile(r"[0-9]{4,6}")  # fullmatch: ASCII digits, nothing after


def hash_secret(secret: str, profile: str = "strong") -> str:
    return _HASHERS.get(profile, _HASHERS["strong"]).hash(secret)


def verify_secret(hashed: str | None, secret: str | None) -> bool:
    if not hashed or secret is None:
        return False
    try:
        return _VERIFIER.verify(hashed, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@functools.cache
def dummy_hash(profile: str = "strong") -> str:
    """A hash of a secret nobody knows, at the cost real hashes have: checking a secret
    against it takes as long as against a real user's hash."""
    return hash_secret(secrets.token_urlsafe(24), profile)


def check_secret(hashed: str | None, secret: str | None, profile: str = "strong") -> bool:
    """`verify_secret` that spends one verification also when there is no hash (an unknown
    username, a user without a PIN), so the answer's timing says nothing about either."""
    if not hashed:
        verify_secret(dummy_hash(profile), secret or "")
        return False
    return verify_secret(hashed, secret)


def password_problem(password: str) -> str | None:
    """Why a new password is unacceptable, or None."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be at most {MAX_PASSWORD_LENGTH} characters"
    if re.fullmatch(r"[0-9]+", password):
        return "Password must not be only digits"
    return None


def pin_problem(pin: str) -> str | None:
    if not isinstance(pin, str) or not PIN_RE.fullmatch(pin):
        return "PIN must be 4 to 6 digits"
    if len(set(pin)) == 1:
        return "PIN must not repeat one digit"
    return None
