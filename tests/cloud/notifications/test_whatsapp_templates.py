"""A template's WhatsApp approved-template mapping: checked when saved, and a customer
outside the 24-hour window receiving the payment_received template once, through the
worker, from the WhatsApp simulator (a real process enforcing the window)."""
from __future__ import annotations

import time

import pytest
import requests

from cloud.extensions import db
from cloud.notifications.channels import Message, WhatsAppChannel, WhatsAppSettings, WhatsAppTemplate
from cloud.notifications.channels.whatsapp import build_request
from cloud.notifications.whatsapp_mapping import fold
from cloud.services.notification_triggers import expand
from cloud.services.notification_worker import WorkerSettings, run_once
from tests.cloud.notifications.test_wiring import (
    WA_BODY,
    _customer,
    _notifications,
    _sale,
    _template,
    app,  # noqa: F401  (the fixture)
)
from tests.support.ports import free_port
from tests.support.processes import PosProcess

pytestmark = pytest.mark.postgres

MAPPING = {"name": "payment_received", "language": "id", "variables": ["customer_name", "amount", "order_code"]}
TOKEN, PHONE_NUMBER_ID = "EAAG-test-token", "109876543210987"


def test_metas_documented_template_body_is_what_we_send():
    # Meta's WhatsApp Node.js SDK, TemplateObject (whatsapp.github.io/WhatsApp-Nodejs-SDK/api-reference/types/
    # TemplateObject): {"name": ..., "language": {"code": ...}, "components": [{"type": "body",
    # "parameters": [{"type": "text", "text": "TEXT_STRING"}]}]}
    settings = WhatsAppSettings(phone_number_id="106540352242922", access_token="EAAJB...")
    _, _, body = build_request(settings, Message("+16505551234", "ignored", whatsapp_template=WhatsAppTemplate(
        "TEMPLATE_NAME", "LANGUAGE_AND_LOCALE_CODE", ("TEXT_STRING",))))
    assert body == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+16505551234",
                    "type": "template", "template": {
                        "name": "TEMPLATE_NAME", "language": {"code": "LANGUAGE_AND_LOCALE_CODE"},
                        "components": [{"type": "body", "parameters": [{"type": "text", "text": "TEXT_STRING"}]}]}}


def test_a_parameter_is_folded_to_one_line_and_never_empty():
    assert (fold("Budi\n\tSantoso     Jr"), fold("  ")) == ("Budi Santoso Jr", "-")


def test_a_mapping_is_saved_and_previewed_with_the_samples(client, world):
    saved = _template(client, world, whatsapp_template=MAPPING)
    assert saved["whatsapp_template"] == MAPPING
    assert saved["preview"]["whatsapp_template"]["name"] == "payment_received"
    assert len(saved["preview"]["whatsapp_template"]["parameters"]) == 3
    plain = _template(client, world, name="Plain", is_default=False)
    assert plain["whatsapp_template"] is None and plain["preview"]["whatsapp_template"] is None


@pytest.mark.parametrize("mapping, field, code", [
    ({**MAPPING, "variables": ["customer_name", "no_such_thing"]}, "whatsapp_template.variables.1",
     "UNKNOWN_VARIABLE"),
    ({**MAPPING, "variables": ["items"]}, "whatsapp_template.variables.0", "INVALID_VALUE"),
    ({**MAPPING, "name": "Payment Received"}, "whatsapp_template.name", "INVALID_TEMPLATE_NAME"),
    ({**MAPPING, "language": "indonesian"}, "whatsapp_template.language", "INVALID_LANGUAGE"),
])
def test_a_mapping_with_what_the_type_does_not_offer_is_refused_on_its_field(client, world, mapping, field, code):
    response = client.post("/api/notifications/templates/", json={
        "name": "Paid", "type": "payment_received", "channel": "whatsapp", "body": WA_BODY,
        "whatsapp_template": mapping}, headers=world.headers("manager"))
    assert response.status_code == 400 and (response.json["field"], response.json["code"]) == (field, code)


def test_an_email_template_takes_no_whatsapp_mapping(client, world):
    response = client.post("/api/notifications/templates/", json={
        "name": "Paid", "type": "payment_received", "channel": "email", "subject": "Paid", "body": WA_BODY,
        "whatsapp_template": MAPPING}, headers=world.headers("manager"))
    assert response.status_code == 400 and response.json["code"] == "NOT_WHATSAPP"


@pytest.fixture
def sim(tmp_path):
    port = free_port()
    process = PosProcess(["whatsapp-sim", "--port", str(port), "--enforce-window", "--access-token", TOKEN,
                          "--phone-number-id", PHONE_NUMBER_ID], tmp_path / "sim.log",
                         f"http://127.0.0.1:{port}/_sim/messages/")
    process.start()
    process.url = f"http://127.0.0.1:{port}"
    yield process
    process.stop()


def _deliver(cloud_app, sim):
    channel = WhatsAppChannel(WhatsAppSettings(PHONE_NUMBER_ID, TOKEN, api_url=sim.url, timeout_s=5))
    with cloud_app.app_context():
        return run_once(db.session, {"whatsapp": channel}, WorkerSettings())


def test_a_customer_outside_the_window_receives_the_approved_template_once(app, client, world, sim):  # noqa: F811
    _template(client, world, whatsapp_template=MAPPING)
    customer = _customer(client, world, email=None)
    till, sold, batch = _sale(app, client, world, customer["uuid"])
    till.push(batch)  # synced again: nothing new
    _deliver(app, sim)
    _deliver(app, sim)
    messages = requests.get(f"{sim.url}/_sim/messages/", timeout=5).json()["data"]
    assert len(messages) == 1
    (message,) = messages
    assert (message["type"], message["to"], message["error"]) == ("template", "+6281234567890", None)
    assert message["template"] == {"name": "payment_received", "language": "id",
                                   "parameters": ["Budi Santoso", "Rp 30", sold["order_number"]]}
    assert message["body"] == (f"Halo Budi Santoso, pembayaran Rp 30 untuk pesanan {sold['order_number']} sudah "
                               "kami terima. Terima kasih!")
    assert [(n.channel, n.status) for n in _notifications(app)] == [("whatsapp", "sent")]


def test_without_a_mapping_the_free_text_is_failed_by_whatsapp_for_the_closed_window(app, client, world, sim):  # noqa: F811
    _template(client, world)
    customer = _customer(client, world, email=None)
    _sale(app, client, world, customer["uuid"])
    _deliver(app, sim)
    (message,) = requests.get(f"{sim.url}/_sim/messages/", timeout=5).json()["data"]
    assert message["type"] == "text"
    for _ in range(50):
        message = requests.get(f"{sim.url}/_sim/messages/{message['id']}", timeout=5).json()
        if message["status"] == "failed":
            break
        time.sleep(0.1)
    assert message["error"]["code"] == 131047


def test_the_history_shows_the_template_a_message_went_as(app, client, world):  # noqa: F811
    _template(client, world, whatsapp_template=MAPPING)
    customer = _customer(client, world, email=None)
    _, sold, _ = _sale(app, client, world, customer["uuid"])
    with app.app_context():
        expand(db.session)
        db.session.commit()
    (row,) = _notifications(app)
    shown = client.get(f"/api/notifications/history/{row.id}/", headers=world.headers("manager")).json
    assert shown["whatsapp_template"] == {"name": "payment_received", "language": "id",
                                          "parameters": ["Budi Santoso", "Rp 30", sold["order_number"]]}
