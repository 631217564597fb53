"""The email channel against a real SMTP server in this process (aiosmtpd on loopback):
plain, STARTTLS and implicit TLS with a verified certificate, login, and each refusal
an SMTP server can answer turned into a retryable or permanent domain error."""
from __future__ import annotations

import socket
import threading

import pytest

from cloud.config import Config
from cloud.notifications.channels import EmailChannel, Message, SmtpSettings
from cloud.notifications.channels.email import build_email, email_address
from cloud.notifications.errors import ChannelMisconfigured, DeliveryPermanent, DeliveryRetryable, RecipientInvalid
from tests.support.ports import free_port
from tests.support.smtp_server import SmtpServer, make_certificates

pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")

SENDER = "Warung Pizza <noreply@warungpizza.id>"


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("certs"))


def channel(server: SmtpServer, security: str = "none", **settings) -> EmailChannel:
    return EmailChannel(SmtpSettings(host="127.0.0.1", port=server.port, security=security, sender=SENDER,
                                     timeout_s=5, **settings))


def receipt(**changes) -> Message:
    fields = {"recipient": "budi@example.com", "subject": "Pembayaran KMG-42 diterima ✅",
              "text": "Halo Budi,\nJumlah: Rp 20.800", "html": "<p>Halo Budi,<br>Jumlah: Rp 20.800</p>",
              "reference": "notification-42"}
    return Message(**{**fields, **changes})


def test_an_email_arrives_as_text_and_html_alternatives():
    with SmtpServer() as server:
        result = channel(server).send(receipt())
    assert result.ok and result.provider_status == "250"
    (received,) = server.received
    assert (received.mail_from, received.rcpt_tos) == ("noreply@warungpizza.id", ["budi@example.com"])
    mail = received.message()
    assert mail["From"] == SENDER and mail["To"] == "budi@example.com"
    assert mail["Subject"] == "Pembayaran KMG-42 diterima ✅"
    assert mail["Message-ID"] == result.provider_id and result.provider_id.endswith("@warungpizza.id>")
    assert mail["Auto-Submitted"] == "auto-generated" and mail["X-POS-Notification"] == "notification-42"
    assert mail.get_content_type() == "multipart/alternative"
    assert mail.get_body(("plain",)).get_content().replace("\r\n", "\n") == "Halo Budi,\nJumlah: Rp 20.800\n"
    assert mail.get_body(("html",)).get_content().strip() == "<p>Halo Budi,<br>Jumlah: Rp 20.800</p>"


def test_every_attempt_of_one_notification_carries_the_same_message_id():
    settings = SmtpSettings(host="mail.example.com", sender=SENDER)
    first, again = build_email(settings, receipt()), build_email(settings, receipt())
    assert first["Message-ID"] == again["Message-ID"] == "<pos.notification-42@warungpizza.id>"
    assert build_email(settings, receipt(reference="a b/c"))["Message-ID"] == "<pos.a-b-c@warungpizza.id>"
    unreferenced = {build_email(settings, receipt(reference=None))["Message-ID"] for _ in range(2)}
    assert len(unreferenced) == 2


def test_without_html_the_email_is_plain_text():
    with SmtpServer() as server:
        assert channel(server).send(receipt(html=None)).ok
    assert server.received[0].message().get_content_type() == "text/plain"


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_a_verified_certificate_and_a_login(certificates, security):
    with SmtpServer(security, certificates, users={"pos": "s3cret"}) as server:
        result = channel(server, security, username="pos", password="s3cret", ca_file=str(certificates.ca)).send(
            receipt())
    assert result.ok, result.error
    assert server.received[0].login == "pos"


def test_a_refused_login_is_a_configuration_error_not_retried(certificates):
    with SmtpServer("starttls", certificates, users={"pos": "s3cret"}) as server:
        result = channel(server, "starttls", username="pos", password="wrong", ca_file=str(certificates.ca)).send(
            receipt())
    assert isinstance(result.error, ChannelMisconfigured) and not result.retryable
    assert (result.error.code, result.error.provider_code) == ("SMTP_AUTH_FAILED", 535)
    assert server.received == []


def test_a_certificate_from_another_ca_does_not_verify(certificates, tmp_path):
    stranger = make_certificates(tmp_path, "stranger")
    with SmtpServer("starttls", stranger) as server:
        result = channel(server, "starttls", ca_file=str(certificates.ca)).send(receipt())
    assert isinstance(result.error, ChannelMisconfigured) and result.error.code == "SMTP_TLS_UNVERIFIED"
    assert server.received == []


def test_the_systems_cas_do_not_trust_a_private_ca(certificates):
    with SmtpServer("ssl", certificates) as server:
        result = channel(server, "ssl").send(receipt())
    assert result.error.code == "SMTP_TLS_UNVERIFIED"


def test_starttls_asked_of_a_server_without_it_is_a_configuration_error():
    with SmtpServer() as server:
        result = channel(server, "starttls").send(receipt())
    assert isinstance(result.error, ChannelMisconfigured) and result.error.code == "SMTP_NOT_SUPPORTED"
    assert server.received == []


