"""Pages in Debian's Chromium against the real processes: the kitchen screen's sign-out
ends the session on the edge (its refresh token stops working), and the API docs pages
of both apps run under their Content-Security-Policy (Swagger UI's scripts run and
fetch the document; nothing is refused)."""
from __future__ import annotations

import pytest
import requests

from tests.e2e.test_kitchen_page import CHROMIUM_ARGS, browser, open_kitchen  # noqa: F401  (fixtures)
from tests.e2e.test_kitchen_realtime import kitchen_outlet  # noqa: F401  (a shared fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def outlet(kitchen_outlet):  # noqa: F811
    return kitchen_outlet


def test_signing_out_of_the_kitchen_screen_ends_its_session_on_the_edge(browser, outlet):  # noqa: F811
    edge = outlet[1]
    page = open_kitchen(browser, edge)
    session = page.evaluate("() => JSON.parse(localStorage.getItem('kitchen.auth'))")
    assert requests.get(f"{edge.url}/api/users/me/", headers={"Authorization": f"Bearer {session['access']}"},
                        timeout=10).status_code == 200
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_response(lambda response: response.url.endswith("/api/auth/logout/")) as logout:
        page.click(".user")
    assert logout.value.status == 204
    page.wait_for_selector(".login:not([hidden])")
    refreshed = requests.post(f"{edge.url}/api/auth/refresh/", json={"refresh": session["refresh"]}, timeout=10)
    assert refreshed.status_code == 401
    assert requests.get(f"{edge.url}/api/users/me/", headers={"Authorization": f"Bearer {session['access']}"},
                        timeout=10).status_code == 401
    page.context.close()


@pytest.mark.parametrize("side", ["cloud", "edge"])
def test_the_docs_page_works_under_its_content_security_policy(browser, outlet, side):  # noqa: F811
    base = outlet[0].url if side == "cloud" else outlet[1].url
    context = browser.new_context()
    page = context.new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text else None)
    with page.expect_response(lambda answer: answer.url.endswith("/api/openapi.json")) as spec:
        response = page.goto(f"{base}/api/docs/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert spec.value.status == 200
    page.wait_for_selector("#swagger-ui .swagger-ui", timeout=15000)  # the inline script ran Swagger UI
    assert violations == []
    context.close()
