"""The WhatsApp channel's request and answer handling against Meta's published examples
(WhatsApp Cloud API docs, "Text messages" and error codes pages; Meta's own Node SDK;
pywa's tests), without a network."""
from __future__ import annotations

import json

import pytest

from cloud.config import Config
from cloud.notifications.channels import Message, WhatsAppSettings, WhatsAppTemplate
from cloud.notifications.channels.base import FAILED, SENT
from cloud.notifications.channels.whatsapp import build_request, classify, read_answer, whatsapp_number
from cloud.notifications.errors import ChannelMisconfigured, DeliveryPermanent, DeliveryRetryable, RecipientInvalid

# Meta's docs example: phone number id 106540352242922, version v25.0, token 'EAAJB...'.
SETTINGS = WhatsAppSettings(phone_number_id="106540352242922", access_token="EAAJB...", api_version="v25.0")


def test_a_text_message_is_posted_as_metas_example_shows():
    # curl 'https://graph.facebook.com/v25.0/106540352242922/messages' -H 'Content-Type: application/json'
    #   -H 'Authorization: Bearer EAAJB...' -d '{"messaging_product": "whatsapp", "recipient_type": "individual",
    #   "to": "+16505551234", "type": "text", "text": {"preview_url": true, "body": "As requested, ..."}}'
    url, headers, body = build_request(SETTINGS, Message("+16505551234", "As requested, here's the link"))
    assert url == "https://graph.facebook.com/v25.0/106540352242922/messages"
    assert headers["Authorization"] == "Bearer EAAJB..." and headers["Content-Type"] == "application/json"
    assert body == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+16505551234",
                    "type": "text", "text": {"preview_url": False, "body": "As requested, here's the link"}}


def test_a_template_message_carries_name_language_and_body_parameters():
    # Meta's Node SDK docs: {"name": "Subscribe", "language": {"policy": "deterministic", "code": "en_US"},
    #   "components": [{"type": "body", "parameters": [{"type": "text", "text": "newsletter"}]}]}
    _, _, body = build_request(SETTINGS, Message("+12345678901", whatsapp_template=WhatsAppTemplate(
        "Subscribe", "en_US", ("newsletter",))))
    assert body["type"] == "template" and "text" not in body
    assert body["template"] == {"name": "Subscribe", "language": {"code": "en_US"},
                                "components": [{"type": "body", "parameters": [{"type": "text",
                                                                                "text": "newsletter"}]}]}


def test_our_reference_travels_as_biz_opaque_callback_data():
    _, _, body = build_request(SETTINGS, Message("081234567890", "hi", reference="notification-42"))
    assert body["biz_opaque_callback_data"] == "notification-42"


@pytest.mark.parametrize("raw, expected", [
    ("0812-3456-7890", "+6281234567890"),
    ("+62 812 3456 7890", "+6281234567890"),
    ("62812-3456-7890", "+6281234567890"),
    ("0062 (0)812 3456 7890", "+6281234567890"),
    ("+65 8123 4567", "+6581234567"),
])
def test_numbers_are_normalised_as_the_customers_module_does_then_written_e164(raw, expected):
    assert whatsapp_number(raw) == expected


@pytest.mark.parametrize("raw", ["", "12", "0812abc", "+0123456789", "+1234567890123456789"])
def test_a_number_that_is_not_a_phone_fails_for_good_before_any_request(raw):
    with pytest.raises(RecipientInvalid) as refused:
        build_request(SETTINGS, Message(raw, "hi"))
    assert refused.value.code == "INVALID_PHONE" and not refused.value.retryable


def test_text_past_metas_4096_characters_or_empty_is_refused_before_sending():
    with pytest.raises(DeliveryPermanent) as refused:
        build_request(SETTINGS, Message("081234567890", "x" * 4097))
    assert refused.value.code == "MESSAGE_TOO_LONG"
    with pytest.raises(DeliveryPermanent) as refused:
        build_request(SETTINGS, Message("081234567890", "  "))
    assert refused.value.code == "EMPTY_MESSAGE"


def test_metas_answer_names_the_message():
    # Meta's docs, the answer to the text example above.
    answer = {"messaging_product": "whatsapp", "contacts": [{"input": "+16505551234", "wa_id": "16505551234"}],
              "messages": [{"id": "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA"}]}
    result = read_answer(200, json.dumps(answer))
    assert (result.status, result.ok) == (SENT, True)
    assert result.provider_id == "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA"
    assert result.details == {"wa_id": "16505551234"} and result.provider_status == "accepted"


@pytest.mark.parametrize("message_status", ["accepted", "held_for_quality_assessment"])
def test_a_template_answers_message_status_which_is_kept(message_status):
    answer = {"messages": [{"id": "wamid.HBgLMTIzNDU2Nzg5FQIAERgS", "message_status": message_status}]}
    assert read_answer(200, json.dumps(answer)).provider_status == message_status


