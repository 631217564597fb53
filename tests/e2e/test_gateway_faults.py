"""QRIS end to end on real processes, with the webhook faults issue 19 lists.

`pos gateway-sim`, a cloud charging through it (SQLite, seeded with the simulator's demo
credentials) and an enrolled edge with a file receipt printer. The till asks the edge
for a QRIS payment, the customer pays on the simulator, the simulator's signed webhook
reaches the cloud, and the edge's payment turns paid: the receipt prints and the cloud
holds ONE settled charge and ONE synced payment. Then the same with the webhook
duplicated, delayed past the cashier's cancel, reordered (settlement before pending),
forged, and with the cloud SIGKILLed between the charge and the webhook.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
import uuid

import pytest
import requests

from tests.support.escpos_decoder import decode
from tests.support.ports import free_port
from tests.support.processes import GatewaySim
from tests.sync.faults import copy_outlet

pytestmark = pytest.mark.e2e

TERMINAL = 6
QUICK_RETRIES = [300, 600, 1000, 1500, 2000, 3000, 4000]


@pytest.fixture(scope="module")
def outlet(tmp_path_factory, templates):
    workdir = tmp_path_factory.mktemp("gateway-faults")
    cloud_port = free_port()
    cloud_url = f"http://127.0.0.1:{cloud_port}"
    sim = GatewaySim(workdir / "sim.log", cloud_url).start()
    cloud, edge = copy_outlet(templates("sqlite"), workdir, cloud_port=cloud_port, cloud_env={
        "POS_MIDTRANS_API_URL": sim.url, "POS_XENDIT_API_URL": sim.url, "POS_CLOUD_PUBLIC_URL": cloud_url})
    try:
        cloud.start()
        edge.start()
        manager = session(edge, "manager", password="manager123")
        manager.post(f"{edge.url}/api/printers/", json={"name": "Counter", "kind": "file", "device": "counter.escpos",
                                                        "role": "receipt", "profile": "TM-T20II"}).raise_for_status()
        yield sim, cloud, edge
    finally:
        edge.stop()
        cloud.stop()
        sim.stop()


@pytest.fixture(autouse=True)
def plain_simulator(outlet):
    sim = outlet[0]
    configure(sim, delay_ms=0, duplicate=0, drop_next=0, reorder=False, retry_ms=QUICK_RETRIES)
    yield


def configure(sim, **settings):
    response = requests.post(f"{sim.url}/_sim/config", json=settings, timeout=5)
    assert response.status_code == 200, response.text


def session(edge, username, **secret) -> requests.Session:
    http = requests.Session()
    http.headers.update({"Authorization": f"Bearer {edge.login(username, **secret)}", "X-Terminal-ID": str(TERMINAL)})
    return http


@pytest.fixture
def cashier(outlet):
    return session(outlet[2], "cashier", pin="1234")


def qris_sale(edge, cashier, sku="DR-COLA") -> dict:
    product = cashier.get(f"{edge.url}/api/products/?search={sku}").json()["results"][0]
    order = cashier.post(f"{edge.url}/api/orders/", json={
        "client_uuid": str(uuid.uuid4()), "items": [{"product_id": product["id"], "quantity": 1}]}).json()
    payment = cashier.post(f"{edge.url}/api/payments/", json={"order_id": order["id"], "method": "qris"})
    assert payment.status_code == 201 and payment.json()["status"] == "pending", payment.text
    return {**payment.json(), "order": order}


def sim_charge(sim, payment_uuid) -> dict:
    listed = requests.get(f"{sim.url}/_sim/charges/", params={"order_id": payment_uuid}, timeout=5).json()["data"]
    assert len(listed) == 1, listed
    return listed[0]


def pay(sim, payment, **options) -> dict:
    response = requests.post(f"{sim.url}/_sim/charges/{sim_charge(sim, payment['uuid'])['id']}/pay", json=options,
                             timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def shown(edge, cashier, payment, **params) -> dict:
    return cashier.get(f"{edge.url}/api/payments/{payment['id']}/", params=params, timeout=40).json()


def wait_for(probe, timeout=20.0, every=0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


def cloud_rows(cloud, sql, *args) -> list[tuple]:
    with sqlite3.connect(cloud.workdir / "cloud.sqlite3", timeout=10) as db:
        return db.execute(sql, args).fetchall()


def charge_row(cloud, payment) -> tuple:
    rows = cloud_rows(cloud, "SELECT status, late_payment, id FROM gateway_charges WHERE payment_uuid = ?",
                      payment["uuid"])
    assert len(rows) == 1, rows
    return rows[0]


def verdicts(cloud, payment) -> list[str]:
    return [verdict for (verdict,) in cloud_rows(
        cloud, "SELECT c.verdict FROM payment_callbacks c JOIN gateway_charges g ON g.id = c.charge_id "
               "WHERE g.payment_uuid = ? ORDER BY c.id", payment["uuid"])]


def synced_payments(cloud, payment) -> list[tuple]:
    return cloud_rows(cloud, "SELECT method, amount, status FROM payments WHERE uuid = ?", payment["uuid"])


def assert_one_settled_payment(cloud, edge, cashier, payment) -> None:
    """The edge says paid, the cloud holds one paid charge and, once pushed, one synced payment."""
    assert wait_for(lambda: shown(edge, cashier, payment)["status"] == "paid"), shown(edge, cashier, payment)
    assert charge_row(cloud, payment)[0] == "paid"
    assert wait_for(lambda: synced_payments(cloud, payment), timeout=30)
    time.sleep(1.5)  # a second push would have come by now (push interval 1 s)
    assert synced_payments(cloud, payment) == [("qris", int(round(float(payment["amount"]) * 100)), "paid")]


def test_the_customer_pays_and_the_receipt_prints_and_the_cloud_holds_one_settled_payment(outlet, cashier):
    sim, cloud, edge = outlet
    payment = qris_sale(edge, cashier)
    assert shown(edge, cashier, payment)["status"] == "pending"
    pay(sim, payment)
    assert_one_settled_payment(cloud, edge, cashier, payment)
    printed = edge.data_dir / "printers" / "counter.escpos"
    gateway_id = sim_charge(sim, payment["uuid"])["id"]
    assert wait_for(lambda: printed.exists() and gateway_id in decode(printed.read_bytes()).text, timeout=30)
    paper = decode(printed.read_bytes())
    assert paper.lines_containing("QRIS") and paper.lines_containing(f"Ref {gateway_id}")
    assert b"\x1bp" not in printed.read_bytes()  # no drawer kick for money that never enters it
    # the first `pending` may come before the charge is committed (404, retried: then a regression)
    assert verdicts(cloud, payment).count("applied") == 1
    assert set(verdicts(cloud, payment)) <= {"unknown_charge", "unchanged", "applied", "regression"}


def test_a_duplicated_webhook_settles_once(outlet, cashier):
    sim, cloud, edge = outlet
    configure(sim, duplicate=2)
    payment = qris_sale(edge, cashier)
    pay(sim, payment)
    assert_one_settled_payment(cloud, edge, cashier, payment)
    assert wait_for(lambda: verdicts(cloud, payment).count("duplicate") >= 2)
    assert verdicts(cloud, payment).count("applied") == 1


def test_a_payment_whose_webhook_is_delayed_past_the_cashiers_cancel_wins_the_race(outlet, cashier):
    """The customer paid; the webhook is late; the cashier presses "cancel this QR". The
    gateway refuses to cancel a settled charge, the cloud asks its status: the payment is
    paid, not withdrawn, and the late webhook then changes nothing."""
    sim, cloud, edge = outlet
    payment = qris_sale(edge, cashier)
    pay(sim, payment, webhook={"delay_ms": 3000})
    cancelled = cashier.post(f"{edge.url}/api/payments/{payment['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "paid", cancelled.text
    assert_one_settled_payment(cloud, edge, cashier, payment)
    assert wait_for(lambda: "unchanged" in verdicts(cloud, payment) or "duplicate" in verdicts(cloud, payment),
                    timeout=10)
    assert charge_row(cloud, payment)[1] in (0, False)  # not a late payment: it won the race


def test_reordered_webhooks_settlement_before_pending_settle_and_stay_paid(outlet, cashier):
    sim, cloud, edge = outlet
    configure(sim, reorder=True)
    payment = qris_sale(edge, cashier)
    pay(sim, payment)
    assert_one_settled_payment(cloud, edge, cashier, payment)
    assert wait_for(lambda: "regression" in verdicts(cloud, payment), timeout=10), verdicts(cloud, payment)
    seen = verdicts(cloud, payment)
    assert seen.index("applied") < seen.index("regression")  # the settlement came first, the pending after
    assert charge_row(cloud, payment)[0] == "paid" and shown(edge, cashier, payment)["status"] == "paid"


def midtrans_signed(body: dict, server_key: str) -> bytes:
    raw = body["order_id"] + body["status_code"] + body["gross_amount"] + server_key
    return json.dumps({**body, "signature_key": hashlib.sha512(raw.encode()).hexdigest()}).encode()


def test_a_forged_settlement_is_refused_and_nothing_settles(outlet, cashier):
    sim, cloud, edge = outlet
    payment = qris_sale(edge, cashier)
    charge = sim_charge(sim, payment["uuid"])
    settlement = {"transaction_id": charge["id"], "order_id": payment["uuid"], "status_code": "200",
                  "transaction_status": "settlement", "gross_amount": charge["amount"], "currency": "IDR",
                  "payment_type": "qris", "transaction_time": "2026-12-06 20:00:00",
                  "settlement_time": "2026-12-06 20:00:05", "fraud_status": "accept"}
    for body in (midtrans_signed(settlement, "SB-Mid-server-somebody-else"),
                 midtrans_signed(settlement, "SB-Mid-server-somebody-else").replace(b'"signature_key":"',
                                                                                   b'"signature_key":"0'),
                 json.dumps(settlement).encode()):
        answer = requests.post(f"{cloud.url}/api/payments/webhook/midtrans/", data=body,
                               headers={"Content-Type": "application/json"}, timeout=10)
        assert answer.status_code in (400, 401), answer.text
    assert charge_row(cloud, payment)[0] == "pending"
    assert shown(edge, cashier, payment, check="false")["status"] == "pending"
    assert cashier.post(f"{edge.url}/api/payments/{payment['id']}/check/").json()["status"] == "pending"
    assert set(verdicts(cloud, payment)) <= {"forged", "unchanged", "malformed", "duplicate"}
    assert sim_charge(sim, payment["uuid"])["state"] != "paid"


def test_the_cloud_killed_between_the_charge_and_the_webhook_loses_and_doubles_nothing(outlet, cashier):
    """SIGKILL the cloud once the charge exists; the customer pays while it is down; the
    simulator's retries reach the restarted cloud and the edge's payment turns paid, once."""
    sim, cloud, edge = outlet
    payment = qris_sale(edge, cashier)
    cloud.kill()
    pay(sim, payment)
    assert shown(edge, cashier, payment)["status"] == "pending"  # the edge waits, it does not guess
    assert wait_for(lambda: any(attempt["error"] for delivery in requests.get(
        f"{sim.url}/_sim/webhooks/", params={"charge_id": sim_charge(sim, payment["uuid"])["id"]}, timeout=5
    ).json()["data"] for attempt in delivery["attempts"]), timeout=10)
    cloud.start()
    assert_one_settled_payment(cloud, edge, cashier, payment)
    assert verdicts(cloud, payment).count("applied") == 1


def test_with_every_webhook_lost_while_the_cloud_was_down_check_now_recovers_the_payment(outlet, cashier):
    sim, cloud, edge = outlet
    configure(sim, retry_ms=[])
    payment = qris_sale(edge, cashier)
    cloud.kill()
    pay(sim, payment)
    charge_id = sim_charge(sim, payment["uuid"])["id"]
    assert wait_for(lambda: [d for d in requests.get(f"{sim.url}/_sim/webhooks/", params={"charge_id": charge_id},
                                                     timeout=5).json()["data"] if d["state"] == "failed"])
    cloud.start()
    assert shown(edge, cashier, payment)["status"] == "pending"  # no webhook came: the cloud still says pending
    checked = cashier.post(f"{edge.url}/api/payments/{payment['id']}/check/")
    assert checked.status_code == 200 and checked.json()["status"] == "paid", checked.text
    assert_one_settled_payment(cloud, edge, cashier, payment)
    assert "applied" not in verdicts(cloud, payment)  # it came by the status query, not by a webhook


def test_a_long_poll_at_the_edge_answers_paid_as_soon_as_the_webhook_lands(outlet, cashier):
    """`GET /api/payments/<id>/?wait=20`: the edge long-polls the cloud, which answers when
    the settlement webhook changes the charge: long before the 20 s are up."""
    sim, cloud, edge = outlet
    payment = qris_sale(edge, cashier)
    answers = []
    waiter = threading.Thread(target=lambda: answers.append((shown(edge, cashier, payment, wait=20),
                                                              time.monotonic())))
    waiter.start()
    time.sleep(1.0)
    assert not answers  # still waiting: nothing changed
    paid_at = time.monotonic()
    pay(sim, payment)
    waiter.join(timeout=30)
    (answer, answered_at), = answers
    assert answer["status"] == "paid"
    assert answered_at - paid_at < 10  # the webhook ended the wait, not the 20 s
    assert_one_settled_payment(cloud, edge, cashier, payment)


def test_a_long_poll_with_the_cloud_down_answers_pending_at_once_as_before(outlet, cashier):
    sim, cloud, edge = outlet
    payment = qris_sale(edge, cashier)
    cloud.kill()
    try:
        started = time.monotonic()
        assert shown(edge, cashier, payment, wait=20)["status"] == "pending"
        assert time.monotonic() - started < 10
        refused = cashier.post(f"{edge.url}/api/payments/", json={"order_id": payment["order"]["id"],
                                                                   "method": "qris"})
        assert refused.status_code in (409, 503), refused.text
    finally:
        cloud.start()
    cancelled = cashier.post(f"{edge.url}/api/payments/{payment['id']}/cancel/")
    assert cancelled.json()["status"] == "cancelled", cancelled.text


@pytest.mark.parametrize("wait", ["26", "1.5", "-1", "soon"])
def test_a_wait_that_is_not_0_to_25_whole_seconds_is_refused(outlet, cashier, wait):
    sim, cloud, edge = outlet
    payment = qris_sale(edge, cashier)
    answer = cashier.get(f"{edge.url}/api/payments/{payment['id']}/", params={"wait": wait})
    assert answer.status_code == 400 and answer.json()["field"] == "wait", answer.text
    cashier.post(f"{edge.url}/api/payments/{payment['id']}/cancel/")


def test_a_payment_made_after_the_cashier_cancelled_is_recorded_as_an_overpayment_and_given_back(outlet, cashier):
    """The cashier withdraws the QR and takes cash; the customer's payment still lands (its
    webhook late too). The money is not lost: the cloud records the charge paid late, the
    edge's pull loop records the payment, the order shows the overpayment, the manager
    lists it and gives it back through the gateway in one request, once."""
    sim, cloud, edge = outlet
    payment = qris_sale(edge, cashier)
    assert cashier.post(f"{edge.url}/api/payments/{payment['id']}/cancel/").json()["status"] == "cancelled"
    cashier.post(f"{edge.url}/api/shifts/open/", json={"opening_cash": "0.00"})
    cash = cashier.post(f"{edge.url}/api/payments/", json={"order_id": payment["order"]["id"], "method": "cash",
                                                           "tendered": payment["amount"]})
    assert cash.status_code == 201, cash.text
    pay(sim, payment, force=True, webhook={"delay_ms": 1500})
    assert wait_for(lambda: charge_row(cloud, payment)[:2] == ("paid", 1), timeout=20), charge_row(cloud, payment)
    order_url = f"{edge.url}/api/orders/{payment['order']['id']}/"
    assert wait_for(lambda: cashier.get(order_url).json()["overpaid_amount"] == payment["amount"], timeout=30), \
        cashier.get(order_url).json()
    manager = session(edge, "manager", password="manager123")
    late = manager.get(f"{edge.url}/api/payments/late/").json()
    ours = [row for row in late if row["payment"]["id"] == payment["id"]]
    assert len(ours) == 1 and ours[0]["overpaid_amount"] == payment["amount"], late
    assert ours[0]["payment"]["status"] == "paid" and ours[0]["payment"]["late_payment"] is True
    assert cashier.get(f"{edge.url}/api/payments/late/").status_code == 403  # a manager's list
    given = manager.post(f"{edge.url}/api/payments/{payment['id']}/give-back/", json={})
    assert given.status_code == 201 and given.json()["amount"] == payment["amount"], given.text
    assert sim_charge(sim, payment["uuid"])["state"] == "refunded"
    assert cashier.get(order_url).json()["overpaid_amount"] == "0.00"
    again = manager.post(f"{edge.url}/api/payments/{payment['id']}/give-back/", json={})
    assert again.status_code == 409 and again.json()["code"] == "ALREADY_GIVEN_BACK", again.text
    assert wait_for(lambda: synced_payments(cloud, payment), timeout=30)
    assert synced_payments(cloud, payment) == [("qris", int(round(float(payment["amount"]) * 100)), "paid")]
    cash_too = manager.post(f"{edge.url}/api/payments/{cash.json()['id']}/give-back/", json={})
    assert cash_too.status_code == 409 and cash_too.json()["code"] == "NOT_A_LATE_PAYMENT"


def test_long_polls_never_take_every_cloud_thread(outlet, cashier):
    """`pos cloud run` (8 threads) holds at most 4 long-polls: a fifth is answered at once
    (pending: the till asks again), and the cloud keeps answering everything else."""
    sim, cloud, edge = outlet
    payments = [qris_sale(edge, cashier) for _ in range(5)]
    answered = {}

    def wait_on(payment):
        answered[payment["id"]] = (shown(edge, cashier, payment, wait=15)["status"], time.monotonic())

    started = time.monotonic()
    waiters = [threading.Thread(target=wait_on, args=(payment,)) for payment in payments[:4]]
    for waiter in waiters:
        waiter.start()
    time.sleep(2)  # the four hold their slots
    assert not answered
    fifth_asked = time.monotonic()
    assert shown(edge, cashier, payments[4], wait=15)["status"] == "pending"
    assert time.monotonic() - fifth_asked < 8  # not held: every slot was taken
    health = requests.get(f"{cloud.url}/api/health/", timeout=5)
    assert health.status_code == 200
    assert not answered  # the four still wait
    for payment in payments:
        cashier.post(f"{edge.url}/api/payments/{payment['id']}/cancel/")
    for waiter in waiters:
        waiter.join(timeout=30)
    assert [status for status, _ in answered.values()] == ["cancelled"] * 4
    assert all(at - started < 14 for _, at in answered.values())  # ended by the cancel, not the 15 s
