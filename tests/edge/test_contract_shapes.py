"""Where the edge's answers must take CONTRACT.md's shape: the list envelope for the
kitchen's open tickets and the active promotions, the sync status at the top level, and
a backlog counted in what people count (sales, shifts, customers), not raw events."""
from __future__ import annotations

ENVELOPE = {"count", "next", "previous", "results"}


def test_the_kitchens_open_tickets_come_in_the_list_envelope(cashier, cook):
    cashier.open_shift()
    first = cashier.order(cashier.item("PZ-MARG", 1, ["Regular"]))
    second = cashier.order(cashier.item("DR-COLA"))
    for order in (first, second):
        assert cashier.post(f"/api/orders/{order['id']}/confirm/").status_code == 200
    body = cook.get("/api/kitchen/orders/").json
    assert set(body) == ENVELOPE and body["count"] == 2
    assert [row["id"] for row in body["results"]] == [first["id"], second["id"]]  # oldest first
    page = cook.get("/api/kitchen/orders/?page_size=1&page=2").json
    assert [row["id"] for row in page["results"]] == [second["id"]] and page["next"] is None
    assert "page=1" in page["previous"]


def test_the_active_promotions_come_in_the_list_envelope(cashier):
    body = cashier.get("/api/promotions/active/").json
    assert set(body) == ENVELOPE
    assert body["count"] == len(body["results"]) >= 4  # the demo has one promotion of each type
    assert {"WEEKEND30"} <= {p.get("code") for p in body["results"]}


def test_the_sync_status_answers_its_fields_at_the_top_level(manager):
    body = manager.get("/api/sync/status/").json
    assert "status" not in body
    for field in ("pending", "oldest_pending_age_s", "dead", "cursor", "last_success_at", "breaker",
                  "clock_skew_s"):
        assert field in body, field
    assert isinstance(body["dead"], list) and body["breaker"] == "closed"


def test_the_backlog_counts_sales_not_events(cashier, manager):
    """Three paid sales make many events (snapshots, payments, promotion uses) and one
    shift: the status bar says 3 sales and 1 shift wait (before: "13 waiting")."""
    cashier.open_shift()
    for sku in ("PS-AGLI", "DR-COLA", "DS-TIRA"):
        order = cashier.order(cashier.item(sku, 1, ["Mild"] if sku == "PS-AGLI" else []))
        assert cashier.pay(order["id"], "cash", tendered="500000.00").status_code == 201
    status = cashier.get("/api/status/").json["sync"]
    assert status["pending"] > 4  # events
    assert status["records"] == {"sales": 3, "shifts": 1, "customers": 0}
    assert manager.get("/api/sync/status/").json["pending_records"] == status["records"]
