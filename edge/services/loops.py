"""Background jobs of `pos edge run` that repeat on the monotonic clock.

A device's wall clock jumps: a box that boots in 1970 gets NTP time a minute later, a
dead RTC battery sets it back days. A scheduler that plans runs on the wall clock
either replays every run it thinks it missed (years of one-second runs: the process
froze and ran out of memory) or sleeps until the wall clock catches up (days without a
push or a pull). Each loop here waits with `Event.wait(timeout)`, which counts on the
monotonic clock (so does eventlet's hub), so a step of the wall clock changes nothing
about when the next run comes. Wall time stays for what people read.

One thread (a green one under eventlet) per job: a job never runs twice at once, and
kicks that arrive while it runs coalesce into one more run right after it.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Loop:
    def __init__(self, name: str, job: Callable[[], None], interval_s: float, *, first_delay_s: float = 0.0):
        self.name, self.job = name, job
        self.interval_s, self.first_delay_s = float(interval_s), float(first_delay_s)
        self.runs = 0
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_failure: str | None = None

    def start(self) -> Loop:
        self._thread = threading.Thread(target=self._run, name=f"edge-{self.name}", daemon=True)
        self._thread.start()
        return self

    def kick(self) -> None:
        """Run as soon as possible (right after the run under way, if any)."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopping.is_set()

    def _run(self) -> None:
        delay = self.first_delay_s
        while not self._stopping.is_set():
            self._wake.wait(delay)
            if self._stopping.is_set():
                return
            self._wake.clear()
            self._run_once()
            delay = self.interval_s

    def _run_once(self) -> None:
        try:
            self.job()
        except Exception as error:  # keep the loop alive; say it once, not every second
            said = f"{error.__class__.__name__}: {error}"
            if said != self._last_failure:
                log.exception("%s failed (said once until it changes or recovers)", self.name)
            self._last_failure = said
        else:
            if self._last_failure is not None:
                log.info("%s works again", self.name)
            self._last_failure = None
        finally:
            self.runs += 1
