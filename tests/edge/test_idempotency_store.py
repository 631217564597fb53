"""The edge's idempotency store: refresh answers are kept sealed, and a stored answer is
replayed only to a caller the view itself would serve (not to a logged-out token)."""
from sqlalchemy import select

from edge.extensions import db
from edge.models import IdempotencyRecord


def test_a_refresh_answer_is_stored_sealed_and_replays(edge_app, client):
    tokens = client.post("/api/auth/login/", json={"username": "cashier", "pin": "1234"}).json
    first = client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]}, headers={"Idempotency-Key": "r-1"})
    with edge_app.app_context():
        (row,) = db.session.execute(select(IdempotencyRecord)).scalars().all()
        assert row.response_body.startswith("sealed:v1:") and "eyJhbGciOiJIUzI1NiIs" not in row.response_body
    again = client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]}, headers={"Idempotency-Key": "r-1"})
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"


def test_a_logged_out_token_replays_nothing(client, cashier):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA"))
    body = {"order_id": order["id"], "method": "cash", "tendered": "50000.00"}
    assert cashier.post("/api/payments/", body, headers={"Idempotency-Key": "pay-1"}).status_code == 201
    assert cashier.post("/api/auth/logout/").status_code == 204
    replay = cashier.post("/api/payments/", body, headers={"Idempotency-Key": "pay-1"})
    assert replay.status_code == 401 and "Idempotent-Replayed" not in replay.headers
