"""The WhatsApp channel and webhook reader against a real `pos whatsapp-sim` process
over loopback HTTP. The simulator is a second, independent reading of Meta's docs (it
imports nothing of ours), so these tests check that both readings agree."""
from __future__ import annotations

import uuid

import pytest
import requests

from cloud.notifications.channels import Message, WhatsAppChannel, WhatsAppSettings, WhatsAppTemplate
from cloud.notifications.channels.whatsapp_webhooks import SIGNATURE_HEADER, parse_statuses, verify_signature
from cloud.notifications.errors import ChannelMisconfigured, DeliveryPermanent, DeliveryRetryable
from tests.support.ports import free_port
from tests.support.processes import PosProcess
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.e2e

TOKEN = "EAAG-channel-tests-token"
SECRET = "channel-tests-app-secret"
PHONE_NUMBER_ID = "106540352242922"


@pytest.fixture(scope="module")
def receiver():
    with WebhookReceiver() as server:
        yield server


@pytest.fixture(scope="module")
def sim(tmp_path_factory, receiver):
    port = free_port()
    process = PosProcess(["whatsapp-sim", "--port", str(port), "--webhook-url", f"{receiver.url}/whatsapp",
                          "--access-token", TOKEN, "--app-secret", SECRET, "--phone-number-id", PHONE_NUMBER_ID],
                         tmp_path_factory.mktemp("wa") / "sim.log", f"http://127.0.0.1:{port}/_sim/messages/")
    process.start()
    process.url = f"http://127.0.0.1:{port}"
    yield process
    process.stop()


@pytest.fixture(autouse=True)
def quick_and_clean(sim):
    requests.post(f"{sim.url}/_sim/reset", timeout=5)
    requests.post(f"{sim.url}/_sim/config", timeout=5, json={
        "status_delays_ms": {"sent": 20, "delivered": 60, "read": 100}, "auto_read": True, "fail_numbers": {},
        "api_errors": [], "response_delay_ms": 0})


def whatsapp(sim, **changes) -> WhatsAppChannel:
    settings = {"phone_number_id": PHONE_NUMBER_ID, "access_token": TOKEN, "app_secret": SECRET, "api_url": sim.url,
                "timeout_s": 5, **changes}
    return WhatsAppChannel(WhatsAppSettings(**settings))


def statuses_of(receiver, provider_id: str, count: int):
    arrived = receiver.wait_for(count, match=lambda item: provider_id.encode() in item.body)
    return arrived, [update for item in arrived for update in parse_statuses(item.body)]


def test_a_text_message_is_taken_shown_and_reported_sent_delivered_read(sim, receiver):
    reference = f"notification-{uuid.uuid4().hex[:8]}"
    result = whatsapp(sim).send(Message("0812-3456-7890", "Halo Budi, pembayaran Rp 20.800 diterima ✅",
                                        reference=reference))
    assert result.ok and result.provider_id.startswith("wamid.") and result.details == {"wa_id": "6281234567890"}
    shown = requests.get(f"{sim.url}/_sim/messages/{result.provider_id}", timeout=5).json()
    assert (shown["to"], shown["body"], shown["biz_opaque_callback_data"]) == (
        "+6281234567890", "Halo Budi, pembayaran Rp 20.800 diterima ✅", reference)
    arrived, updates = statuses_of(receiver, result.provider_id, 3)
    assert [update.status for update in updates] == ["sent", "delivered", "read"]
    assert {update.reference for update in updates} == {reference}
    assert {update.recipient_id for update in updates} == {"6281234567890"}
    for item in arrived:
        assert item.path == "/whatsapp"
        assert verify_signature(SECRET, item.body, item.headers[SIGNATURE_HEADER])
        assert not verify_signature("another-secret", item.body, item.headers[SIGNATURE_HEADER])


def test_a_template_message_is_accepted(sim):
    result = whatsapp(sim).send(Message("+6281234567891", whatsapp_template=WhatsAppTemplate(
        "payment_received", "id", ("Budi", "Rp 20.800", "KMG-42"))))
    assert result.ok and result.provider_status == "accepted"
    shown = requests.get(f"{sim.url}/_sim/messages/{result.provider_id}", timeout=5).json()
    assert shown["template"] == {"name": "payment_received", "language": "id",
                                 "parameters": ["Budi", "Rp 20.800", "KMG-42"]}
    assert shown["body"] == "Halo Budi, pembayaran Rp 20.800 untuk pesanan KMG-42 sudah kami terima. Terima kasih!"


