"""Exponential backoff with jitter, for retrying a printer that is away.

Delays double from `base_s` up to `cap_s`; each one is drawn uniformly from the upper
half of that ceiling ("equal jitter"), so several printers that went away together do
not all come back in step, and no retry ever comes sooner than half the ceiling.
"""
from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    base_s: float = 1.0
    cap_s: float = 60.0

    def __post_init__(self) -> None:
        if not 0 < self.base_s <= self.cap_s:
            raise ValueError("backoff needs 0 < base_s <= cap_s")

    def ceiling(self, failures: int) -> float:
        """The longest delay after `failures` consecutive failures (1 = the first)."""
        exponent = max(0, min(failures - 1, 32))
        return min(self.cap_s, self.base_s * 2**exponent)

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        ceiling = self.ceiling(failures)
        return (rng or random).uniform(ceiling / 2, ceiling)
