"""The edge's `GET /metrics`, read with prometheus_client's own parser: requests by url
rule and status, the outbox backlog and its oldest age, each printer's queue, the kitchen
sockets connected and orders per minute."""
from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from edge.extensions import socketio
from tests.edge.conftest import login

TOKEN = "edge-scrape-token-for-the-tests-0123456789"


def scrape(client) -> dict:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.get_json(silent=True)
    return {f.name: f for f in text_string_to_metric_families(response.get_data(as_text=True))}


def value(found: dict, name: str, sample: str | None = None, **labels) -> float:
    rows = [s.value for s in found[name].samples if s.name == (sample or name)
            and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(rows) == 1, (name, labels, found[name].samples)
    return rows[0]


def test_metrics_are_refused_without_the_token_or_an_allowed_address(edge_app, client):
    edge_app.config["METRICS_TOKEN"] = TOKEN
    response = client.get("/metrics")
    assert response.status_code == 403 and response.json["code"] == "METRICS_FORBIDDEN"


def test_in_demo_mode_loopback_scrapes_without_a_token(edge_app, client):
    edge_app.config["METRICS_OPEN_ON_LOOPBACK"] = True
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.168.1.20"}).status_code == 403


def test_the_outlet_gauges_follow_sales_printing_and_screens(edge_app, client, manager):
    edge_app.config["METRICS_TOKEN"] = TOKEN
    empty = scrape(client)
    assert value(empty, "pos_edge_kitchen_sockets_connected") == 0
    printer = manager.post("/api/printers/", {"name": "grill", "kind": "file", "device": "grill.escpos",
                                              "role": "kitchen"}).json
    manager.open_shift()
    order = manager.order(manager.item("DR-COLA"), manager.item("PZ-MARG", 1, ["Regular"]))
    assert manager.get(f"/api/orders/{order['id']}/").status_code == 200
    screen = socketio.test_client(edge_app, auth={"token": login(client, "kitchen", password="kitchen123")})
    try:
        found = scrape(client)
        assert value(found, "pos_edge_kitchen_sockets_connected") == 1
    finally:
        screen.disconnect()
    assert value(found, "pos_edge_orders_per_minute") >= 1
    backlog = value(found, "pos_edge_outbox_backlog")
    assert backlog > value(empty, "pos_edge_outbox_backlog")  # nothing pushes in this test
    assert value(found, "pos_edge_outbox_oldest_age_seconds") >= 0
    assert value(found, "pos_edge_print_queue_depth", printer=printer["name"], role="kitchen") >= 0
    rule = "/api/orders/<int:order_id>/"
    assert value(found, "pos_http_requests", "pos_http_requests_total", endpoint=rule, method="GET", status="200") >= 1
    assert not [s for s in found["pos_http_requests"].samples if s.labels["endpoint"].endswith(f"/{order['id']}/")]
