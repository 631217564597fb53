"""The WhatsApp simulator's page in Debian's Chromium: a message our channel sent shows
in the customer's chat with its text, its ticks follow the status webhooks, a person
can mark it read, and a failed number shows Meta's error.

Screenshot: test-artifacts/whatsapp-sim/page.png.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from cloud.notifications.catalogue import TEMPLATE_TYPES
from cloud.notifications.channels import Message, WhatsAppChannel, WhatsAppSettings
from cloud.notifications.channels.whatsapp_webhooks import parse_statuses
from cloud.notifications.templates import TemplateSource, render
from tests.support.needs import NO_CHROMIUM
from tests.support.ports import free_port
from tests.support.processes import PosProcess
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "whatsapp-sim"
TOKEN, PHONE_NUMBER_ID = "EAAG-page-test", "106540352242922"
BRIEF_BODY = ("✅ *Pembayaran Diterima*\n\nHalo {{customer_name}},\n\nPembayaran {{payment_type}} untuk order "
              "{{order_code}} telah diterima:\n\n💰 Jumlah: Rp {{amount}}\n📅 Tanggal: {{payment_date}}\n\n"
              "{{#if is_full_payment}}Terima kasih! Order Anda akan segera diproduksi.{{else}}Menunggu pelunasan "
              "sebesar Rp {{remaining_amount}}.{{/if}}\n\nTerima kasih!")


@pytest.fixture
def sim(tmp_path):
    with WebhookReceiver() as receiver:
        port = free_port()
        process = PosProcess(["whatsapp-sim", "--port", str(port), "--webhook-url", receiver.url,
                              "--access-token", TOKEN, "--phone-number-id", PHONE_NUMBER_ID],
                             tmp_path / "sim.log", f"http://127.0.0.1:{port}/_sim/messages/").start()
        try:
            yield f"http://127.0.0.1:{port}", receiver
        finally:
            process.stop()


def test_a_person_sees_the_message_and_its_ticks_on_the_simulators_page(sim):
    if not Path(CHROMIUM).exists():
        pytest.skip(NO_CHROMIUM)
    url, receiver = sim
    requests.post(f"{url}/_sim/config", timeout=5, json={
        "auto_read": False, "status_delays_ms": {"sent": 100, "delivered": 300},
        "fail_numbers": {"+6281200000001": 131026}})
    channel = WhatsAppChannel(WhatsAppSettings(phone_number_id=PHONE_NUMBER_ID, access_token=TOKEN, api_url=url))
    sample = TEMPLATE_TYPES["payment_received"].sample
    text = render(TemplateSource("payment_received", "whatsapp", BRIEF_BODY), {**sample, "customer_name": "Sari"}).text
    result = channel.send(Message("0812-3456-7890", text, reference="notification-1"))
    failed = channel.send(Message("081200000001", "Halo"))
    markup = channel.send(Message("081234567899", '<img src=x onerror="alert(1)"> <b>not bold</b>'))
    assert result.ok and failed.ok and markup.ok
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 720})
        page.on("pageerror", lambda error: pytest.fail(f"page error: {error}"))
        page.goto(url + "/")
        chat = page.locator('section.chat[data-wa-id="6281234567890"]')
        expect(chat.locator("h2")).to_have_text("+6281234567890")
        bubble = chat.locator(f'.bubble[data-id="{result.provider_id}"]')
        expect(bubble.locator(".text")).to_contain_text("Halo Sari,")
        expect(bubble.locator(".text")).to_contain_text("💰 Jumlah: Rp 20.800")
        expect(bubble.locator("strong")).to_have_text("Pembayaran Diterima")  # WhatsApp's *bold*
        expect(bubble).to_have_attribute("data-status", "delivered")
        expect(bubble.locator(".ticks")).to_have_text("✓✓")
        bubble.get_by_role("button", name="Read").click()
        expect(bubble).to_have_attribute("data-status", "read")
        expect(bubble.locator(".ticks.read")).to_have_text("✓✓")
        failed_bubble = page.locator(f'.bubble[data-id="{failed.provider_id}"]')
        expect(failed_bubble.locator(".error")).to_have_text("131026: Message undeliverable")
        shown_as_text = page.locator(f'.bubble[data-id="{markup.provider_id}"] .text')
        expect(shown_as_text).to_have_text('<img src=x onerror="alert(1)"> <b>not bold</b>')
        expect(shown_as_text.locator("img, b")).to_have_count(0)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "page.png"))
        browser.close()
    arrived = receiver.wait_for(3, match=lambda item: result.provider_id.encode() in item.body)
    assert [update.status for item in arrived for update in parse_statuses(item.body)] == ["sent", "delivered",
                                                                                          "read"]
