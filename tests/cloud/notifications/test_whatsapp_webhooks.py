"""Meta's status webhooks: the X-Hub-Signature-256 check (over the raw body, constant
time) and the statuses read from the published payloads."""
from __future__ import annotations

import hmac
import json
from datetime import UTC, datetime

import pytest

from cloud.notifications.channels import whatsapp_webhooks
from cloud.notifications.channels.whatsapp_webhooks import parse_statuses, sign, verify_signature, verify_subscription
from cloud.notifications.errors import WebhookRefused

# A webhook Meta really sent and signed, with the app secret (since reset) it was signed with:
# pywa, tests/test_server.py::test_webhook_updates_validator.
META_SECRET = "1222e786b144d0e85b9f365372d93676"
META_BODY = (b'{"object":"whatsapp_business_account","entry":[{"id":"264937493375603","changes":[{"value":{'
             b'"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550953877","phone_number_id":'
             b'"277321005464405"},"contacts":[{"profile":{"name":"PyWa Tests"},"wa_id":"972544401243"}],"messages":'
             b'[{"from":"972544401243","id":"wamid.HBgMOTcyNTQ0NDAxMjQzFQIAEhggM0RFQTNCMEEwRTY3QzUwODYzMDc4NjQ4QzM4'
             b'ODAxM0YA","timestamp":"1730231903","text":{"body":"Hey there! I am using PyWa."},"type":"text"}]},'
             b'"field":"messages"}]}]}')
META_SIGNATURE = "sha256=54edfa1d7259e0eb13c677cc7d73d1b5c86cfa12433d19156e058ab9251bc441"


def status_webhook(*statuses: dict) -> bytes:
    """The shape of Meta's status webhook (docs: Status messages webhook reference; pywa's samples)."""
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "5467539754836534", "changes": [{
        "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": "972123456789", "phone_number_id": "1122334455667"},
                  "statuses": list(statuses)},
        "field": "messages"}]}]}).encode()


SENT = {"id": "wamid.xyzxyz", "status": "sent", "timestamp": "1698266945", "recipient_id": "972987654321",
        "conversation": {"id": "7270432eae37498234f4444b35ffc5", "expiration_timestamp": "1698339900",
                         "origin": {"type": "service"}},
        "pricing": {"billable": True, "pricing_model": "CBP", "category": "service"}}
