"""The cloud's `GET /metrics`: who may scrape it, and what a Prometheus parser reads there
(request counts and latencies by url rule and status, ingested events by verdict, each
outlet's last contact, the database pool)."""
from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.cloud.factories import build_world
from tests.cloud.test_drain_ingest import Outlet_, order

TOKEN = "scrape-token-for-the-tests-0123456789"
pytestmark = pytest.mark.postgres


def families(response) -> dict:
    assert response.status_code == 200, response.get_json(silent=True)
    assert response.content_type.startswith("text/plain; version=0.0.4")
    return {family.name: family for family in text_string_to_metric_families(response.get_data(as_text=True))}


def samples(family, name: str | None = None, **labels) -> list:
    return [s for s in family.samples if (name is None or s.name == name)
            and all(s.labels.get(key) == value for key, value in labels.items())]


def scrape(client):
    return client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})


def test_without_an_allowed_address_or_the_token_metrics_are_refused(make_cloud_app):
    client = make_cloud_app(METRICS_TOKEN=TOKEN).test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 403
        assert response.json["code"] == "METRICS_FORBIDDEN"
        assert {"error", "message", "field", "code"} <= set(response.json)


def test_an_allowed_network_may_scrape_without_a_token(make_cloud_app):
    client = make_cloud_app(METRICS_ALLOW="10.20.0.0/16, 192.0.2.7").test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.3.4"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.21.0.1"}).status_code == 403


def test_in_demo_mode_loopback_scrapes_without_a_token_and_others_do_not(make_cloud_app):
    client = make_cloud_app(DEMO=True).test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403


def test_a_bad_allow_list_entry_stops_the_start(make_cloud_app):
    with pytest.raises(SystemExit, match="POS_METRICS_ALLOW"):
        make_cloud_app(METRICS_ALLOW="10.0.0.0/8, not-an-address")


def test_requests_are_counted_and_timed_by_url_rule_method_and_status(make_cloud_app):
    client = make_cloud_app(METRICS_TOKEN=TOKEN).test_client()
    before = families(scrape(client))
    rule = "/api/products/<int:product_id>/"

    def count(found, status):
        rows = samples(found["pos_http_requests"], "pos_http_requests_total", endpoint=rule, method="GET",
                       status=status) if "pos_http_requests" in found else []
        return sum(s.value for s in rows)

    assert client.get("/api/products/987654/?tenant_id=1").status_code == 404
    assert client.get("/api/products/987655/?tenant_id=1").status_code == 404
    assert client.get("/no/such/page").status_code == 404
    after = families(scrape(client))
    assert count(after, "404") - count(before, "404") == 2
    assert not [s for s in after["pos_http_requests"].samples if "987654" in s.labels["endpoint"]]
    assert samples(after["pos_http_requests"], endpoint="<unmatched>", status="404")
    latency = after["pos_http_request_duration_seconds"]
    assert latency.type == "histogram"
    buckets = samples(latency, "pos_http_request_duration_seconds_bucket", endpoint=rule, status="404")
    assert {s.labels["le"] for s in buckets} >= {"0.005", "1.0", "+Inf"}
    inf = [s.value for s in buckets if s.labels["le"] == "+Inf"]
    assert inf and inf[0] >= 2


def test_ingested_events_are_counted_by_verdict_and_the_outlet_last_contact_is_reported(make_cloud_app):
    app = make_cloud_app(METRICS_TOKEN=TOKEN)
    client = app.test_client()
    world = build_world(app)
    till = Outlet_(app, client, world.a.outlet_id)

    def verdicts(found):
        family = found.get("pos_cloud_ingest_events")
        return {s.labels["verdict"]: s.value for s in (family.samples if family else [])
                if s.name == "pos_cloud_ingest_events_total"}

    before = verdicts(families(scrape(client)))
    sold = till.event("order.snapshot", order(world.a.outlet_id))
    assert [r["status"] for r in till.push([sold])] == ["applied"]
    assert [r["status"] for r in till.push([sold])] == ["duplicate"]
    after_scrape = families(scrape(client))
    after = verdicts(after_scrape)
    assert after.get("applied", 0) - before.get("applied", 0) == 1
    assert after.get("duplicate", 0) - before.get("duplicate", 0) == 1
    contact = samples(after_scrape["pos_cloud_outlet_last_contact_timestamp_seconds"],
                      tenant_id=str(world.a.tenant_id), outlet_id=str(world.a.outlet_id))
    assert len(contact) == 1 and contact[0].value > 1.7e9
    assert "pos_cloud_db_pool_checked_out" in after_scrape
    assert samples(after_scrape["pos_cloud_db_pool_size"], limit="max")
