"""The real processes: an edge enrolled against a seeded cloud sells with the cloud gone."""
import time

import requests


def test_the_edge_sells_offline_and_the_backlog_drains_when_the_cloud_returns(outlet):
    cloud, edge = outlet
    token = edge.login("cashier", pin="1234")
    headers = {"Authorization": f"Bearer {token}", "X-Terminal-ID": "9"}
    assert requests.post(f"{edge.url}/api/shifts/open/", json={"opening_cash": "100000.00"}, headers=headers,
                         timeout=10).status_code == 201
    cola = requests.get(f"{edge.url}/api/products/?code=DR-COLA", headers=headers, timeout=10).json()["results"][0]
    cloud.stop()
    order = requests.post(f"{edge.url}/api/orders/", json={"items": [{"product_id": cola["id"], "quantity": 2}]},
                          headers=headers, timeout=10).json()
    assert requests.post(f"{edge.url}/api/payments/", json={"order_id": order["id"], "method": "cash",
                                                            "tendered": "50000.00"},
                         headers=headers, timeout=10).status_code == 201
    status = requests.get(f"{edge.url}/api/status/", headers=headers, timeout=10).json()
    assert status["sync"]["pending"] > 0
    cloud.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if requests.get(f"{edge.url}/api/orders/{order['id']}/", headers=headers, timeout=10).json()["sync_status"] \
                == "synced":
            break
        time.sleep(0.3)
    assert requests.get(f"{edge.url}/api/status/", headers=headers, timeout=10).json()["sync"]["pending"] == 0
    owner = requests.post(f"{cloud.url}/api/auth/login/", json={"username": "owner", "password": "owner123"},
                          timeout=10).json()["access"]
    synced = requests.get(f"{cloud.url}/api/orders/?search={order['order_number']}",
                          headers={"Authorization": f"Bearer {owner}"}, timeout=10).json()
    assert synced["count"] == 1 and synced["results"][0]["total_amount"] == order["total_amount"]


def test_an_approved_price_change_reaches_the_running_edge_within_one_pull_interval(outlet):
    cloud, edge = outlet
    owner = requests.post(f"{cloud.url}/api/auth/login/", json={"username": "owner", "password": "owner123"},
                          timeout=10).json()["access"]
    owner_headers = {"Authorization": f"Bearer {owner}"}
    product = requests.get(f"{cloud.url}/api/products/?search=DS-PANN", headers=owner_headers,
                           timeout=10).json()["results"][0]
    changed = requests.patch(f"{cloud.url}/api/products/{product['id']}/", json={"price": "41000.00"},
                             headers=owner_headers, timeout=10)
    assert changed.status_code == 200 and changed.json()["status"] == "approved"
    cashier = {"Authorization": f"Bearer {edge.login('cashier', pin='1234')}"}
    interval = 5  # POS_EDGE_PULL_INTERVAL_S in tests/support/processes.py
    started = time.monotonic()
    while time.monotonic() - started < interval + 5:
        row = requests.get(f"{edge.url}/api/products/?code=DS-PANN", headers=cashier, timeout=10).json()["results"][0]
        if row["price"] == "41000.00":
            break
        time.sleep(0.25)
    assert row["price"] == "41000.00"
    assert time.monotonic() - started <= interval + 5  # one interval, plus the cache's few seconds at most
