"""Printing from the edge: jobs written with what caused them, sent by the print service
over the real serial transport to a fake printer on a pseudo-terminal, read back with
the ESC/POS decoder as a person would read the paper."""
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from edge.extensions import db
from edge.models import PrintJobRow
from edge.services.printing.runtime import PrintService
from printers.backoff import Backoff
from printers.worker import WorkerPolicy
from tests.support.escpos_decoder import decode
from tests.support.fake_printers import FakeSerialPrinter

FAST = WorkerPolicy(max_attempts=3, retry=Backoff(0.05, 0.2), wait=Backoff(0.05, 0.2), idle_poll_s=0.1,
                    recheck_silent_printer_s=0.5)


@pytest.fixture
def kitchen_printer():
    with FakeSerialPrinter() as printer:
        yield printer


@pytest.fixture
def receipt_printer():
    with FakeSerialPrinter() as printer:
        yield printer


@pytest.fixture
def printing(edge_app, manager, kitchen_printer, receipt_printer):
    for name, role, device in (("kitchen", "kitchen", kitchen_printer.device),
                               ("front", "receipt", receipt_printer.device)):
        response = manager.post("/api/printers/", {"name": name, "kind": "serial", "device": device,
                                                   "baudrate": 115200, "role": role, "profile": "TM-T20II",
                                                   "code_page": "CP858"})
        assert response.status_code == 201, response.json
    service = PrintService(edge_app, policy=FAST, poll_s=0.05)
    thread = threading.Thread(target=service.run, daemon=True)
    thread.start()
    yield service
    service.stop()
    thread.join(timeout=10)


class JobView:
    def __init__(self, row):
        self.state, self.copy, self.kind = row.state, row.copy, row.kind
        self.attempts, self.last_error = row.attempts, row.last_error


def jobs(edge_app, **filters):
    with edge_app.app_context():
        rows = [JobView(r) for r in db.session.query(PrintJobRow).filter_by(**filters).order_by(PrintJobRow.id)]
        db.session.rollback()
        return rows


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def sell(till, *items, **fields):
    order = till.order(*(items or (till.item("PZ-MARG", 1, ["Large"]), till.item("DR-COLA", 2))), **fields)
    assert till.pay(order["id"], "cash", tendered="500000.00").status_code == 201
    assert till.post(f"/api/orders/{order['id']}/confirm/").status_code == 200
    return till.get(f"/api/orders/{order['id']}/").json


def test_confirming_prints_a_kitchen_ticket_without_prices(edge_app, printing, cashier, kitchen_printer):
    cashier.open_shift()
    order = sell(cashier, table="7")
    assert wait_for(lambda: [j.state for j in jobs(edge_app, kind="kitchen")] == ["done"])
    paper = decode(kitchen_printer.received, encoding="cp858")
    assert any(order["order_number"] in line for line in paper.lines)
    assert any("Margherita Pizza" in line for line in paper.lines)
    assert any("Large" in line for line in paper.lines)
    assert not any("Rp" in line for line in paper.lines)
    assert paper.cuts >= 1


def test_a_fully_paid_order_prints_its_receipt_matching_the_text_view(edge_app, printing, cashier,
                                                                     receipt_printer):
    cashier.open_shift()
    order = sell(cashier)
    assert wait_for(lambda: [j.state for j in jobs(edge_app, kind="receipt")] == ["done"])
    paper = decode(receipt_printer.jobs()[-1], encoding="cp858")
    text = cashier.get(f"/api/orders/{order['id']}/receipt/?format=text").get_data(as_text=True).splitlines()
    assert [line.rstrip() for line in paper.lines if line.strip()] == [line.rstrip() for line in text if line.strip()]
    total = "Rp " + f"{int(float(order['total_amount'])):,}".replace(",", ".")
    assert any("TOTAL" in line and total in line for line in text), text
    assert paper.qr and order["uuid"] in paper.qr[0]
    assert [b.data for b in paper.barcodes] == [order["order_number"]]


def test_every_figure_on_the_receipt_is_the_stored_one(cashier):
    cashier.open_shift()
    order = sell(cashier, cashier.item("PZ-PEPP", 1, ["Large", "Extra cheese"]), cashier.item("DR-COLA", 3),
                 promo_codes=["WEEKEND30"])
    text = cashier.get(f"/api/orders/{order['id']}/receipt/?format=text").get_data(as_text=True)

    def rp(amount):
        return "Rp " + f"{int(float(amount)):,}".replace(",", ".")

    for field in ("subtotal", "service_charge", "tax_amount", "total_amount"):
        assert rp(order[field]) in text, (field, order[field])
    assert rp(order["promotions"][0]["discount_amount"]) in text
    assert rp(order["payments"][0]["change_amount"]) in text


