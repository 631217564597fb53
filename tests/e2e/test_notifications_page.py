"""The dashboard's notifications page in Debian's Chromium (Playwright), against real
processes: `pos cloud run` seeded with the demo tenant, `pos cloud worker`, and
`pos whatsapp-sim` posting its signed status webhooks to the cloud. A manager sees the
demo's templates, is told where a template is wrong, previews and saves it, sends a test
message and watches it go queued → read. Screenshot: test-artifacts/notifications/page.png.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from simulators.whatsapp.core import DEFAULT_ACCESS_TOKEN, DEFAULT_APP_SECRET, DEFAULT_PHONE_NUMBER_ID
from tests.support.ports import free_port
from tests.support.processes import Cloud, PosProcess, run_pos

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "notifications"


@pytest.fixture
def stack(tmp_path):
    sim_port = free_port()
    sim_url = f"http://127.0.0.1:{sim_port}"
    settings = {"POS_DEMO": "1", "POS_WHATSAPP_API_URL": sim_url,
                "POS_WHATSAPP_PHONE_NUMBER_ID": DEFAULT_PHONE_NUMBER_ID,
                "POS_WHATSAPP_ACCESS_TOKEN": DEFAULT_ACCESS_TOKEN, "POS_WHATSAPP_APP_SECRET": DEFAULT_APP_SECRET,
                "POS_NOTIFY_POLL_S": "1"}
    cloud = Cloud(tmp_path, env=settings)
    run_pos("cloud", "seed-demo", "--notifications", "--database-url", cloud.database_url, cwd=tmp_path, env=settings)
    cloud.start()
    sim = PosProcess(["whatsapp-sim", "--port", str(sim_port), "--webhook-url",
                      f"{cloud.url}/api/notifications/webhook/whatsapp/"], tmp_path / "sim.log",
                     f"{sim_url}/_sim/messages/").start()
    worker = PosProcess(["cloud", "worker", "--database-url", cloud.database_url], tmp_path / "worker.log",
                        "", settings, tmp_path).start(wait=False)
    try:
        yield cloud, sim_url
    finally:
        for process in (worker, sim, cloud):
            process.stop()


def test_a_manager_edits_a_template_and_watches_a_test_message_arrive(stack):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium")
    cloud, sim_url = stack
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        refused = "Failed to load resource: the server responded with a status of 400"  # the wrong template's save
        page.on("console", lambda message: errors.append(message.text)
                if message.type == "error" and not message.text.startswith(refused) else None)
        page.goto(f"{cloud.url}/dashboard/notifications/")
        page.get_by_test_id("login-username").fill("manager")
        page.get_by_test_id("login-password").fill("manager123")
        page.get_by_test_id("login-submit").click()
        templates = page.get_by_test_id("templates")
        expect(templates).to_contain_text("Payment received (WhatsApp)")
        expect(templates).to_contain_text("Payment received (email)")

        page.get_by_test_id("tpl-name").fill("Cancelled (WhatsApp)")
        page.get_by_test_id("tpl-type").select_option("order_cancelled")
        page.get_by_test_id("tpl-body").fill("Halo {{ customer_name }},\npesanan {{ order_code }} {{ amount }}")
        page.get_by_test_id("tpl-save").click()
        error = page.get_by_test_id("tpl-error")
        expect(error).to_contain_text("UNKNOWN_VARIABLE")
        expect(error).to_contain_text("line 2")

        page.get_by_test_id("tpl-body").fill(
            "Halo {{ customer_name }},\npesanan {{ order_code }} dibatalkan.{% if cancel_reason %} "
            "Alasan: {{ cancel_reason }}{% endif %}")
        page.get_by_test_id("tpl-preview").click()
        expect(page.get_by_test_id("preview-text")).to_have_text(
            "Halo Budi Santoso,\npesanan KMG-250630-1-0042 dibatalkan. Alasan: Customer changed their mind")
        page.get_by_test_id("tpl-save").click()
        expect(templates).to_contain_text("Cancelled (WhatsApp)")
        expect(error).to_be_hidden()

        page.get_by_test_id("test-recipient").fill("0812 5555 0000")
        page.get_by_test_id("test-message").fill("Halo dari head office")
        page.get_by_test_id("test-send").click()
        expect(page.get_by_test_id("test-result")).to_contain_text("Queued message")
        row = page.get_by_test_id("messages").locator("tbody tr", has_text="081255550000")
        expect(row).to_have_count(1)
        expect(row.locator(".status")).to_have_text("read", timeout=30_000)  # the worker sent it, the sim read it
        page.screenshot(path=str(ARTIFACTS / "page.png"), full_page=True)
        browser.close()
    sent = requests.get(f"{sim_url}/_sim/messages/", params={"to": "+6281255550000"}, timeout=5).json()["data"]
    assert [m["body"] for m in sent] == ["Halo dari head office"]
    assert errors == []
