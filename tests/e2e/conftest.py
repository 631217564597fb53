"""A running outlet for end-to-end tests: a cloud process seeded with the demo tenant and
an enrolled edge process (eventlet, its default mode), on free loopback ports."""
from __future__ import annotations

import pytest

from tests.support.processes import Cloud, Edge

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def outlet(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("outlet")
    cloud = Cloud(workdir).start()
    edge = Edge(workdir / "edge")
    try:
        edge.enroll(cloud.url, cloud.seed_demo())
        edge.start()
        yield cloud, edge
    finally:
        edge.stop()
        cloud.stop()