def test_a_drawer_opened_with_no_sale_pulses_the_receipt_printer(edge_app, printing, cashier, receipt_printer):
    shift = cashier.open_shift()
    assert cashier.post(f"/api/shifts/{shift['id']}/drawer/", {"reason": "change"}).status_code == 201
    assert wait_for(lambda: [j.state for j in jobs(edge_app, kind="drawer")] == ["done"])
    assert decode(receipt_printer.jobs()[-1], encoding="cp858").drawer_pulses


def test_a_reprint_is_marked_copy(edge_app, printing, cashier, receipt_printer):
    cashier.open_shift()
    order = sell(cashier)
    assert wait_for(lambda: [j.state for j in jobs(edge_app, kind="receipt")] == ["done"])
    response = cashier.post(f"/api/orders/{order['id']}/print/", {"kind": "receipt"})
    assert response.status_code == 201 and response.json["jobs"][0]["copy"] is True
    assert wait_for(lambda: [j.state for j in jobs(edge_app, kind="receipt")] == ["done", "done"])
    assert "COPY" in decode(receipt_printer.jobs()[-1], encoding="cp858").inverted_lines[0]


def test_printer_off_while_five_orders_are_confirmed_prints_all_five_in_order_once(
        edge_app, printing, cashier, kitchen_printer):
    cashier.open_shift()
    kitchen_printer.state = "offline"
    numbers = [sell(cashier, cashier.item("DR-COLA"))["order_number"] for _ in range(5)]
    # the worker has looked at the printer, found it offline and held the head job back
    assert wait_for(lambda: [(j.state, j.attempts, j.last_error) for j in jobs(edge_app, kind="kitchen")][:1]
                    == [("queued", 0, "offline")])
    assert not kitchen_printer.jobs() or all(n not in decode(b"".join(kitchen_printer.jobs())).text
                                             for n in numbers)
    kitchen_printer.state = "online"
    assert wait_for(lambda: [j.state for j in jobs(edge_app, kind="kitchen")] == ["done"] * 5, timeout=15)
    printed = [line for job in kitchen_printer.jobs() for line in decode(job, encoding="cp858").lines
               if "YOG-" in line]
    order_of_print = [n for n in numbers for line in printed if n in line]
    assert order_of_print == numbers  # in order, each exactly once


def test_paper_out_makes_the_job_wait_and_it_resumes(edge_app, printing, cashier, manager, receipt_printer):
    cashier.open_shift()
    receipt_printer.state = "paper_out"
    sell(cashier)
    assert wait_for(lambda: any("paper" in p["problem"].lower()
                                for p in cashier.get("/api/status/").json["printers"]["problems"]))
    assert [j.state for j in jobs(edge_app, kind="receipt")] == ["queued"]
    receipt_printer.state = "online"
    assert wait_for(lambda: [j.state for j in jobs(edge_app, kind="receipt")] == ["done"])


def test_a_printer_that_stops_reading_never_stalls_the_api(edge_app, printing, cashier, receipt_printer):
    cashier.open_shift()
    receipt_printer.stop_reading()
    started = time.monotonic()
    latencies = []
    for _ in range(5):
        begin = time.monotonic()
        sell(cashier)
        latencies.append(time.monotonic() - begin)
    print(f"API while the receipt printer is stalled: {len(latencies)} sales, max {max(latencies) * 1000:.0f} ms, "
          f"{(time.monotonic() - started) * 1000:.0f} ms in all")
    receipt_printer.resume_reading()
    assert wait_for(lambda: all(j.state in ("done", "failed") for j in jobs(edge_app, kind="receipt")), timeout=20)
    states = [(j.state, j.copy) for j in jobs(edge_app, kind="receipt")]
    assert ("failed", False) in states or all(state == "done" for state, _ in states)
    if ("failed", False) in states:  # the interrupted one came out again, marked COPY
        assert any(copy for state, copy in states if state == "done")


