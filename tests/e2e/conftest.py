"""A running outlet for end-to-end tests: a cloud process seeded with the demo tenant and
an enrolled edge process (eventlet, its default mode), on free loopback ports.

Both start from copies of the worker's outlet template (tests/sync/faults.py: the demo
seeded and an edge enrolled once per worker by the same `pos` commands), which spares
each module a `pos cloud seed-demo` and a `pos edge enroll` of its own."""
from __future__ import annotations

import pytest

from tests.sync.faults import copy_outlet, templates  # noqa: F401  (templates: a fixture)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def outlet(tmp_path_factory, templates):  # noqa: F811
    cloud, edge = copy_outlet(templates("sqlite"), tmp_path_factory.mktemp("outlet"))
    try:
        cloud.start()
        edge.start()
        yield cloud, edge
    finally:
        edge.stop()
        cloud.stop()