def test_implicit_tls_against_a_plain_server_is_a_configuration_error():
    with SmtpServer() as server:
        result = channel(server, "ssl").send(receipt())
    assert isinstance(result.error, ChannelMisconfigured) and result.error.code == "SMTP_TLS_FAILED"


@pytest.mark.parametrize("reply, kind, retryable", [
    ("550 5.1.1 <budi@example.com>: Recipient address rejected: User unknown", RecipientInvalid, False),
    ("450 4.2.0 <budi@example.com>: Recipient address rejected: Greylisted", DeliveryRetryable, True),
])
def test_a_refused_recipient(reply, kind, retryable):
    with SmtpServer() as server:
        server.refuse_rcpt = reply
        result = channel(server).send(receipt())
    assert type(result.error) is kind and result.retryable is retryable
    assert result.error.code == "SMTP_RECIPIENT_REFUSED" and result.error.provider_code == int(reply[:3])
    assert "User unknown" in result.error.message or "Greylisted" in result.error.message


@pytest.mark.parametrize("reply, kind", [
    ("554 5.7.1 Message rejected as spam", DeliveryPermanent),
    ("451 4.3.0 Temporary local problem", DeliveryRetryable),
])
def test_a_refused_message(reply, kind):
    with SmtpServer() as server:
        server.refuse_data = reply
        result = channel(server).send(receipt())
    assert type(result.error) is kind and result.error.code == "SMTP_MESSAGE_REFUSED"


def test_no_server_listening_is_retried():
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), security="none", sender=SENDER, timeout_s=2)
    result = EmailChannel(settings).send(receipt())
    assert result.retryable and result.error.code == "SMTP_UNREACHABLE"


def test_a_server_that_never_answers_times_out_and_is_retried():
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
    thread.start()
    try:
        settings = SmtpSettings(host="127.0.0.1", port=listener.getsockname()[1], security="none", sender=SENDER,
                                timeout_s=0.5)
        result = EmailChannel(settings).send(receipt())
    finally:
        thread.join(2)
        for connection, _ in accepted:
            connection.close()
        listener.close()
    assert result.retryable and result.error.code == "SMTP_TIMEOUT"


@pytest.mark.parametrize("address", ["", "budi", "budi@", "@example.com", "budi@example", "budi@@example.com",
                                     "Budi <budi@example.com>", "budi@example.com, eve@example.com",
                                     "budi@example.com\r\nBcc: eve@example.com", "bu di@example.com",
                                     ".budi@example.com", "budi..s@example.com", "budi@-example.com"])
def test_an_address_that_is_not_one_plain_address_fails_for_good_before_connecting(address):
    with SmtpServer() as server:
        result = channel(server).send(receipt(recipient=address))
    assert isinstance(result.error, RecipientInvalid) and result.error.code == "INVALID_EMAIL"
    assert server.received == []


@pytest.mark.parametrize("address", ["budi@example.com", "budi.santoso+struk@mail.example.co.id", "ops@localhost"])
def test_plain_addresses_are_accepted(address):
    assert email_address(address) == address


def test_a_line_break_in_the_subject_cannot_add_headers():
    mail = build_email(SmtpSettings(host="mail.example.com", sender=SENDER),
                       receipt(subject="Struk\r\nBcc: eve@example.com"))
    assert mail["Subject"] == "Struk Bcc: eve@example.com" and mail["Bcc"] is None


def test_a_message_without_subject_or_text_fails_for_good():
    with SmtpServer() as server:
        assert channel(server).send(receipt(subject=" ")).error.code == "SUBJECT_REQUIRED"
        assert channel(server).send(receipt(text="")).error.code == "EMPTY_MESSAGE"
    assert server.received == []


def test_settings_refuse_a_password_in_the_clear_to_another_host():
    with pytest.raises(ValueError, match="without TLS"):
        SmtpSettings(host="mail.example.com", security="none", sender=SENDER, username="pos", password="x")
    assert SmtpSettings(host="127.0.0.1", security="none", sender=SENDER, username="pos", password="x")


@pytest.mark.parametrize("changes", [{"security": "tls"}, {"sender": "not an address"}, {"port": 0}])
def test_settings_refuse_what_cannot_work(changes):
    with pytest.raises(ValueError):
        SmtpSettings(**{"host": "mail.example.com", "sender": SENDER, **changes})


def test_settings_come_from_the_cloud_config(monkeypatch):
    assert SmtpSettings.from_config(Config().as_dict()) is None
    for name, value in {"POS_SMTP_HOST": "mail.example.com", "POS_SMTP_PORT": "465", "POS_SMTP_SECURITY": "ssl",
                        "POS_SMTP_USER": "pos", "POS_SMTP_PASSWORD": "s3cret", "POS_SMTP_FROM": SENDER,
                        "POS_NOTIFY_TIMEOUT_S": "7"}.items():
        monkeypatch.setenv(name, value)
    settings = SmtpSettings.from_config(Config().as_dict())
    assert (settings.host, settings.port, settings.security, settings.username, settings.timeout_s) == (
        "mail.example.com", 465, "ssl", "pos", 7.0)
    assert settings.sender_address == "noreply@warungpizza.id" and settings.ca_file is None
