"""The kitchen's Socket.IO protocol (CONTRACT.md section 5), in process: Flask-SocketIO's
test client against an enrolled edge in threading mode. The real-process behaviour
(eventlet, reconnects, restarts, the page) is in tests/e2e/test_kitchen_*.py."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from edge.extensions import db, socketio
from edge.models import KitchenEvent, Order
from edge.services.kitchen import kitchen_log
from tests.edge.conftest import login

# --- helpers ---------------------------------------------------------------------------

class Screen:
    """A Socket.IO test client with the received events kept in order."""

    def __init__(self, app, token, **auth):
        self.client = socketio.test_client(app, auth={"token": token, **auth} if token is not None else None)
        self.seen: list[tuple[str, object]] = []

    @property
    def connected(self) -> bool:
        return self.client.is_connected()

    def pull(self) -> list[tuple[str, object]]:
        fresh = [(m["name"], m["args"][0] if m["args"] else None) for m in self.client.get_received()]
        self.seen += fresh
        return fresh

    def named(self, name: str) -> list:
        self.pull()
        return [data for event, data in self.seen if event == name]

    def order_events(self) -> list[tuple[str, dict]]:
        self.pull()
        return [(event, data) for event, data in self.seen
                if event in ("order_created", "order_updated", "order_completed", "order_cancelled")]

    def emit(self, event, data):
        return self.client.emit(event, data, callback=True)

    def close(self):
        if self.connected:
            self.client.disconnect()


@pytest.fixture
def screens(edge_app):
    opened = []

    def open_screen(token, **auth):
        screen = Screen(edge_app, token, **auth)
        opened.append(screen)
        return screen

    yield open_screen
    for screen in opened:
        screen.close()


@pytest.fixture
def cook_token(client):
    return login(client, "kitchen", password="kitchen123")


@pytest.fixture
def cashier_token(client):
    return login(client, "cashier", pin="1234")


@pytest.fixture
def manager_token(client):
    return login(client, "manager", password="manager123")


def confirmed(cashier, *items, **fields):
    order = cashier.order(*(items or (cashier.item("PZ-MARG", 1, ["Large", "Mushrooms"], note="well done"),
                                      cashier.item("DR-COLA", 2, ["No ice"]))), **fields)
    response = cashier.post(f"/api/orders/{order['id']}/confirm/")
    assert response.status_code == 200, response.json
    return response.json


def outlet_id(app) -> int:
    from edge.services.syncing import outlet

    with app.app_context():
        return outlet.outlet(db.session).id


# --- connecting ------------------------------------------------------------------------

@pytest.mark.parametrize("auth", [None, {}, {"token": ""}, {"token": "not-a-jwt"}, {"token": 42}])
def test_a_missing_or_bad_token_is_refused(edge_app, auth):
    client = socketio.test_client(edge_app, auth=auth)
    assert not client.is_connected()


def test_a_refresh_token_is_not_an_access_token(edge_app, client, screens):
    refresh = client.post("/api/auth/login/", json={"username": "kitchen", "password": "kitchen123"}).json["refresh"]
    assert not screens(refresh).connected


def test_a_revoked_token_is_refused(client, screens, cook_token):
    assert client.post("/api/auth/logout/", headers={"Authorization": f"Bearer {cook_token}"}).status_code in (200,
                                                                                                               204)
    assert not screens(cook_token).connected


def test_connect_greets_and_sends_a_snapshot_of_open_tickets(edge_app, cashier, screens, cook_token):
    first = confirmed(cashier)
    screen = screens(cook_token)
    assert screen.connected
    events = screen.pull()
    names = [name for name, _ in events]
    assert names == ["connected", "snapshot", "synced"]
    hello = events[0][1]
    assert set(hello) >= {"message", "socketId", "timestamp"} and hello["outletId"] == outlet_id(edge_app)
    snapshot = events[1][1]
    assert [t["id"] for t in snapshot["tickets"]] == [first["id"]]
    assert snapshot["reason"] == "fresh" and snapshot["last_seq"] == 1 and snapshot["log_id"]
    assert events[2][1]["mode"] == "snapshot" and events[2][1]["last_seq"] == 1


# --- live events -----------------------------------------------------------------------

def test_a_confirmed_order_reaches_every_screen_with_its_seq_and_stations(cashier, screens, cook_token,
                                                                           cashier_token):
    cook, pos = screens(cook_token), screens(cashier_token)
    order = confirmed(cashier, table="7", customer_name="Siti")
    for screen in (cook, pos):
        created = screen.named("order_created")
        assert len(created) == 1
        ticket = created[0]
        assert ticket["id"] == order["id"] and ticket["order_number"] == order["order_number"]
        assert ticket["seq"] == 1 and ticket["status"] == "confirmed" and ticket["table"] == "7"
        assert ticket["customer_name"] == "Siti" and ticket["source"] == "pos" and ticket["confirmed_at"]
        pizza, cola = ticket["items"]
        assert (pizza["station"], pizza["modifiers"], pizza["note"]) == ("oven", ["Large", "Mushrooms"], "well done")
        assert (cola["station"], cola["quantity"], cola["modifiers"]) == ("bar", 2, ["No ice"])
        assert "unit_price" not in pizza  # cooks see no prices


def test_a_draft_or_pending_order_is_not_a_ticket(cashier, screens, cook_token):
    screen = screens(cook_token)
    cashier.order(cashier.item("DR-COLA"))
    assert screen.named("order_created") == []


def test_subscribe_to_own_outlet_is_acknowledged_and_another_is_refused(edge_app, screens, cook_token):
    screen = screens(cook_token)
    own = outlet_id(edge_app)
    assert screen.emit("subscribe_outlet", own)["outletId"] == own
    assert screen.named("subscribed")[0]["outletId"] == own
    refused = screen.emit("subscribe_outlet", own + 1)
    assert refused["code"] == "OUTLET_FORBIDDEN" and refused["error"] == "PermissionDenied"
    assert screen.named("error")[0]["event"] == "subscribe_outlet"


def test_identify_records_the_screen_for_the_status_bar(edge_app, cashier, screens, cook_token):
    screen = screens(cook_token)
    ack = screen.emit("identify", {"type": "kitchen", "outletId": outlet_id(edge_app), "station": "oven"})
    assert ack["type"] == "kitchen" and ack["station"] == "oven"
    kitchen = cashier.get("/api/status/").json["kitchen"]
    assert kitchen["screens"] == 1 and kitchen["stations"] == ["oven"]
    assert screen.emit("identify", {"type": "toaster"})["code"] == "INVALID_TYPE"
    assert screen.emit("identify", {"type": "kitchen", "outletId": 999})["code"] == "OUTLET_FORBIDDEN"


# --- changes over the socket are the REST changes ----------------------------------------

def test_update_status_over_the_socket_is_persisted_acknowledged_and_broadcast(cashier, screens, cook_token,
                                                                               cashier_token):
    order = confirmed(cashier)
    cook, pos = screens(cook_token), screens(cashier_token)
    ack = cook.emit("update_status", {"id": order["id"], "order_number": "ORD-001", "outlet_id": order["outlet_id"],
                                      "status": "preparing"})
    assert ack["orderId"] == order["id"] and ack["status"] == "preparing" and ack["seq"] == 2 and ack["timestamp"]
    assert cook.named("status_updated") == [ack]
    update = pos.named("order_updated")[0]
    assert (update["id"], update["status"], update["seq"]) == (order["id"], "preparing", 2) and update["timestamp"]
    assert cashier.get(f"/api/orders/{order['id']}/").json["status"] == "preparing"
    # ... and a REST change reaches the screens the same way
    cashier.client.post(f"/api/kitchen/orders/{order['id']}/ready/", headers=cashier.headers)
    assert [u["status"] for u in cook.named("order_updated")] == ["preparing", "ready"]


def test_an_illegal_transition_is_an_error_event_in_the_contract_format(cashier, screens, cook_token):
    order = confirmed(cashier)
    cook = screens(cook_token)
    refused = cook.emit("update_status", {"id": order["id"], "status": "served"})
    assert refused == {**refused, "error": "Conflict", "code": "INVALID_TRANSITION", "event": "update_status",
                       "orderId": order["id"]}
    assert cook.named("error") == [refused] and cook.named("status_updated") == []
    for bad in ({"id": order["id"], "status": "confirmed"}, {"status": "ready"}, {"id": "x", "status": "ready"},
                "ready", None, {"id": 99999, "status": "ready"}):
        assert cook.emit("update_status", bad)["error"] in ("ValidationError", "NotFound")
    assert cashier.get(f"/api/orders/{order['id']}/").json["status"] == "confirmed"


def test_a_screen_acts_only_on_its_own_outlet(cashier, screens, cook_token):
    order = confirmed(cashier)
    refused = screens(cook_token).emit("update_status", {"id": order["id"], "outlet_id": 999, "status": "ready"})
    assert refused["code"] == "OUTLET_FORBIDDEN"


def test_complete_and_cancel_follow_the_rest_role_rules(cashier, screens, cook_token, cashier_token, manager_token):
    cashier.open_shift()
    order = confirmed(cashier)
    cook, pos, manager = screens(cook_token), screens(cashier_token), screens(manager_token)
    # kitchen staff may not complete (cashier+), nor cancel
    assert cook.emit("complete_order", {"id": order["id"]})["code"] == "PERMISSION_DENIED"
    assert cook.emit("cancel_order", {"id": order["id"]})["code"] == "PERMISSION_DENIED"
    assert cook.emit("update_status", {"id": order["id"], "status": "completed"})["code"] == "PERMISSION_DENIED"
    # a cashier completes only a paid order, and cannot cancel one the kitchen has
    assert pos.emit("complete_order", {"id": order["id"]})["code"] == "ORDER_NOT_PAID"
    assert pos.emit("cancel_order", {"id": order["id"]})["code"] == "MANAGER_REQUIRED"
    assert cashier.pay(order["id"], "cash", tendered="500000.00").status_code == 201
    assert pos.emit("complete_order", {"id": order["id"]})["code"] == "INVALID_TRANSITION"  # still cooking
    assert cook.emit("update_status", {"id": order["id"], "status": "ready"})["status"] == "ready"
    done = pos.emit("complete_order", {"id": order["id"], "order_number": order["order_number"]})
    assert done["status"] == "completed"
    completed = cook.named("order_completed")
    assert completed[0]["id"] == order["id"] and completed[0]["order_number"] == order["order_number"]
    assert completed[0]["seq"] == done["seq"]
    # a manager cancels a ticket the kitchen has; the screens hear it
    other = confirmed(cashier, cashier.item("DS-TIRA"))
    cancelled = manager.emit("cancel_order", {"id": other["id"], "reason": "customer left"})
    assert cancelled["status"] == "cancelled"
    assert cook.named("order_cancelled")[0]["id"] == other["id"]
    assert cashier.get(f"/api/orders/{other['id']}/").json["status"] == "cancelled"


def test_per_item_progress_makes_the_order_ready_and_recall_steps_back(cashier, screens, cook_token):
    order = confirmed(cashier)
    cook = screens(cook_token)
    pizza, cola = (item["id"] for item in order["items"])
    assert cook.emit("update_items", {"id": order["id"], "item_ids": [cola], "prep_status": "ready"})["status"] == \
        "preparing"
    assert cook.emit("update_items", {"id": order["id"], "item_ids": [pizza], "prep_status": "ready"})["status"] == \
        "ready"
    api = cashier.get(f"/api/orders/{order['id']}/").json
    assert api["status"] == "ready" and api["ready_at"]
    # a cook un-crosses an item: the order is no longer ready
    assert cook.emit("update_items", {"id": order["id"], "item_ids": [pizza], "prep_status": "preparing"})[
        "status"] == "preparing"
    assert cashier.get(f"/api/orders/{order['id']}/").json["ready_at"] is None
    updates = cook.named("order_updated")
    assert [u["status"] for u in updates] == ["preparing", "ready", "preparing"]
    assert {i["id"]: i["prep_status"] for i in updates[-1]["items"]} == {pizza: "preparing", cola: "ready"}
    # bump to ready, then to served (off the screen), then recall it
    cook.emit("update_status", {"id": order["id"], "status": "ready"})
    cook.emit("update_status", {"id": order["id"], "status": "served"})
    recalled = cook.emit("recall_order", {"id": order["id"]})
    assert recalled["status"] == "ready"
    assert cook.named("order_updated")[-1]["recalled"] is True
    assert cashier.get(f"/api/orders/{order['id']}/").json["status"] == "ready"
    assert cook.emit("update_items", {"id": order["id"], "item_ids": [424242], "prep_status": "ready"})["code"] == \
        "NOT_FOUND"


def test_recall_over_rest_is_the_same_service(cashier, cook):
    order = confirmed(cashier)
    cook.post(f"/api/kitchen/orders/{order['id']}/ready/")
    assert cook.post(f"/api/kitchen/orders/{order['id']}/recall/").json["status"] == "preparing"
    assert cook.post(f"/api/kitchen/orders/{order['id']}/recall/").json["status"] == "confirmed"
    refused = cook.post(f"/api/kitchen/orders/{order['id']}/recall/")
    assert refused.status_code == 409 and refused.json["code"] == "INVALID_TRANSITION"


def test_prep_times_travel_in_the_order_snapshot(edge_app, cashier, cook):
    order = confirmed(cashier)
    cook.patch(f"/api/kitchen/orders/{order['id']}/status/", {"status": "preparing"})
    cook.post(f"/api/kitchen/orders/{order['id']}/ready/")
    import json

    from edge.models import OutboxEvent
    with edge_app.app_context():
        last = db.session.query(OutboxEvent).filter_by(type="order.snapshot").order_by(OutboxEvent.seq.desc()).first()
        snapshot = json.loads(last.payload)
    assert snapshot["confirmed_at"] and snapshot["preparing_at"] and snapshot["ready_at"]


def test_new_order_is_acknowledged_and_never_creates_an_order(edge_app, cashier, screens, cashier_token):
    order = confirmed(cashier)
    pos = screens(cashier_token)
    ack = pos.emit("new_order", {"id": order["id"], "order_number": order["order_number"], "items": []})
    assert ack["orderId"] == order["id"] and ack["in_kitchen"] and ack["seq"] == 1 and ack["timestamp"]
    assert pos.named("order_sent") == [ack]
    fake = pos.emit("new_order", {"id": 777, "order_number": "FAKE-1", "items": [{"name": "free pizza"}]})
    assert fake["in_kitchen"] is False
    with edge_app.app_context():
        assert db.session.query(Order).count() == 1


def test_broadcast_reaches_the_other_screens_of_the_outlet(screens, cook_token, cashier_token):
    cook, pos = screens(cook_token), screens(cashier_token)
    pos.emit("broadcast", {"message": "Table 4 asks for more napkins"})
    assert cook.named("broadcast") == [{"message": "Table 4 asks for more napkins"}]
    assert pos.named("broadcast") == []
    assert pos.emit("broadcast", "x" * 20000)["code"] == "PAYLOAD_TOO_LARGE"


def test_a_token_revoked_while_connected_stops_at_the_next_change(client, cashier, screens, cook_token):
    order = confirmed(cashier)
    cook = screens(cook_token)
    client.post("/api/auth/logout/", headers={"Authorization": f"Bearer {cook_token}"})
    refused = cook.emit("update_status", {"id": order["id"], "status": "preparing"})
    assert refused["code"] == "TOKEN_REVOKED"
    assert not cook.connected
    assert cashier.get(f"/api/orders/{order['id']}/").json["status"] == "confirmed"


# --- replay, gaps and snapshots ----------------------------------------------------------

def test_reconnect_with_last_seq_replays_exactly_what_was_missed(cashier, screens, cook_token):
    first = confirmed(cashier)
    screen = screens(cook_token)
    marker = screen.named("synced")[0]
    screen.close()
    second = confirmed(cashier)
    cashier.client.patch(f"/api/kitchen/orders/{first['id']}/status/", json={"status": "preparing"},
                         headers=cashier.headers)
    again = screens(cook_token, last_seq=marker["last_seq"], log_id=marker["log_id"])
    names = [name for name, _ in again.pull()]
    assert names == ["connected", "order_created", "order_updated", "synced"]
    created, updated = (data for name, data in again.seen if name in ("order_created", "order_updated"))
    assert (created["id"], created["seq"]) == (second["id"], 2)
    assert (updated["id"], updated["seq"], updated["status"]) == (first["id"], 3, "preparing")
    assert again.named("synced")[0] == {**again.named("synced")[0], "mode": "replay", "replayed": 2, "last_seq": 3}


def test_an_up_to_date_screen_gets_nothing_again(cashier, screens, cook_token):
    confirmed(cashier)
    screen = screens(cook_token, last_seq=1)
    assert [name for name, _ in screen.pull()] == ["connected", "synced"]
    assert screen.named("synced")[0]["reason"] == "current"


@pytest.mark.parametrize("auth,reason", [
    ({"last_seq": 50}, "ahead"),                        # a seq the log never reached: a reset database
    ({"last_seq": 1, "log_id": "0123456789ab"}, "different_log"),
    ({"last_seq": "x"}, "invalid"),
    ({"last_seq": -3}, "invalid"),
])
def test_an_unknown_seq_gets_a_snapshot(cashier, screens, cook_token, auth, reason):
    confirmed(cashier)
    confirmed(cashier, cashier.item("DS-TIRA"))
    screen = screens(cook_token, **auth)
    snapshot = screen.named("snapshot")[0]
    assert snapshot["reason"] == reason and snapshot["last_seq"] == 2 and len(snapshot["tickets"]) == 2
    assert screen.named("order_created") == []


def test_a_seq_older_than_what_is_kept_gets_a_snapshot(edge_app, cashier, screens, cook_token):
    for _ in range(3):
        confirmed(cashier, cashier.item("DR-COLA"))
    with edge_app.app_context():
        for row in db.session.query(KitchenEvent):
            row.created_at -= timedelta(days=30)
        db.session.commit()
        assert kitchen_log.prune(db.session, kitchen_log.utcnow() - timedelta(days=7)) == 2
        db.session.commit()
    assert screens(cook_token, last_seq=1).named("snapshot")[0]["reason"] == "pruned"
    assert screens(cook_token, last_seq=2).named("synced")[0]["mode"] == "replay"
    # the newest event is kept, so seqs are never handed out twice
    confirmed(cashier, cashier.item("DR-COLA"))
    with edge_app.app_context():
        assert kitchen_log.last_seq(db.session) == 4


def test_a_long_absence_gets_a_snapshot_instead_of_a_long_replay(edge_app, cashier, screens, cook_token):
    edge_app.extensions["kitchen_hub"].max_replay = 2
    for _ in range(4):
        confirmed(cashier, cashier.item("DR-COLA"))
    assert screens(cook_token, last_seq=1).named("snapshot")[0]["reason"] == "too_far"
    assert screens(cook_token, last_seq=2).named("synced")[0]["mode"] == "replay"


def test_resync_replays_after_the_given_seq(cashier, screens, cook_token):
    screen = screens(cook_token)
    confirmed(cashier)
    confirmed(cashier, cashier.item("DS-TIRA"))
    screen.pull()
    marker = screen.emit("resync", {"last_seq": 1})
    assert marker["mode"] == "replay" and marker["replayed"] == 1
    assert [t["seq"] for t in screen.named("order_created")] == [1, 2, 2]
    assert screen.emit("resync", {"last_seq": None})["mode"] == "snapshot"


def test_the_log_keeps_its_id_and_a_new_database_gets_a_new_one(edge_app, cashier):
    confirmed(cashier)
    confirmed(cashier, cashier.item("DS-TIRA"))
    with edge_app.app_context():
        rows = db.session.query(KitchenEvent).order_by(KitchenEvent.seq).all()
        assert rows[0].payload["log_id"] == rows[1].payload["log_id"]
        db.session.query(KitchenEvent).delete()
        db.session.commit()
    confirmed(cashier, cashier.item("DR-COLA"))
    with edge_app.app_context():
        assert kitchen_log.head(db.session)[1] != rows[0].payload["log_id"]


def test_no_event_is_lost_or_doubled_while_screens_join_during_a_rush(edge_app, cashier, screens, cook_token):
    """Orders confirmed from several threads while screens keep (re)joining with their
    last seq: every screen ends with every seq exactly once, in order."""
    cashier.open_shift()
    ids = [cashier.order(cashier.item("DR-COLA"))["id"] for _ in range(24)]
    watcher = screens(cook_token)
    errors: list[str] = []

    def confirm(chunk):
        client = edge_app.test_client()
        for oid in chunk:
            response = client.post(f"/api/orders/{oid}/confirm/", headers=cashier.headers)
            if response.status_code != 200:
                errors.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=confirm, args=(ids[i::3],)) for i in range(3)]
    for thread in threads:
        thread.start()
    joined: list[tuple[int, Screen]] = []
    last = 0
    while any(t.is_alive() for t in threads) or len(joined) < 3:
        screen = screens(cook_token, last_seq=last)
        joined.append((last, screen))
        seqs = [data["seq"] for _, data in screen.order_events()]
        last = seqs[-1] if seqs else last
    for thread in threads:
        thread.join()
    assert not errors
    assert [data["seq"] for _, data in watcher.order_events()] == list(range(1, 25))
    for start, screen in joined:
        assert [data["seq"] for _, data in screen.order_events()] == list(range(start + 1, 25))
    # a late joiner from seq 0 replays everything exactly once
    late = screens(cook_token, last_seq=0)
    assert [data["seq"] for _, data in late.order_events()] == list(range(1, 25))



def test_an_id_past_the_integer_range_is_refused_as_invalid(cashier, screens, cook_token, cashier_token):
    confirmed(cashier)
    for screen, event, body in ((screens(cook_token), "update_status", {"id": 2**63, "status": "ready"}),
                                (screens(cashier_token), "new_order", {"id": 2**63, "order_number": "X", "items": []})):
        refused = screen.emit(event, body)
        assert refused["error"] == "ValidationError" and refused["code"] == "INVALID_ID", refused
