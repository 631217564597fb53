"""What real `pos` processes write is their OS user's alone (umask 077 at start-up): the
edge's database with its -wal and -shm, secret and device credential, the cloud's
database, and the printers' files."""
import os
import stat
import time

import requests


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_running_outlets_files_are_private(outlet):
    cloud, edge = outlet
    token = edge.login("manager", password="manager123")
    printer = requests.post(f"{edge.url}/api/printers/", json={"name": "private", "kind": "file",
                                                               "device": "private.escpos", "role": "kitchen"},
                            headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert printer.status_code == 201, printer.text
    requests.post(f"{edge.url}/api/printers/{printer.json()['id']}/test/",
                  headers={"Authorization": f"Bearer {token}"}, timeout=10)
    data = edge.data_dir
    files = [data / name for name in ("edge.sqlite3", "edge.sqlite3-wal", "edge.sqlite3-shm", "secret.key",
                                      "device.json")] + [cloud.workdir / "cloud.sqlite3"]
    assert mode(data) == 0o700
    assert {str(path): mode(path) for path in files if path.exists()} == {str(path): 0o600 for path in files
                                                                          if path.exists()}
    assert (data / "edge.sqlite3-wal").exists() and (cloud.workdir / "cloud.sqlite3").exists()
    escpos = data / "printers" / "private.escpos"
    for _ in range(100):  # the print worker writes it a moment later
        if escpos.exists():
            break
        time.sleep(0.1)
    assert mode(data / "printers") == 0o700 and mode(escpos) == 0o600
