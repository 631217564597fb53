"""The till's e-receipt link: its order answer carries `receipt_url`, signed offline with
a key only it and the cloud can derive, and the receipt's QR encodes the same URL."""
import pytest

from edge.services.printing import receipt_links as edge_links
from sync import receipt_links


def test_the_order_answer_carries_the_link_its_receipt_qr_encodes(edge_app, cashier):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA", 2))
    credential = edge_app.config["TEST_CREDENTIAL"]
    prefix = f"http://cloud.test/r/{credential.device_id}/{order['uuid']}/"
    assert order["receipt_url"].startswith(prefix)
    signature = order["receipt_url"][len(prefix):]
    key = receipt_links.key_from_token(credential.device_token)
    assert receipt_links.verify(key, credential.device_id, order["uuid"], signature)
    assert not receipt_links.verify(key, credential.device_id + 1, order["uuid"], signature)
    receipt = cashier.get(f"/api/orders/{order['id']}/receipt/").json["receipt"]
    assert receipt["qr_payload"] == order["receipt_url"]
    assert cashier.get(f"/api/orders/{order['id']}/").json["receipt_url"] == order["receipt_url"]


def test_an_edge_not_enrolled_has_no_link(tmp_path):
    from tests.edge.conftest import make_edge

    app = make_edge(tmp_path / "edge")
    with app.app_context():
        assert edge_links.link_for("7b0e6a52-93a4-4f4f-9d0e-0c4f6a3d2b11") is None


def test_the_receipt_base_url_setting_replaces_the_enrollment_url_in_the_link_and_the_qr(edge_app, cashier):
    edge_app.config["RECEIPT_BASE_URL"] = "https://struk.example.id/pos"
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA", 1))
    credential = edge_app.config["TEST_CREDENTIAL"]
    assert order["receipt_url"].startswith(f"https://struk.example.id/pos/r/{credential.device_id}/{order['uuid']}/")
    receipt = cashier.get(f"/api/orders/{order['id']}/receipt/").json["receipt"]
    assert receipt["qr_payload"] == order["receipt_url"]


@pytest.mark.parametrize("wrong", ["ftp://struk.example.id", "https://struk.example.id/?a=1", "struk.example.id",
                                   "https://struk example.id"])
def test_a_receipt_base_url_that_is_not_an_http_url_stops_the_edge_at_start(tmp_path, wrong):
    from tests.edge.conftest import make_edge

    with pytest.raises(ValueError, match="POS_EDGE_RECEIPT_BASE_URL"):
        make_edge(tmp_path / "edge", RECEIPT_BASE_URL=wrong)
