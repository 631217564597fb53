"""The e-receipt page behind the receipt's QR (`/r/<device>/<order>/<signature>`): a link
signed by the till opens without a login, says the receipt will appear until the order
has synced, then shows the stored figures; anything else is a plain 404."""
from __future__ import annotations

import itertools

import pytest

from cloud.extensions import db
from cloud.models import Outlet
from cloud.services import enrollment
from sync import receipt_links
from sync.ids import new_uuid, sha256_hex
from sync.schemas import events
from sync.timeutil import isoformat, utcnow
from tests.cloud.test_drain_ingest import order, payment

pytestmark = pytest.mark.postgres


class Till:
    def __init__(self, app, client, outlet_id):
        with app.app_context():
            key, _ = enrollment.issue_key(db.session, db.session.get(Outlet, outlet_id), None, True)
            db.session.commit()
        enrolled = client.post("/api/sync/enroll/", json={"enrollment_key": key, "device_name": "till"}).json
        self.device_id, self.token = enrolled["device_id"], enrolled["device_token"]
        access = client.post("/api/sync/token/", json={"device_id": self.device_id, "device_token": self.token})
        self.client, self.headers = client, {"Authorization": f"Bearer {access.json['access_token']}"}
        self.seq = itertools.count(1)

    def link(self, order_uuid: str) -> str:
        key = receipt_links.key_from_token(self.token)
        return receipt_links.url("http://localhost", key, self.device_id, order_uuid)[len("http://localhost"):]

    def push(self, kind: str, values: dict) -> None:
        payload = events.dump(kind, values)
        event = {"seq": next(self.seq), "event_id": new_uuid(), "type": kind, "occurred_at": isoformat(utcnow()),
                 "payload": payload, "payload_sha256": sha256_hex(payload)}
        answer = self.client.post("/api/sync/push/", json={"events": [event]}, headers=self.headers)
        assert answer.json["results"][0]["status"] == "applied", answer.json


def test_the_page_says_it_will_appear_then_shows_the_stored_figures(app, client, world):
    till = Till(app, client, world.a.outlet_id)
    sold = order(world.a.outlet_id, lines=2, customer_name="Sari")
    link = till.link(sold["uuid"])
    pending = client.get(link)
    assert pending.status_code == 200 and "will appear here shortly" in pending.get_data(as_text=True)
    assert "Authorization" not in pending.request.headers
    till.push("order.snapshot", sold)
    till.push("payment.recorded", {**payment(sold["uuid"], 3000), "tendered": 5000, "change_amount": 2000})
    page = client.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert sold["order_number"] in html and "Sari" in html and "1x Item 1" in html and "2x Item 2" in html
    assert '<td class="num" data-testid="total">Rp 30</td>' in html
    assert "<td>Cash</td><td class=\"num\">Rp 30</td>" in html  # as the paper: the amount, then tendered and change
    assert "<td>Tendered</td><td class=\"num\">Rp 50</td>" in html
    assert "<td>Change</td><td class=\"num\">Rp 20</td>" in html
    assert "script-src" not in page.headers["Content-Security-Policy"] and "<script" not in html


@pytest.mark.parametrize("tamper", ["signature", "device", "order"])
def test_a_link_that_does_not_verify_is_a_plain_404(app, client, world, tamper):
    till = Till(app, client, world.a.outlet_id)
    sold = order(world.a.outlet_id)
    till.push("order.snapshot", sold)
    _, _, device, order_uuid, signature = till.link(sold["uuid"]).split("/")
    if tamper == "signature":
        signature = ("A" if signature[0] != "A" else "B") + signature[1:]
    elif tamper == "device":
        device = str(int(device) + 1)
    else:
        order_uuid = new_uuid()
    response = client.get(f"/r/{device}/{order_uuid}/{signature}")
    assert response.status_code == 404


def test_another_tills_link_for_the_same_order_does_not_open_it(app, client, world):
    first, second = Till(app, client, world.a.outlet_id), Till(app, client, world.a.outlet_id)
    sold = order(world.a.outlet_id)
    first.push("order.snapshot", sold)
    _, _, _, order_uuid, signature = second.link(sold["uuid"]).split("/")
    assert client.get(f"/r/{first.device_id}/{order_uuid}/{signature}").status_code == 404


def test_the_pdf_carries_the_same_figures_once_synced(app, client, world):
    from io import BytesIO

    from pypdf import PdfReader

    till = Till(app, client, world.a.outlet_id)
    sold = order(world.a.outlet_id, lines=2, customer_name="Sari")
    link = till.link(sold["uuid"])
    assert client.get(f"{link}/receipt.pdf").status_code == 404  # not synced yet
    till.push("order.snapshot", sold)
    till.push("payment.recorded", {**payment(sold["uuid"], 3000), "tendered": 5000, "change_amount": 2000})
    assert f'href="{link}/receipt.pdf"' in client.get(link).get_data(as_text=True)
    response = client.get(f"{link}/receipt.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = PdfReader(BytesIO(response.data)).pages[0].extract_text()
    for expected in (sold["order_number"], "Sari", "1 x Item 1", "2 x Item 2", "TOTAL", "Rp 30", "Tendered",
                     "Rp 50", "Change", "Rp 20"):
        assert expected in text, (expected, text)
    _, _, device, order_uuid, signature = link.split("/")
    assert client.get(f"/r/{device}/{order_uuid}/{signature[:-1]}X/receipt.pdf").status_code == 404


def test_service_and_tax_carry_their_rates_as_on_paper(app, client, world):
    """The tenant's rates, an outlet's own rate before them ("Service 5%", "Tax 11%")."""
    with app.app_context():
        outlet = db.session.get(Outlet, world.a.outlet_id)
        outlet.tenant.service_charge_bp, outlet.tax_rate_bp = 550, 1100
        db.session.commit()
    till = Till(app, client, world.a.outlet_id)
    sold = order(world.a.outlet_id, lines=1, service_charge=55, tax_amount=117, total_amount=1172)
    till.push("order.snapshot", sold)
    html = client.get(till.link(sold["uuid"])).get_data(as_text=True)
    assert "<td>Service 5.5%</td>" in html
    assert "Tax 11%" in html and "<td>Tax</td>" not in html and "<td>Service</td>" not in html
    from io import BytesIO

    from pypdf import PdfReader

    pdf = client.get(till.link(sold["uuid"]) + "/receipt.pdf")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.data)).pages)
    assert "Service 5.5%" in text and "Tax 11%" in text
