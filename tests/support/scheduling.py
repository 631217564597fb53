"""How pytest-xdist hands the suite to its workers: the longest work first, none of it in
one piece longer than it must be.

xdist's `--dist loadfile` sends whole files (a module's fixtures, such as an e2e module's
cloud and edge processes, start once) in order of their number of tests, so the files
with a few long tests (the SIGKILL and clock fault scenarios, 60-130 s each) went last
and one worker ran them alone while the others had finished. Here:

- each file is still one piece, except the schemathesis module, which is cut into
  `CHUNKS` pieces (its tests share no fixture beyond the function), and the fault
  scenarios (`tests/sync/test_faults_*.py`, whose only shared fixture is the session's
  database templates), one piece per test;
- every worker orders what it collected by the file's measured seconds, longest first
  (`durations.json`, from a run's `--junitxml`; a file not in it counts `UNKNOWN_S`), and
  the scheduler keeps that order, so the long pieces start first.

Refresh the durations after the suite changes much:
`pytest --junitxml=run.xml ...; python -m tests.support.scheduling run.xml`.
"""
from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from xdist.scheduler import LoadScopeScheduling

DURATIONS = Path(__file__).with_name("durations.json")
CHUNKS = {"tests/cloud/test_schemathesis.py": 6}
ONE_PIECE_PER_TEST = ("tests/sync/test_faults_",)
UNKNOWN_S = 10.0


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def _seconds() -> dict[str, float]:
    return json.loads(DURATIONS.read_text()) if DURATIONS.exists() else {}


def longest_files_first(items: list) -> None:
    """Reorder the collected items in place: files by measured seconds, longest first; a
    file's own tests keep their order (module fixtures start once)."""
    seconds = _seconds()
    first_seen: dict[str, int] = {}
    for index, item in enumerate(items):
        first_seen.setdefault(_file_of(item.nodeid), index)
    items.sort(key=lambda item: (-seconds.get(_file_of(item.nodeid), UNKNOWN_S),
                                 first_seen[_file_of(item.nodeid)]))


class LongestFirstScheduling(LoadScopeScheduling):
    """Whole files, except the pieces above, in the order the workers collected them."""

    def __init__(self, config, log=None):
        super().__init__(config, log)
        config.option.loadscopereorder = False  # keep the longest-first order of the collection
        self._scope_of: dict[str, str] = {}
        self._seen: Counter[str] = Counter()

    def _split_scope(self, nodeid: str) -> str:
        scope = self._scope_of.get(nodeid)
        if scope is None:  # first asked in collection order, so the pieces are stable
            path = _file_of(nodeid)
            if path in CHUNKS:
                scope = f"{path}::piece-{self._seen[path] % CHUNKS[path]}"
            elif path.startswith(ONE_PIECE_PER_TEST):
                scope = nodeid
            else:
                scope = path
            self._seen[path] += 1
            self._scope_of[nodeid] = scope
        return scope


def durations_from_junit(junit: Path) -> dict[str, float]:
    """Seconds per test file from pytest's `--junitxml` report."""
    seconds: Counter[str] = Counter()
    for case in ET.parse(junit).iter("testcase"):
        parts = case.get("classname", "").split(".")
        path = "/".join(part for part in parts if not part[:1].isupper()) + ".py"
        seconds[path] += float(case.get("time") or 0)
    return {path: round(value, 1) for path, value in sorted(seconds.items()) if Path(path).exists()}


if __name__ == "__main__":
    DURATIONS.write_text(json.dumps(durations_from_junit(Path(sys.argv[1])), indent=0, sort_keys=True) + "\n")