def test_an_unapproved_template_is_refused_with_metas_132001(sim):
    result = whatsapp(sim).send(Message("+6281234567891", whatsapp_template=WhatsAppTemplate(
        "no_such_template", "id", ("Budi",))))
    assert not result.ok and result.error.provider_code == 132001 and not result.retryable


def test_free_text_outside_the_window_is_taken_then_fails_131047_while_a_template_goes(sim, receiver):
    requests.post(f"{sim.url}/_sim/config", json={"enforce_window": True}, timeout=5)
    try:
        text = whatsapp(sim).send(Message("081200000002", "Halo"))
        assert text.ok  # Meta answers 200 and fails it by webhook
        _, (update,) = statuses_of(receiver, text.provider_id, 1)
        assert (update.status, update.error_code) == ("failed", 131047)
        template = whatsapp(sim).send(Message("081200000002", whatsapp_template=WhatsAppTemplate(
            "order_ready", "id", ("KMG-7",))))
        _, updates = statuses_of(receiver, template.provider_id, 1)
        assert updates[0].status == "sent"
        requests.post(f"{sim.url}/_sim/config", json={"open_windows": ["+6281200000003"]}, timeout=5)
        inside = whatsapp(sim).send(Message("081200000003", "Halo"))
        _, updates = statuses_of(receiver, inside.provider_id, 1)
        assert updates[0].status == "sent"
    finally:
        requests.post(f"{sim.url}/_sim/config", json={"enforce_window": False}, timeout=5)


def test_a_number_not_on_whatsapp_is_taken_then_reported_failed(sim, receiver):
    requests.post(f"{sim.url}/_sim/config", json={"fail_numbers": {"+6281200000001": 131026}}, timeout=5)
    result = whatsapp(sim).send(Message("081200000001", "Halo"))
    assert result.ok  # Meta answers 200 and fails it by webhook
    _, (update,) = statuses_of(receiver, result.provider_id, 1)
    assert (update.status, update.error_code) == ("failed", 131026)
    assert update.error_message.startswith("Message undeliverable")


@pytest.mark.parametrize("fault, kind, code", [
    ({"http_status": 429, "code": 130429}, DeliveryRetryable, "WHATSAPP_130429"),
    ({"http_status": 500, "code": 131000}, DeliveryRetryable, "WHATSAPP_131000"),
    ({"http_status": 503, "code": 131016}, DeliveryRetryable, "WHATSAPP_131016"),
    ({"http_status": 400, "code": 131047}, DeliveryPermanent, "WHATSAPP_131047"),
])
def test_refusals_the_provider_answers_are_retryable_or_not(sim, fault, kind, code):
    requests.post(f"{sim.url}/_sim/config", json={"api_errors": [fault]}, timeout=5)
    channel = whatsapp(sim)
    result = channel.send(Message("081234567890", "Halo"))
    assert type(result.error) is kind and result.error.code == code
    assert channel.send(Message("081234567890", "Halo")).ok  # the fault was for one send only


def test_a_wrong_access_token_is_a_configuration_error(sim):
    result = whatsapp(sim, access_token="EAAG-someone-else").send(Message("081234567890", "Halo"))
    assert isinstance(result.error, ChannelMisconfigured) and result.error.provider_code == 190


def test_another_phone_number_id_is_refused_for_good(sim):
    result = whatsapp(sim, phone_number_id="111111111111111").send(Message("081234567890", "Halo"))
    assert type(result.error) is DeliveryPermanent and result.error.provider_code == 100


def test_a_provider_slower_than_the_timeout_is_retried(sim):
    requests.post(f"{sim.url}/_sim/config", json={"response_delay_ms": 1500}, timeout=5)
    result = whatsapp(sim, timeout_s=0.5).send(Message("081234567890", "Halo"))
    assert result.retryable and result.error.code == "WHATSAPP_TIMEOUT"


def test_no_provider_listening_is_retried():
    settings = WhatsAppSettings(phone_number_id=PHONE_NUMBER_ID, access_token=TOKEN,
                                api_url=f"http://127.0.0.1:{free_port()}")
    result = WhatsAppChannel(settings).send(Message("081234567890", "Halo"))
    assert result.retryable and result.error.code == "WHATSAPP_UNREACHABLE"
