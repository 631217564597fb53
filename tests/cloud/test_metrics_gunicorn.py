"""The cloud's `/metrics` under gunicorn with two workers: every scrape, whichever worker
answers it, sums the requests all workers served (prometheus_client's multiprocess mode)."""
from __future__ import annotations

import re

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.processes import Cloud

TOKEN = "scrape-token-for-the-gunicorn-test-0123"
pytestmark = pytest.mark.e2e


def health_count(cloud) -> float:
    response = requests.get(f"{cloud.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == 200, response.text
    total = 0.0
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == "pos_http_requests_total" and sample.labels["endpoint"] == "/api/health/":
                assert set(sample.labels) == {"endpoint", "method", "status"}
                total += sample.value
    return total


def test_two_workers_report_the_requests_both_served(tmp_path):
    metrics_dir = tmp_path / "prom"
    cloud = Cloud(tmp_path, env={"POS_METRICS_TOKEN": TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)})
    cloud.args += ["--workers", "2", "--threads", "2"]
    cloud.start()
    try:
        before = health_count(cloud)
        for _ in range(40):  # a new connection each: gunicorn hands them to both workers
            assert requests.get(f"{cloud.url}/api/health/", timeout=10).status_code == 200
        counts = {health_count(cloud) - before for _ in range(6)}
        assert counts == {40.0}, counts
        pids = {int(m.group(1)) for f in metrics_dir.iterdir() if (m := re.match(r"counter_(\d+)\.db$", f.name))}
        assert len(pids - {cloud.proc.pid}) >= 2, pids  # both workers wrote their counts
    finally:
        cloud.stop()