FAILED = {"id": "wamid.xyzxyz", "status": "failed", "timestamp": "1689380458", "recipient_id": "972987654321",
          "errors": [{"code": 130472, "title": "User's number is part of an experiment",
                      "message": "User's number is part of an experiment",
                      "error_data": {"details": "Failed to send message because this user's phone number is part of "
                                                "an experiment"},
                      "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}]}


def test_a_webhook_meta_signed_verifies():
    assert verify_signature(META_SECRET, META_BODY, META_SIGNATURE)


@pytest.mark.parametrize("body, secret, header", [
    (META_BODY.replace(b"Hey there", b"Hey THERE"), META_SECRET, META_SIGNATURE),        # body tampered with
    (META_BODY + b" ", META_SECRET, META_SIGNATURE),                                     # re-serialised
    (META_BODY, "another-apps-secret", META_SIGNATURE),                                 # someone else's app
    (META_BODY, META_SECRET, META_SIGNATURE.removeprefix("sha256=")),                   # no algorithm prefix
    (META_BODY, META_SECRET, "sha1=" + META_SIGNATURE[7:]),
    (META_BODY, META_SECRET, META_SIGNATURE.upper()),
    (META_BODY, META_SECRET, None),
    (META_BODY, META_SECRET, ""),
    (META_BODY, "", META_SIGNATURE),                                                     # no secret configured
])
def test_anything_else_does_not_verify(body, secret, header):
    assert not verify_signature(secret, body, header)


def test_the_signature_is_compared_in_constant_time(monkeypatch):
    compared, original = [], hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return original(a, b)

    monkeypatch.setattr(whatsapp_webhooks.hmac, "compare_digest", spy)
    assert verify_signature(META_SECRET, META_BODY, META_SIGNATURE)
    assert compared == [(META_SIGNATURE.encode(), META_SIGNATURE.encode())]


def test_sign_writes_the_header_meta_sends():
    assert sign(META_SECRET, META_BODY) == META_SIGNATURE


def test_statuses_are_read_from_a_status_webhook():
    delivered = {**SENT, "status": "delivered", "biz_opaque_callback_data": "notification-42"}
    updates = parse_statuses(status_webhook(SENT, delivered))
    assert [(update.provider_id, update.status) for update in updates] == [("wamid.xyzxyz", "sent"),
                                                                           ("wamid.xyzxyz", "delivered")]
    assert updates[0].at == datetime(2023, 10, 25, 20, 49, 5, tzinfo=UTC)
    assert (updates[0].recipient_id, updates[0].reference, updates[1].reference) == (
        "972987654321", None, "notification-42")


def test_a_failed_status_carries_metas_code_and_reason():
    (update,) = parse_statuses(status_webhook(FAILED))
    assert (update.status, update.error_code) == ("failed", 130472)
    assert update.error_message == ("User's number is part of an experiment — Failed to send message because this "
                                    "user's phone number is part of an experiment")


def test_a_repeated_status_has_the_same_event_key():
    first, again = parse_statuses(status_webhook(SENT, dict(SENT)))
    assert first.event_key == again.event_key != parse_statuses(status_webhook({**SENT, "status": "read"}))[0].event_key


def test_statuses_we_do_not_act_on_are_skipped():
    assert parse_statuses(status_webhook({**SENT, "status": "deleted"}, {**SENT, "status": "warning"})) == []


def test_webhooks_about_other_things_carry_no_statuses():
    # Meta's dashboard test payload for an incoming text, and the errors webhook example (130429).
    incoming = {"object": "whatsapp_business_account", "entry": [{"id": "0", "changes": [{"field": "messages",
                                                                                          "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "16505551111",
                                                      "phone_number_id": "123456123"},
        "contacts": [{"profile": {"name": "test user name"}, "wa_id": "16315551181"}],
        "messages": [{"from": "16315551181", "id": "ABGGFlA5Fpa", "timestamp": "1504902988", "type": "text",
                      "text": {"body": "this is a text message"}}]}}]}]}
    errors = {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550783881",
                                                      "phone_number_id": "106540352242922"},
        "errors": [{"code": 130429, "title": "Rate limit hit", "message": "Rate limit hit",
                    "error_data": {"details": "Message failed to send because there were too many messages sent "
                                              "from this phone number in a short period of time"},
                    "href": "/documentation/business-messaging/whatsapp/support/error-codes"}]},
        "field": "messages"}]}]}
    template_review = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "message_template_status_update", "value": {"event": "APPROVED"}}]}]}
    for payload in (incoming, errors, template_review):
        assert parse_statuses(json.dumps(payload).encode()) == []


@pytest.mark.parametrize("body", [
    b"not json",
    b"[]",
    b'{"object": "page", "entry": []}',
    b'{"object": "whatsapp_business_account", "entry": {}}',
    b'{"object": "whatsapp_business_account", "entry": [{"id": "1"}]}',
    status_webhook({"status": "sent", "timestamp": "1698266945"}),
    status_webhook({**SENT, "timestamp": "yesterday"}),
    b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": '
    b'{"statuses": {}}}]}]}',
])
def test_a_body_that_is_not_metas_format_is_refused(body):
    with pytest.raises(WebhookRefused) as refused:
        parse_statuses(body)
    assert refused.value.code == "WEBHOOK_MALFORMED"


def test_the_subscription_check_answers_the_challenge_for_our_verify_token_only():
    params = {"hub.mode": "subscribe", "hub.verify_token": "our-token", "hub.challenge": "1158201444"}
    assert verify_subscription(params, "our-token") == "1158201444"
    for wrong in ({**params, "hub.verify_token": "guess"}, {**params, "hub.mode": "unsubscribe"},
                  {k: v for k, v in params.items() if k != "hub.verify_token"}):
        with pytest.raises(WebhookRefused):
            verify_subscription(wrong, "our-token")
    with pytest.raises(WebhookRefused):
        verify_subscription(params, "")
    with pytest.raises(WebhookRefused) as refused:
        verify_subscription({k: v for k, v in params.items() if k != "hub.challenge"}, "our-token")
    assert refused.value.code == "WEBHOOK_MALFORMED"
