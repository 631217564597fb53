"""After the end-to-end suite, no log holds a secret. A fresh outlet goes through every
flow that handles one (enrollment, password and PIN sign-ins right and wrong, a lock and
its unlock, refresh and its reuse, logout, a password change, registration, a device
token) and its logs are read for passwords, PINs, tokens, dev_/enr_ credentials, hashes
and the signing secret; then every log the session's processes wrote is read too. (The
session's teardown repeats the last check for whatever ran after, or in other workers.)"""
import requests

from tests.support import log_scan
from tests.support.processes import Cloud, Edge


def post(url, body, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(url, json=body, headers=headers, timeout=30)


def test_a_session_of_secrets_leaves_none_in_the_logs(tmp_path):
    cloud = Cloud(tmp_path, env={"POS_LOGIN_MAX_DELAY_S": "0"}).start()
    edge = Edge(tmp_path / "edge", env={"POS_LOGIN_MAX_DELAY_S": "0"})
    try:
        key = cloud.seed_demo()
        edge.enroll(cloud.url, key)
        edge.start()
        for base in (cloud.url, edge.url):
            for _ in range(11):  # wrong passwords until the manager's name locks
                post(f"{base}/api/auth/login/", {"username": "manager", "password": "manager124"})
        owner = post(f"{cloud.url}/api/auth/login/", {"username": "owner", "password": "owner123"}).json()
        manager_id = requests.get(f"{cloud.url}/api/users/?search=manager", timeout=10, headers={
            "Authorization": f"Bearer {owner['access']}"}).json()["results"][0]["id"]
        assert post(f"{cloud.url}/api/users/{manager_id}/unlock/", {}, owner["access"]).status_code == 200
        edge_owner = post(f"{edge.url}/api/auth/login/", {"username": "owner", "password": "owner123"}).json()
        assert post(f"{edge.url}/api/auth/unlock/", {"username": "manager"}, edge_owner["access"]).status_code == 200
        for wrong_pin in ("1235", "1236"):
            post(f"{edge.url}/api/auth/login/", {"username": "cashier", "pin": wrong_pin})
        cashier = post(f"{edge.url}/api/auth/login/", {"username": "cashier", "pin": "1234"}).json()
        for base, tokens in ((cloud.url, owner), (edge.url, cashier)):
            fresh = post(f"{base}/api/auth/refresh/", {"refresh": tokens["refresh"]}).json()
            assert post(f"{base}/api/auth/refresh/", {"refresh": tokens["refresh"]}).status_code == 401  # reuse
            post(f"{base}/api/auth/logout/", {"refresh": fresh["refresh"]}, fresh["access"])
        manager = post(f"{cloud.url}/api/auth/login/", {"username": "manager", "password": "manager123"}).json()
        changed = post(f"{cloud.url}/api/auth/change-password/",
                       {"old_password": "manager123", "new_password": "Str0ng-password"}, manager["access"])
        assert changed.status_code == 200
        registered = post(f"{cloud.url}/api/auth/register/", {
            "username": "fresh_owner", "password": "Str0ng-password", "password_confirm": "Str0ng-password",
            "store_name": "Fresh Store"})
        assert registered.status_code == 201
        device = post(f"{cloud.url}/api/sync/enroll/", {"enrollment_key": cloud.seed_demo(keep_other_devices=True),
                                                        "device_name": "spare till"}).json()
        assert post(f"{cloud.url}/api/sync/token/", {"device_id": device["device_id"],
                                                     "device_token": device["device_token"]}).status_code == 200
        assert post(f"{cloud.url}/api/sync/token/", {"device_id": device["device_id"],
                                                     "device_token": device["device_token"] + "x"}).status_code == 401
    finally:
        edge.stop()
        cloud.stop()
    log_scan.known_secret(key, device.get("device_token", "") if isinstance(device, dict) else "")
    ours = {str(path): log_scan.scan_text(path.read_text(errors="replace")) for path in (cloud.log_path, edge.log_path)}
    assert all(path.stat().st_size > 0 for path in (cloud.log_path, edge.log_path))
    assert {path: found for path, found in ours.items() if found} == {}


def test_no_log_of_this_sessions_processes_holds_a_secret(tmp_path):
    if not log_scan.watched():  # run alone (or first on its worker): a process of its own, signed into
        cloud = Cloud(tmp_path).start()
        try:
            post(f"{cloud.url}/api/auth/login/", {"username": "owner", "password": "owner123"})
        finally:
            cloud.stop()
    assert log_scan.watched(), "no process logs were recorded"
    assert log_scan.secrets_in_logs() == {}
