"""`pos whatsapp-sim` on its own: Meta's request checks and answers, the phone's side
(statuses in order, by hand), the status webhooks (signed over the bytes sent) and the
faults a test can ask for.

The simulator app runs in-process (test client for requests, its ticker thread for the
status steps and deliveries); its webhooks go over real HTTP to a loopback receiver.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from simulators.whatsapp import create_app
from simulators.whatsapp.core import Account
from tests.support.webhook_receiver import WebhookReceiver

ACCOUNT = Account("EAAG-sim-tests", "sim-tests-secret", "106540352242922", "15550783881", "102290129340398")
AUTH = {"Authorization": f"Bearer {ACCOUNT.access_token}"}
URL = "/v25.0/106540352242922/messages"
QUICK = {"status_delays_ms": {"sent": 10, "delivered": 30, "read": 50}}


@pytest.fixture
def receiver():
    with WebhookReceiver() as server:
        yield server


@pytest.fixture
def app(receiver):
    app = create_app(ACCOUNT, webhook_url=f"{receiver.url}/hook")
    yield app
    app.extensions["whatsapp_sim"].stop()


@pytest.fixture
def client(app):
    client = app.test_client()
    configure(client, **QUICK)
    return client


def configure(client, **settings) -> dict:
    response = client.post("/_sim/config", json=settings)
    assert response.status_code == 200, response.json
    return response.json


def text(to="+6281234567890", body="Halo Budi", **extra) -> dict:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
            "text": {"preview_url": False, "body": body}, **extra}


def send(client, payload=None, headers=None):
    return client.post(URL, headers={**AUTH, **(headers or {})}, json=payload or text())


def sent(client, **kwargs) -> str:
    response = send(client, text(**kwargs))
    assert response.status_code == 200, response.json
    return response.json["messages"][0]["id"]


def deliveries(client, message_id: str, count: int, timeout: float = 5.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        log = client.get(f"/_sim/webhooks/?message_id={message_id}").json["data"]
        if len(log) >= count and all(item["state"] not in ("queued", "held") for item in log):
            return log
        assert time.monotonic() < deadline, log
        time.sleep(0.02)


def statuses(received) -> list[str]:
    return [json.loads(item.body)["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] for item in received]


# --- Meta's side ---------------------------------------------------------------------------


def test_a_text_message_is_answered_as_meta_answers(client):
    response = send(client, text(to="+16505551234"))
    assert response.status_code == 200
    body = response.json
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "+16505551234", "wa_id": "16505551234"}]
    assert body["messages"][0]["id"].startswith("wamid.") and "message_status" not in body["messages"][0]


def test_a_template_message_answers_accepted(client):
    response = send(client, {"messaging_product": "whatsapp", "to": "6281234567890", "type": "template",
                             "template": {"name": "order_ready", "language": {"code": "id"}, "components": [
                                 {"type": "body", "parameters": [{"type": "text", "text": "KMG-42"}]}]}})
    assert response.status_code == 200 and response.json["messages"][0]["message_status"] == "accepted"
    shown = client.get(f"/_sim/messages/{response.json['messages'][0]['id']}").json
    assert shown["template"] == {"name": "order_ready", "language": "id", "parameters": ["KMG-42"]}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic EAAG-sim-tests"}])
def test_without_the_access_token_the_answer_is_metas_401(app, headers):
    response = app.test_client().post(URL, headers=headers, json=text())
    assert response.status_code == 401 and "invalid_token" in response.headers["WWW-Authenticate"]
    error = response.json["error"]
    assert (error["code"], error["type"]) == (190, "OAuthException") and error["fbtrace_id"]


def test_another_phone_number_id_is_a_graph_method_exception(client):
    response = client.post("/v25.0/999/messages", headers=AUTH, json=text())
    assert response.status_code == 400
    assert (response.json["error"]["code"], response.json["error"]["error_subcode"]) == (100, 33)


def test_a_path_without_a_version_is_unknown(client):
    assert client.post("/latest/106540352242922/messages", headers=AUTH, json=text()).json["error"]["code"] == 2500


@pytest.mark.parametrize("payload, code", [
    ({**text(), "messaging_product": "sms"}, 100),
    ({k: v for k, v in text().items() if k != "to"}, 100),
    (text(to="0812345"), 131009),
    (text(to="+62 812 3456 7890"), 131009),
    (text(body=""), 100),
    (text(body="x" * 4097), 131009),
    ({**text(), "type": "image"}, 131009),
    ({**text(), "recipient_type": "group"}, 131009),
    ({"messaging_product": "whatsapp", "to": "+6281234567890", "type": "template", "template": {"name": "x"}}, 100),
    (text(biz_opaque_callback_data="x" * 513), 131009),
])
def test_requests_meta_would_refuse_are_refused_with_graph_errors(client, payload, code):
    response = send(client, payload)
    assert response.status_code == 400 and response.json["error"]["code"] == code
    assert client.get("/_sim/messages/").json["count"] == 0


# --- the phone's side and the webhooks ------------------------------------------------------


def test_a_message_goes_sent_delivered_read_each_with_a_signed_webhook(client, receiver):
    message_id = sent(client, biz_opaque_callback_data="notification-7")
    received = receiver.wait_for(3)
    assert statuses(received) == ["sent", "delivered", "read"]
    for item in received:
        expected = "sha256=" + hmac.new(b"sim-tests-secret", item.body, hashlib.sha256).hexdigest()
        assert item.headers["X-Hub-Signature-256"] == expected and item.path == "/hook"
        payload = json.loads(item.body)
        assert payload["object"] == "whatsapp_business_account" and payload["entry"][0]["id"] == "102290129340398"
        value = payload["entry"][0]["changes"][0]["value"]
        assert value["metadata"] == {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"}
        status = value["statuses"][0]
        assert (status["id"], status["recipient_id"], status["biz_opaque_callback_data"]) == (
            message_id, "6281234567890", "notification-7")
        assert status["timestamp"].isdigit() and status["pricing"]["category"] == "service"
    assert client.get(f"/_sim/messages/{message_id}").json["status"] == "read"


def test_non_ascii_is_escaped_in_the_webhook_and_signed_as_sent(client, receiver):
    sent(client, biz_opaque_callback_data="Pembayaran ✅ diterima")
    item = receiver.wait_for(1)[0]
    assert b"\\u2705" in item.body and "✅".encode() not in item.body
    assert item.headers["X-Hub-Signature-256"] == "sha256=" + hmac.new(b"sim-tests-secret", item.body,
                                                                       hashlib.sha256).hexdigest()


def test_a_phone_without_read_receipts_stops_at_delivered(client, receiver):
    configure(client, auto_read=False)
    message_id = sent(client)
    assert statuses(receiver.wait_for(2)) == ["sent", "delivered"]
    assert [item["status"] for item in deliveries(client, message_id, 2)] == ["sent", "delivered"]
    assert client.get(f"/_sim/messages/{message_id}").json["status"] == "delivered"


def test_a_failing_number_reports_failed_with_metas_error(client, receiver):
    configure(client, fail_numbers={"+62 812-0000-0001": 131026})
    message_id = sent(client, to="+6281200000001")
    (item,) = receiver.wait_for(1)
    status = json.loads(item.body)["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert status["status"] == "failed" and "pricing" not in status
    assert status["errors"][0]["code"] == 131026 and status["errors"][0]["title"] == "Message undeliverable"
    assert client.get(f"/_sim/messages/{message_id}").json["error"]["code"] == 131026


def test_a_person_reads_a_message_by_hand(client, receiver):
    configure(client, auto_read=False, status_delays_ms={"sent": 0, "delivered": 0})
    message_id = sent(client)
    deliveries(client, message_id, 2)
    response = client.post(f"/_sim/messages/{message_id}/status", json={"status": "read"})
    assert response.status_code == 200 and response.json["status"] == "read"
    assert statuses(receiver.wait_for(3))[-1] == "read"


def test_statuses_by_hand_are_checked(client):
    message_id = sent(client)
    assert client.post(f"/_sim/messages/{message_id}/status", json={"status": "opened"}).status_code == 400
    assert client.post(f"/_sim/messages/{message_id}/status",
                       json={"status": "read", "error_code": 1}).status_code == 400
    assert client.post("/_sim/messages/wamid.nope/status", json={"status": "read"}).status_code == 404
    assert client.post(f"/_sim/messages/{message_id}/status",
                       json={"status": "failed", "error_code": 131047}).json["error"]["code"] == 131047
    assert client.post(f"/_sim/messages/{message_id}/status", json={"status": "read"}).json["code"] == \
        "MESSAGE_FAILED"


def test_api_errors_answer_the_next_sends_in_order(client):
    configure(client, api_errors=[{"http_status": 429, "code": 130429}, {"http_status": 503, "code": 131016}])
    first, second, third = send(client), send(client), send(client)
    assert (first.status_code, first.json["error"]["code"]) == (429, 130429)
    assert (second.status_code, second.json["error"]["code"]) == (503, 131016)
    assert "Service unavailable" in second.json["error"]["message"]
    assert third.status_code == 200 and client.get("/_sim/messages/").json["count"] == 1


def test_duplicate_sends_every_webhook_twice(client, receiver):
    configure(client, duplicate=1, auto_read=False, status_delays_ms={"sent": 0, "delivered": 300})
    message_id = sent(client)
    assert statuses(receiver.wait_for(4)) == ["sent", "sent", "delivered", "delivered"]
    assert [item["copy"] for item in deliveries(client, message_id, 4)] == [0, 1, 0, 1]


def test_drop_next_drops_that_many_webhooks(client, receiver):
    configure(client, drop_next=1, auto_read=False)
    message_id = sent(client)
    assert [item["state"] for item in deliveries(client, message_id, 2)] == ["dropped", "delivered"]
    assert statuses(receiver.settle(0.2)) == ["delivered"]


def test_delay_holds_each_webhook_back(client, receiver):
    configure(client, delay_ms=300, auto_read=False, status_delays_ms={"sent": 0, "delivered": 0})
    started = time.monotonic()
    sent(client)
    assert receiver.wait_for(1)[0].at - started >= 0.3


def test_reorder_sends_a_messages_statuses_newest_first(client, receiver):
    configure(client, reorder=True)
    sent(client)
    assert statuses(receiver.wait_for(3)) == ["read", "delivered", "sent"]


def test_a_refused_webhook_is_retried_until_taken(client, receiver):
    configure(client, retry_ms=[50, 50], auto_read=False, status_delays_ms={"sent": 0, "delivered": 10_000})
    receiver.fail_next = 2
    message_id = sent(client)
    (delivery,) = deliveries(client, message_id, 1)
    assert [attempt["status"] for attempt in delivery["attempts"]] == [503, 503, 200]
    assert delivery["state"] == "delivered"


def test_a_webhook_refused_past_its_retries_fails(client, receiver):
    configure(client, retry_ms=[20], auto_read=False, status_delays_ms={"sent": 0, "delivered": 10_000})
    receiver.fail_next = 5
    message_id = sent(client)
    (delivery,) = deliveries(client, message_id, 1)
    assert delivery["state"] == "failed" and len(delivery["attempts"]) == 2


def test_response_delay_slows_the_answer(client):
    configure(client, response_delay_ms=200)
    started = time.monotonic()
    assert send(client).status_code == 200 and time.monotonic() - started >= 0.2


def test_messages_are_listed_newest_first_and_filtered(client):
    first = sent(client, to="+6281234567890", biz_opaque_callback_data="a")
    second = sent(client, to="+6281299999999", biz_opaque_callback_data="b")
    listed = client.get("/_sim/messages/").json
    assert [item["id"] for item in listed["data"]] == [second, first] and listed["count"] == 2
    assert [item["id"] for item in client.get("/_sim/messages/?to=0812-9999-9999").json["data"]] == []
    assert [item["id"] for item in client.get("/_sim/messages/?to=%2B62 812 9999 9999").json["data"]] == [second]
    assert [item["id"] for item in client.get("/_sim/messages/?reference=a").json["data"]] == [first]
    assert client.get("/_sim/messages/?status=opened").status_code == 400


@pytest.mark.parametrize("settings", [
    {"colour": "green"}, {"delay_ms": -1}, {"duplicate": True}, {"auto_read": "yes"}, {"webhook_url": "ftp://x"},
    {"status_delays_ms": {"seen": 1}}, {"fail_numbers": {"+62812": "131026"}}, {"api_errors": [{"code": "x"}]},
    {"api_errors": [{"http_status": 200}]}, {"retry_ms": [1, -1]}, {"timeout_s": 0},
])
def test_config_refuses_what_it_does_not_know(client, settings):
    response = client.post("/_sim/config", json=settings)
    assert response.status_code == 400 and response.json["code"] in ("UNKNOWN_SETTING", "INVALID_SETTING")


def test_without_a_webhook_url_nothing_is_posted(client, receiver):
    configure(client, webhook_url=None)
    message_id = sent(client)
    time.sleep(0.2)
    assert client.get(f"/_sim/messages/{message_id}").json["status"] == "read"
    assert receiver.received == [] and client.get("/_sim/webhooks/").json["count"] == 0


def test_reset_forgets_messages_and_webhooks(client, receiver):
    message_id = sent(client)
    deliveries(client, message_id, 3)
    client.post("/_sim/reset")
    assert client.get("/_sim/messages/").json["count"] == 0 and client.get("/_sim/webhooks/").json["count"] == 0


def test_the_page_is_served(client):
    response = client.get("/")
    assert response.status_code == 200 and b"WhatsApp simulator" in response.data
