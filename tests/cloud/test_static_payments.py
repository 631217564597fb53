"""Static QRIS at the cloud: the unverified list, and settlement reports (Midtrans settlement
CSV, Xendit transactions report CSV) matched by reference and amount. Matches verify;
differences are flagged and listed, never changed; an import is one transaction and the
same file again changes nothing; bad lines are refused by line number."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from cloud.extensions import db
from cloud.models import SettlementLine, SyncedPayment
from cloud.services import enrollment, tenants
from cloud.services.actor import Actor
from sync.ids import new_uuid
from tests.cloud.factories import make_user, token
from tests.cloud.test_role_matrix import enroll_device, event, order_payload, push
from tests.support.static_qris import static_payload

DAY = "2026-11-20"


@pytest.fixture
def till(app, world):
    """A device at tenant a's first outlet and one at its second, to push payments with."""
    tw = world.a
    with app.app_context():
        owner = Actor(tw.users["tenant_owner"], "owner", "tenant_owner", tw.tenant_id, None)
        keys = [enrollment.issue_key(db.session, tenants.get_outlet(db.session, owner, o), None,
                                     keep_other_devices=True)[0] for o in (tw.outlet_id, tw.other_outlet_id)]
        bound = make_user("manager", "aa_outlet_two_manager", tw.tenant_id, tw.other_outlet_id)
        db.session.commit()
        bound_token = token(bound)
    client = app.test_client()
    accesses = [enroll_device(client, key, f"till {i}")[2] for i, key in enumerate(keys)]

    class Till:
        seq = {0: 0, 1: 0}
        manager_two = {"Authorization": f"Bearer {bound_token}"}

        def sell(self, reference, amount="95000.00", method="static_qr", outlet=0, day=DAY):
            outlet_id = (tw.outlet_id, tw.other_outlet_id)[outlet]
            order = order_payload(outlet_id, f"AA{outlet + 1}-{new_uuid()[:8]}", tw.product_id)
            order.update(total_amount=amount, paid_amount=amount, business_date=day)
            paid = {"uuid": new_uuid(), "order_uuid": order["uuid"], "terminal": 1, "method": method, "amount": amount,
                    "change_amount": "0.00", "status": "paid", "reference": reference,
                    "created_at": f"{day}T10:04:00Z", "business_date": day}
            self.seq[outlet] += 2
            results = push(client, accesses[outlet], [event(self.seq[outlet] - 1, "order.snapshot", order),
                                                      event(self.seq[outlet], "payment.recorded", paid)])
            assert {r["status"] for r in results} == {"applied"}, results
            return paid["uuid"]

    return Till()