def test_a_manager_retries_or_cancels_a_failed_job(edge_app, manager, cashier):
    printer = manager.post("/api/printers/", {"name": "away", "kind": "network", "device": "192.168.0.9",
                                              "role": "receipt"}).json
    cashier.open_shift()
    sell(cashier)
    with edge_app.app_context():
        job = db.session.query(PrintJobRow).filter_by(kind="receipt").one()
        job.state, job.last_error = "failed", "cannot reach printer"
        db.session.commit()
        job_id = job.id
    assert cashier.post(f"/api/printers/{printer['id']}/jobs/{job_id}/retry/").status_code == 403
    retried = manager.post(f"/api/printers/{printer['id']}/jobs/{job_id}/retry/")
    assert retried.status_code == 200 and retried.json["state"] == "queued"
    cancelled = manager.post(f"/api/printers/{printer['id']}/jobs/{job_id}/cancel/")
    assert cancelled.json["state"] == "cancelled"


def test_invalid_printer_settings_are_refused_with_the_field(manager):
    response = manager.post("/api/printers/", {"name": "p", "kind": "serial", "device": "/dev/ttyUSB0",
                                               "role": "receipt", "profile": "No-Such-Printer"})
    assert response.status_code == 400 and response.json["code"] == "INVALID_PRINTER"


def test_pos_printer_test_prints_a_test_page_on_the_pty_printer(edge_app, manager, receipt_printer):
    manager.post("/api/printers/", {"name": "front", "kind": "serial", "device": receipt_printer.device,
                                    "role": "receipt", "baudrate": 115200})
    pos = str(Path(sys.executable).with_name("pos"))
    done = subprocess.run([pos, "printer", "test", "front", "--data-dir", edge_app.config["DATA_DIR"]],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "front" in decode(receipt_printer.wait_for_bytes(200)).text
    missing = subprocess.run([pos, "printer", "test", "nope", "--data-dir", edge_app.config["DATA_DIR"]],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode != 0 and "no printer named" in missing.stderr


def test_a_payment_says_which_print_jobs_it_queued(manager, cashier):
    manager.post("/api/printers/", {"name": "front", "kind": "file", "device": "p.escpos", "role": "receipt"})
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA"))
    paid = cashier.pay(order["id"], "cash", tendered="50000.00").json
    assert sorted(job["kind"] for job in paid["print_jobs"]) == ["drawer", "receipt"]
    assert cashier.get("/api/outlet/").json["auto_print_receipt"] is True


def test_a_note_in_chinese_reaches_the_kitchen_ticket_as_a_drawn_line(edge_app, manager, cashier):
    """"辣" (spicy) on a dish: the kitchen screen showed it; the ticket printed "?"."""
    from tests.edge.paper import add_file_printer, printed

    add_file_printer(manager, role="kitchen", name="oven")
    add_file_printer(manager, role="receipt")
    cashier.open_shift()
    order = cashier.order(cashier.item("PS-AGLI", 1, ["Hot"], note="辣 extra spicy"), note="生日快乐")
    assert cashier.post(f"/api/orders/{order['id']}/confirm/").status_code == 200
    (ticket,) = printed(edge_app, "kitchen")
    assert not any("?" in line for line in ticket.lines)
    assert len(ticket.images) == 2 and {image.width for image in ticket.images} == {576}  # the note, the order note
    text = cashier.get(f"/api/orders/{order['id']}/receipt/?format=text").get_data(as_text=True)
    assert "Note: 辣 extra spicy" in text and "Note: 生日快乐" in text


def test_an_order_promotion_is_one_discount_line_on_the_receipt(cashier):
    """Lines at their own prices and the promotion as one line: never "Iced Cola Rp 17.358"
    (the per-line allocation stays in storage, where refunds by line need it)."""
    cashier.open_shift()
    order = cashier.order(cashier.item("PZ-PEPP", 2, ["Large"]), cashier.item("DR-COLA", 1, ["No ice"]),
                          cashier.item("DS-TIRA", 1))
    promotions = [(p["name"], p["discount_amount"]) for p in order["promotions"]]
    assert ("Rp 20.000 off above Rp 250.000", "20000.00") in promotions
    assert any(item["discount_amount"] != "0.00" for item in order["items"])  # allocated in storage
    text = cashier.get(f"/api/orders/{order['id']}/receipt/?format=text").get_data(as_text=True).splitlines()
    assert [line for line in text if line.startswith("1 x Iced Cola")] == [f"{'1 x Iced Cola':<39}Rp 18.000"]
    assert next(line for line in text if line.startswith("Rp 20.000 off")).endswith("-Rp 20.000")
