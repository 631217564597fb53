"""Where a manager's printer settings may reach: a file printer is a file name in the
edge's printers folder (never a path elsewhere); a network printer is an address on the
outlet's LAN at port 9100; a serial printer is a device under /dev/. Other hosts and
ports are for `pos printer add`, run by whoever owns the machine."""
import os
import stat
import threading
import time
from pathlib import Path

import pytest

from edge.extensions import db
from edge.models import Printer
from edge.services.printing import jobs as printing
from edge.services.printing.runtime import PrintService
from edge.services.storage.uow import write_transaction
from printers.backoff import Backoff
from printers.worker import WorkerPolicy

FAST = WorkerPolicy(max_attempts=2, retry=Backoff(0.05, 0.1), wait=Backoff(0.05, 0.1), idle_poll_s=0.1)


def add(manager, **fields):
    return manager.post("/api/printers/", {"name": "p", "role": "receipt", **fields})


def refused(response, field):
    return (response.status_code, response.json["code"], response.json["field"]) == (400, "INVALID_PRINTER", field)


@pytest.mark.parametrize("device", ["/etc/cron.d/pos", "../../pos", "printers/../../x", "sub/front.escpos",
                                    ".hidden", "..", "a" * 101])
def test_a_file_printer_takes_a_file_name_not_a_path(manager, device):
    assert refused(add(manager, kind="file", device=device), "device")


def test_a_patch_cannot_point_a_file_printer_elsewhere(manager):
    printer = add(manager, kind="file", device="front.escpos").json
    assert refused(manager.patch(f"/api/printers/{printer['id']}/", {"device": "/etc/cron.d/pos"}), "device")


@pytest.mark.parametrize("device, field", [("8.8.8.8", "host"), ("127.0.0.1", "host"), ("169.254.169.254", "host"),
                                           ("printer.example.com", "host"), ("192.168.1.20:22", "port"),
                                           ("10.0.0.5:6379", "port")])
def test_a_network_printer_is_on_the_outlets_lan_at_port_9100(manager, device, field):
    assert refused(add(manager, kind="network", device=device), field)


def test_a_network_printer_at_a_lan_address_is_taken_with_port_9100(manager):
    for device in ("192.168.1.20", "10.1.2.3:9100", "172.16.0.9"):
        response = add(manager, kind="network", device=device, name=device)
        assert response.status_code == 201 and response.json["config"]["port"] == 9100, response.json


def test_the_port_field_cannot_open_another_port_either(manager):
    assert refused(add(manager, kind="network", device="192.168.1.20", port=22), "port")


@pytest.mark.parametrize("change, field", [({"device": "8.8.8.8"}, "host"), ({"host": "8.8.8.8"}, "host"),
                                           ({"port": 25}, "port"), ({"device": "192.168.1.20:25"}, "port")])
def test_a_patch_cannot_move_a_network_printer_off_the_lan(manager, change, field):
    printer = add(manager, kind="network", device="192.168.1.20").json
    assert refused(manager.patch(f"/api/printers/{printer['id']}/", change), field)


def test_a_printer_the_owner_set_elsewhere_keeps_working_through_other_changes(edge_app, manager):
    with edge_app.app_context(), write_transaction() as session:
        printing.create_printer(session, {"name": "owners", "kind": "network", "device": "printer.lan:9101",
                                          "role": "kitchen"})
    printer_id = next(p["id"] for p in manager.get("/api/printers/").json["results"] if p["name"] == "owners")
    renamed = manager.patch(f"/api/printers/{printer_id}/", {"name": "kitchen-2", "station": "bar"})
    assert renamed.status_code == 200 and renamed.json["config"]["host"] == "printer.lan"


def test_a_serial_printer_is_a_device_under_dev(manager):
    assert refused(add(manager, kind="serial", device="/etc/passwd"), "device")
    assert refused(add(manager, kind="serial", device="/dev/../etc/passwd"), "device")
    assert add(manager, kind="serial", device="/dev/ttyUSB0").status_code == 201


def _print_test_page(edge_app, manager, printer_id):
    service = PrintService(edge_app, policy=FAST, poll_s=0.05)
    thread = threading.Thread(target=service.run, daemon=True)
    thread.start()
    try:
        job = manager.post(f"/api/printers/{printer_id}/test/").json
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            state = manager.get(f"/api/printers/{printer_id}/jobs/").json["results"][0]
            if state["id"] == job["id"] and state["state"] in ("done", "failed"):
                return state
            time.sleep(0.05)
        raise AssertionError("the test page did not finish")
    finally:
        service.stop()
        thread.join(timeout=10)


def test_a_file_printer_writes_into_the_printers_folder_for_the_owner_only(edge_app, manager):
    printer = add(manager, kind="file", device="front.escpos").json
    assert printer["config"]["device"] == "front.escpos"
    assert _print_test_page(edge_app, manager, printer["id"])["state"] == "done"
    path = Path(edge_app.config["DATA_DIR"]) / "printers" / "front.escpos"
    assert path.stat().st_size > 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


def test_a_file_path_stored_before_the_rule_prints_into_the_folder(edge_app, manager, tmp_path):
    outside = tmp_path / "cron.d" / "pos"
    with edge_app.app_context():
        row = Printer(name="legacy", config={**add(manager, kind="file", device="x.escpos", name="x").json["config"],
                                             "device": str(outside)}, role="receipt", is_active=True)
        db.session.add(row)
        db.session.commit()
        printer_id = row.id
    assert _print_test_page(edge_app, manager, printer_id)["state"] == "done"
    assert not outside.exists()
    assert (Path(edge_app.config["DATA_DIR"]) / "printers" / "pos").stat().st_size > 0


def test_a_jobs_error_does_not_quote_the_socket(edge_app, manager):
    with edge_app.app_context(), write_transaction() as session:
        printing.create_printer(session, {"name": "closed", "kind": "network", "device": "127.0.0.1:9",
                                          "role": "kitchen", "connect_timeout_s": 0.2})
    printer_id = next(p["id"] for p in manager.get("/api/printers/").json["results"] if p["name"] == "closed")
    failed = _print_test_page(edge_app, manager, printer_id)
    assert failed["state"] == "failed"
    assert failed["last_error"].startswith("cannot reach printer: no connection to the network printer")
    assert "refused" not in failed["last_error"].lower() and "errno" not in failed["last_error"].lower()