def test_a_200_without_a_message_id_fails_for_good_rather_than_risk_a_second_copy():
    result = read_answer(200, '{"messaging_product": "whatsapp"}')
    assert result.status == FAILED and not result.retryable and result.error.code == "WHATSAPP_BAD_RESPONSE"


# Error bodies as published: the rate-limit example (Cloud API error codes, via the docs' sample
# response), pywa's expired-token and re-engagement examples, the undeliverable code.
RATE_LIMIT = {"message": "(#130429) Rate limit hit", "type": "OAuthException", "code": 130429,
              "error_data": {"messaging_product": "whatsapp", "details": "Message failed to send because there were "
                             "too many messages sent from this phone number in a short period of time"},
              "error_subcode": 2494055, "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam"}
EXPIRED_TOKEN = {"message": "Error validating access token: Session has expired on Friday, 26-Apr-24 06:00:00 PDT. "
                            "The current time is Sunday, 28-Apr-24 03:40:10 PDT.", "type": "OAuthException",
                 "code": 190, "error_subcode": 463, "fbtrace_id": "ACEyrTehk6IAd0lm05Ixogh"}
RE_ENGAGEMENT = {"code": 131047, "title": "Re-engagement message", "message": "Re-engagement message",
                 "error_data": {"details": "Message failed to send because more than 24 hours have passed since the "
                                           "customer last replied to this number."},
                 "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}
UNDELIVERABLE = {"message": "(#131026) Message undeliverable", "type": "OAuthException", "code": 131026,
                 "error_data": {"messaging_product": "whatsapp", "details": "Message Undeliverable."}}


@pytest.mark.parametrize("http_status, error, kind, retryable", [
    (400, RATE_LIMIT, DeliveryRetryable, True),
    (401, EXPIRED_TOKEN, ChannelMisconfigured, False),
    (400, RE_ENGAGEMENT, DeliveryPermanent, False),
    (400, UNDELIVERABLE, RecipientInvalid, False),
    (503, {"code": 131016, "message": "Service unavailable"}, DeliveryRetryable, True),
    (500, {"code": 131000, "message": "Something went wrong"}, DeliveryRetryable, True),
    (400, {"code": 100, "message": "(#100) Invalid parameter"}, DeliveryPermanent, False),
    (400, {"code": 132001, "message": "Template name does not exist"}, ChannelMisconfigured, False),
    (502, None, DeliveryRetryable, True),
    (429, None, DeliveryRetryable, True),
    (403, None, ChannelMisconfigured, False),
    (404, None, DeliveryPermanent, False),
])
def test_refusals_are_classified_by_metas_code_first_then_the_http_status(http_status, error, kind, retryable):
    failure = classify(http_status, error)
    assert type(failure) is kind and failure.retryable is retryable
    assert failure.code == (f"WHATSAPP_{error['code']}" if error else f"WHATSAPP_HTTP_{http_status}")


def test_a_refusal_keeps_metas_message_and_details():
    failure = read_answer(400, json.dumps({"error": RATE_LIMIT})).error
    assert failure.provider_code == 130429 and "too many messages" in failure.message


def test_retry_after_is_passed_on():
    failure = read_answer(429, "", {"Retry-After": "30"}).error
    assert failure.retryable and failure.retry_after_s == 30.0


def test_an_unreadable_error_answer_is_classified_by_its_status():
    assert read_answer(500, "<html>oops</html>").retryable
    assert not read_answer(400, "<html>bad</html>").retryable


def test_settings_refuse_a_malformed_version_or_phone_number_id():
    with pytest.raises(ValueError):
        WhatsAppSettings(phone_number_id="106540352242922", access_token="t", api_version="25")
    with pytest.raises(ValueError):
        WhatsAppSettings(phone_number_id="+62811", access_token="t")


def test_settings_come_from_the_cloud_config(monkeypatch):
    assert WhatsAppSettings.from_config(Config().as_dict()) is None
    monkeypatch.setenv("POS_WHATSAPP_PHONE_NUMBER_ID", "106540352242922")
    monkeypatch.setenv("POS_WHATSAPP_ACCESS_TOKEN", "EAAJB...")
    monkeypatch.setenv("POS_WHATSAPP_API_URL", "http://127.0.0.1:8091/")
    monkeypatch.setenv("POS_WHATSAPP_API_VERSION", "v23.0")
    settings = WhatsAppSettings.from_config(Config().as_dict())
    assert settings.messages_url == "http://127.0.0.1:8091/v23.0/106540352242922/messages"
    assert settings.access_token == "EAAJB..."