def midtrans_csv(*rows) -> bytes:
    lines = ["Order ID,Transaction ID,Payment Type,Gross Amount,Transaction Status,Settlement Time"]
    lines += [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def upload(client, headers, body: bytes, provider="midtrans", date_from=DAY, date_to=DAY, **form):
    data = {"provider": provider, "date_from": date_from, "date_to": date_to, **form,
            "file": (io.BytesIO(body), "report.csv")}
    return client.post("/api/payments/settlements/", data=data, content_type="multipart/form-data", headers=headers)


def listed(client, headers, **query):
    response = client.get("/api/payments/static/", query_string={"page_size": 100, **query}, headers=headers)
    assert response.status_code == 200, response.json
    return {row["reference"]: row for row in response.json["results"]}


def test_static_payments_are_listed_unverified_for_the_manager(client, world, till):
    till.sell("RRN-1")
    till.sell("CARD-1", method="card")
    rows = listed(client, world.headers("manager"))
    assert set(rows) == {"RRN-1"}
    assert rows["RRN-1"]["verified"] is False and rows["RRN-1"]["amount"] == "95000.00"
    assert rows["RRN-1"]["business_date"] == DAY and rows["RRN-1"]["order_number"].startswith("AA1-")


def test_a_midtrans_settlement_verifies_matching_payments(client, world, till):
    till.sell("RRN-1")
    till.sell("RRN-2", amount="40000.00")
    headers = world.headers("manager")
    body = midtrans_csv(("RRN-1", "tx-1", "qris", "95000.00", "settlement", f"{DAY} 23:00:00"),
                        ("RRN-2", "tx-2", "qris", "40000", "settlement", f"{DAY} 23:00:00"))
    response = upload(client, headers, body)
    assert response.status_code == 201, response.json
    assert response.json["matched"] == 2 and response.json["flagged"] == 0 and response.json["differences"] == []
    assert listed(client, headers) == {}
    verified = listed(client, headers, state="verified")
    assert set(verified) == {"RRN-1", "RRN-2"} and all(row["verified"] for row in verified.values())


def test_differences_are_flagged_and_change_nothing(app, client, world, till):
    till.sell("RRN-AMOUNT")
    till.sell("RRN-ABSENT")
    till.sell("RRN-OTHER-DAY", day="2026-11-22")
    headers = world.headers("tenant_owner")
    body = midtrans_csv(("RRN-AMOUNT", "tx-1", "qris", "90000.00", "settlement", f"{DAY} 23:00:00"),
                        ("RRN-STRANGER", "tx-2", "qris", "10000.00", "settlement", f"{DAY} 23:00:00"),
                        ("RRN-PENDING", "tx-3", "qris", "10000.00", "pending", ""))
    response = upload(client, headers, body)
    assert response.status_code == 201, response.json
    assert response.json["matched"] == 0 and response.json["flagged"] == 3
    flags = {(d["outcome"], d["reference"]): d for d in response.json["differences"]}
    assert set(flags) == {("amount_mismatch", "RRN-AMOUNT"), ("reference_not_found", "RRN-STRANGER"),
                          ("missing_from_settlement", "RRN-ABSENT")}  # not the other day's, not the pending line
    mismatch = flags[("amount_mismatch", "RRN-AMOUNT")]
    assert mismatch["row_number"] == 2 and mismatch["amount"] == "90000.00" and mismatch["payment_amount"] == "95000.00"
    assert flags[("missing_from_settlement", "RRN-ABSENT")]["row_number"] is None
    rows = listed(client, headers)
    assert set(rows) == {"RRN-AMOUNT", "RRN-ABSENT", "RRN-OTHER-DAY"}  # all still unverified
    assert rows["RRN-AMOUNT"]["flag"] == "amount_mismatch" and rows["RRN-OTHER-DAY"]["flag"] is None
    with app.app_context():  # the facts stand as the till recorded them
        amount = db.session.execute(select(SyncedPayment.amount).where(SyncedPayment.reference == "RRN-AMOUNT"))
        assert amount.scalar_one() == 9_500_000
    detail = client.get(f"/api/payments/settlements/{response.json['id']}/", headers=headers).json
    assert [(r["row_number"], r["outcome"]) for r in detail["rows"]] == [
        (2, "amount_mismatch"), (3, "reference_not_found"), (4, "not_settled"), (None, "missing_from_settlement")]


def test_the_same_file_again_answers_the_first_import_and_adds_nothing(app, client, world, till):
    till.sell("RRN-1")
    headers = world.headers("manager")
    body = midtrans_csv(("RRN-1", "tx-1", "qris", "95000.00", "settlement", ""))
    first = upload(client, headers, body)
    again = upload(client, headers, body)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json["id"] == first.json["id"] and again.json["replayed"] is True and again.json["matched"] == 1
    with app.app_context():
        assert db.session.execute(select(func.count(SettlementLine.id))).scalar_one() == 1


def test_a_second_file_with_a_verified_line_says_already_verified(client, world, till):
    till.sell("RRN-1")
    headers = world.headers("manager")
    upload(client, headers, midtrans_csv(("RRN-1", "tx-1", "qris", "95000.00", "settlement", "")))
    later = upload(client, headers, midtrans_csv(("RRN-1", "tx-1", "qris", "95000.00", "settlement", "x")))
    assert later.status_code == 201 and later.json["matched"] == 0 and later.json["flagged"] == 0
    detail = client.get(f"/api/payments/settlements/{later.json['id']}/", headers=headers).json
    assert [r["outcome"] for r in detail["rows"]] == ["already_verified"]


def test_bad_lines_refuse_the_whole_file_by_line_number(app, client, world, till):
    till.sell("RRN-1")
    headers = world.headers("manager")
    body = midtrans_csv(("RRN-1", "tx-1", "qris", "95000.00", "settlement", ""),
                        ("", "", "qris", "1000.00", "settlement", ""),
                        ("RRN-3", "tx-3", "qris", "12.345", "settlement", ""))
    response = upload(client, headers, body)
    assert response.status_code == 400 and response.json["code"] == "INVALID_ROWS"
    assert [row["line"] for row in response.json["rows"]] == [3, 4]
    with app.app_context():
        assert db.session.execute(select(func.count(SettlementLine.id))).scalar_one() == 0
    assert set(listed(client, headers)) == {"RRN-1"}


@pytest.mark.parametrize(("body", "code"), [
    (b"sku,name\n1,2\n", "INVALID_CSV"),
    (b"\xff\xfe not utf-8", "INVALID_CSV"),
    (b"Order ID,Gross Amount\n" + b"R" * 200_000 + b",1.00\n", "INVALID_CSV"),  # a cell past the csv module's limit
])
def test_a_file_that_is_not_the_providers_report_is_refused(client, world, body, code):
    response = upload(client, world.headers("manager"), body)
    assert response.status_code == 400 and response.json["code"] == code and response.json["field"] == "file"


def test_the_dates_must_make_a_range(client, world):
    body = midtrans_csv(("RRN-1", "tx-1", "qris", "95000.00", "settlement", ""))
    response = upload(client, world.headers("manager"), body, date_from="2026-11-21", date_to="2026-11-20")
    assert response.status_code == 400 and response.json["code"] == "INVALID_DATE_RANGE"
    missing = upload(client, world.headers("manager"), body, provider="stripe")
    assert missing.status_code in (400, 422) and missing.json["field"] == "provider"


def test_a_xendit_transactions_report_matches_on_reference_and_skips_refunds(client, world, till):
    till.sell("QR-REF-9", amount="25000.00")
    headers = world.headers("manager")
    body = (b"Status,Type,Channel,Channel Name,Currency,Amount,Total Fee,Total VAT,Net Amount,Reference,Product ID\n"
            b"SUCCESS,PAYMENT,QR_CODE,QRIS,IDR,25000,175,19,24806,QR-REF-9,qrpy_1\n"
            b"SUCCESS,REFUND,QR_CODE,QRIS,IDR,-5000,0,0,-5000,QR-REF-9,rfd_1\n")
    response = upload(client, headers, body, provider="xendit")
    assert response.status_code == 201, response.json
    assert response.json["matched"] == 1 and response.json["flagged"] == 0
    detail = client.get(f"/api/payments/settlements/{response.json['id']}/", headers=headers).json
    assert [r["outcome"] for r in detail["rows"]] == ["matched", "not_settled"]


def test_an_outlet_bound_manager_sees_and_imports_only_their_outlet(client, world, till):
    till.sell("RRN-ONE", outlet=0)
    till.sell("RRN-TWO", outlet=1)
    assert set(listed(client, till.manager_two)) == {"RRN-TWO"}
    body = midtrans_csv(("RRN-ONE", "tx-1", "qris", "95000.00", "settlement", ""),
                        ("RRN-TWO", "tx-2", "qris", "95000.00", "settlement", ""))
    response = upload(client, till.manager_two, body)
    assert response.status_code == 201, response.json
    assert response.json["outlet_id"] == world.a.other_outlet_id and response.json["matched"] == 1
    assert [d["reference"] for d in response.json["differences"]] == ["RRN-ONE"]  # not theirs: not found
    assert set(listed(client, world.headers("manager"))) == {"RRN-ONE"}
    other = upload(client, till.manager_two, body + b"\n", outlet_id=str(world.a.outlet_id))
    assert other.status_code == 404


def test_another_tenant_sees_nothing_and_cannot_read_an_import(client, world, till):
    till.sell("RRN-1")
    created = upload(client, world.headers("manager"), midtrans_csv(("RRN-1", "t", "qris", "95000.00", "settlement",
                                                                     "")))
    b = world.headers("tenant_owner", "b")
    assert listed(client, b, state="all") == {}
    assert client.get(f"/api/payments/settlements/{created.json['id']}/", headers=b).status_code == 404
    assert client.get("/api/payments/settlements/", headers=b).json["count"] == 0
    replay = upload(client, b, midtrans_csv(("RRN-1", "t", "qris", "95000.00", "settlement", "")))
    assert replay.status_code == 201 and replay.json["matched"] == 0  # b's own import; a's payment untouched
    assert [d["outcome"] for d in replay.json["differences"]] == ["reference_not_found"]


def test_the_outlet_setting_takes_only_a_static_qris_payload(client, world):
    headers = world.headers("tenant_owner")
    path = f"/api/outlets/{world.a.outlet_id}/"
    good = static_payload()
    assert client.patch(path, json={"static_qris": good}, headers=headers).json["static_qris"] == good
    broken = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert client.patch(path, json={"static_qris": broken}, headers=headers).json["code"] == "INVALID_QRIS"
    dynamic = client.patch(path, json={"static_qris": static_payload(initiation="12")}, headers=headers)
    assert dynamic.status_code == 400 and dynamic.json["code"] == "QRIS_NOT_STATIC"
    assert client.patch(path, json={"static_qris": ""}, headers=headers).json["static_qris"] == ""
