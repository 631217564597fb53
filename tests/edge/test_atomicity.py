"""One user action, one transaction: the order, its outbox event and its kitchen event
are written together or not at all."""
import pytest

from edge.extensions import db
from edge.models import KitchenEvent, Order, OutboxEvent
from edge.services.syncing import outbox


def test_an_order_whose_outbox_write_fails_leaves_no_order_behind(cashier, monkeypatch):
    def broken_append(*args, **kwargs):
        raise RuntimeError("disk said no")

    monkeypatch.setattr(outbox, "append", broken_append)
    response = cashier.post("/api/orders/", {"items": [cashier.item("DR-COLA")]})
    assert response.status_code == 500
    assert "disk said no" not in response.get_data(as_text=True)  # no internals leak
    with cashier.client.application.app_context():
        assert db.session.query(Order).count() == 0
        # (the cashier's sign-in left its audit record; the order left nothing)
        assert db.session.query(OutboxEvent).filter(OutboxEvent.type != "audit.recorded").count() == 0


def test_a_confirm_whose_kitchen_event_fails_is_undone(cashier, monkeypatch):
    order = cashier.order(cashier.item("DR-COLA"))
    from edge.services.kitchen import kitchen_log

    monkeypatch.setattr(kitchen_log, "record", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    assert cashier.post(f"/api/orders/{order['id']}/confirm/").status_code == 500
    assert cashier.get(f"/api/orders/{order['id']}/").json["status"] == "pending"
    with cashier.client.application.app_context():
        assert db.session.query(KitchenEvent).count() == 0
        assert db.session.query(OutboxEvent).filter_by(type="order.snapshot").count() == 1


@pytest.mark.parametrize("pragma,expected", [("journal_mode", "wal"), ("synchronous", 2), ("foreign_keys", 1)])
def test_sqlite_runs_in_wal_with_full_sync_and_foreign_keys(edge_app, pragma, expected):
    with edge_app.app_context():
        assert db.session.execute(db.text(f"PRAGMA {pragma}")).scalar() == expected
