"""Tokens in tests: waiting for one to expire by the clock the apps read."""
import time

import jwt


def past_its_expiry(token: str) -> None:
    """Wait until the clock has passed the token's own `exp` (its lifetime: keep it short).
    A wait on that condition, not a guess at a duration."""
    expiry = jwt.decode(token, options={"verify_signature": False})["exp"]
    while time.time() < expiry + 0.05:
        time.sleep(expiry + 0.05 - time.time())
