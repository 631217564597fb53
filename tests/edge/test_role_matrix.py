"""Every edge route and who may call it: the table below must list exactly the app's
routes, match each view's declared access, and hold for every role."""
import pytest

from edge.extensions import db
from edge.models import OutboxEvent
from tests.edge.conftest import login

RANKS = {"kitchen": 1, "stockkeeper": 1, "cashier": 2, "manager": 3, "tenant_owner": 4}
LOGINS = {"kitchen": {"password": "kitchen123"}, "stockkeeper": {"pin": "2468"}, "cashier": {"pin": "1234"},
          "manager": {"password": "manager123"},
          "tenant_owner": {"password": "owner123"}}
USERS = {"kitchen": "kitchen", "stockkeeper": "stock", "cashier": "cashier", "manager": "manager",
         "tenant_owner": "owner"}

MATRIX = {
    ("POST", "/api/auth/login/"): "public",
    ("POST", "/api/auth/logout/"): "kitchen",
    ("POST", "/api/auth/refresh/"): "public",
    ("GET", "/api/auth/users/"): "public",
    ("POST", "/api/auth/unlock/"): "manager",  # lifts a sign-in lock (issue 16)
    ("GET", "/api/users/me/"): "kitchen",
    ("GET", "/api/outlet/"): "kitchen",
    ("GET", "/api/status/"): "kitchen",
    ("GET", "/api/health/"): "public",
    ("GET", "/metrics"): "scrape",  # an allowed address or the scrape token only: 403 to everyone here
    ("GET", "/api/categories/"): "kitchen",
    ("GET", "/api/products/"): "kitchen",
    ("GET", "/api/products/<int:product_id>/"): "kitchen",
    ("GET", "/api/promotions/active/"): "kitchen",
    ("GET", "/api/customers/"): "cashier",
    ("POST", "/api/customers/"): "cashier",
    ("GET", "/api/customers/<int:customer_id>/"): "cashier",
    ("PATCH", "/api/customers/<int:customer_id>/"): "cashier",
    ("POST", "/api/customers/search/"): "cashier",
    ("GET", "/api/orders/"): "cashier",
    ("POST", "/api/orders/"): "cashier",
    ("POST", "/api/orders/quote/"): "cashier",
    ("GET", "/api/orders/<int:order_id>/"): "cashier",
    ("PATCH", "/api/orders/<int:order_id>/"): "cashier",
    ("POST", "/api/orders/<int:order_id>/confirm/"): "cashier",
    ("POST", "/api/orders/<int:order_id>/cancel/"): "cashier",
    ("POST", "/api/orders/<int:order_id>/e-receipt/"): "cashier",  # the customer asks at the counter (issue 22)
    ("POST", "/api/orders/<int:order_id>/complete/"): "cashier",
    ("POST", "/api/orders/<int:order_id>/print/"): "cashier",
    ("GET", "/api/orders/<int:order_id>/receipt/"): "cashier",
    ("POST", "/api/orders/<int:order_id>/refund/"): "manager",
    ("POST", "/api/orders/<int:order_id>/refund/preview/"): "cashier",
    ("POST", "/api/orders/<int:order_id>/void/"): "manager",
    ("POST", "/api/payments/"): "cashier",
    ("GET", "/api/payments/<int:payment_id>/"): "cashier",
    ("POST", "/api/payments/<int:payment_id>/check/"): "cashier",  # a QRIS / e-wallet payment waiting
    ("POST", "/api/payments/<int:payment_id>/cancel/"): "cashier",
    ("GET", "/api/payments/<int:payment_id>/qr.svg"): "cashier",
    ("POST", "/api/payments/<int:payment_id>/print-qr/"): "cashier",  # a waiting QRIS code on paper
    ("GET", "/api/payments/late/"): "manager",  # paid after the QR was cancelled or expired (issue 19)
    ("POST", "/api/payments/<int:payment_id>/give-back/"): "manager",
    ("GET", "/api/payments/display/"): "cashier",  # the screen facing the customer (issue 19, part 4)
    ("GET", "/api/outlet/static-qr.svg"): "cashier",  # the outlet's printed QR, drawn
    ("POST", "/api/shifts/open/"): "cashier",
    ("GET", "/api/shifts/current/"): "cashier",
    ("GET", "/api/shifts/"): "manager",
    ("GET", "/api/shifts/<int:shift_id>/"): "cashier",
    ("POST", "/api/shifts/<int:shift_id>/cash-movements/"): "cashier",
    ("POST", "/api/shifts/<int:shift_id>/drawer/"): "cashier",
    ("GET", "/api/shifts/<int:shift_id>/report/"): "cashier",
    ("POST", "/api/shifts/<int:shift_id>/close/"): "cashier",
    ("POST", "/api/shifts/<int:shift_id>/print/"): "cashier",
    ("GET", "/api/kitchen/orders/"): "kitchen",
    ("PATCH", "/api/kitchen/orders/<int:order_id>/status/"): "kitchen",
    ("POST", "/api/kitchen/orders/<int:order_id>/ready/"): "kitchen",
    ("POST", "/api/kitchen/orders/<int:order_id>/recall/"): "kitchen",
    ("PATCH", "/api/kitchen/orders/<int:order_id>/items/<int:item_id>/status/"): "kitchen",
    ("GET", "/api/sync/status/"): "manager",
    ("POST", "/api/sync/push/"): "manager",
    ("POST", "/api/sync/pull/"): "manager",
    ("POST", "/api/sync/dead-letters/<int:seq>/retry/"): "manager",
    ("POST", "/api/sync/dead-letters/<int:seq>/dismiss/"): "manager",
    ("GET", "/api/stock/"): "cashier",
    ("POST", "/api/stock/receive/"): "manager",
    ("POST", "/api/stock/waste/"): "manager",
    ("GET", "/api/sold-out/"): "kitchen",
    ("PUT", "/api/sold-out/"): "manager",  # 86 at the till
    ("GET", "/api/stocktakes/"): "manager",
    ("POST", "/api/stocktakes/"): "manager",
    ("GET", "/api/stocktakes/<int:stocktake_id>/"): "manager",
    ("PUT", "/api/stocktakes/<int:stocktake_id>/counts/"): "manager",
    ("POST", "/api/stocktakes/<int:stocktake_id>/post/"): "manager",
    ("POST", "/api/stocktakes/<int:stocktake_id>/cancel/"): "manager",
    ("POST", "/api/transfers/"): "manager",
    ("GET", "/api/transfers/incoming/"): "manager",
    ("POST", "/api/transfers/incoming/<string:transfer_uuid>/receive/"): "manager",
    ("GET", "/api/printers/"): "manager",
    ("POST", "/api/printers/"): "manager",
    ("GET", "/api/printers/<int:printer_id>/"): "manager",
    ("PATCH", "/api/printers/<int:printer_id>/"): "manager",
    ("GET", "/api/printers/<int:printer_id>/jobs/"): "manager",
    ("POST", "/api/printers/<int:printer_id>/jobs/<int:job_id>/retry/"): "manager",
    ("POST", "/api/printers/<int:printer_id>/jobs/<int:job_id>/cancel/"): "manager",
    ("POST", "/api/printers/<int:printer_id>/test/"): "manager",
    ("GET", "/api/audit/verify/"): "manager",  # the till's audit chain (issue 21)
    # pages and documents: open on the LAN (the pages log their users in themselves)
    ("GET", "/kiosk/"): "public",
    ("GET", "/kiosk/customer-display"): "public",  # the page shell; it signs in before any data
    ("GET", "/kitchen/"): "public",
    ("GET", "/api/openapi.json"): "public",
    ("GET", "/api/docs/"): "public",
    ("GET", "/api/docs/assets/<path:filename>"): "public",
    ("GET", "/docs/oauth2-redirect"): "public",
    ("GET", "/static/<path:filename>"): "public",
}


# A stockkeeper has the kitchen's rank and, by name, the stock routes: on-hand, receiving,
# waste, stocktakes and transfers (not the 86 mark, a manager's; nothing that sells).
STOCKKEEPER_ROUTES = {route for route in MATRIX if route[1].startswith(("/api/stock/", "/api/stocktakes/",
                                                                        "/api/transfers/"))}


def routes(app):
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.endswith(".static") and rule.rule != "/static/<path:filename>":
            continue  # blueprints' own asset folders
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found[(method, rule.rule)] = rule.endpoint
    return found


def test_the_matrix_lists_exactly_the_apps_routes(edge_app):
    assert set(routes(edge_app)) == set(MATRIX)


def test_every_view_declares_the_access_the_matrix_expects(edge_app):
    for key, endpoint in routes(edge_app).items():
        declared = getattr(edge_app.view_functions[endpoint], "_access", "public")
        assert declared == MATRIX[key], key


def test_exactly_the_stock_routes_grant_the_stockkeeper_by_name(edge_app):
    granted = {key for key, endpoint in routes(edge_app).items()
               if "stockkeeper" in getattr(edge_app.view_functions[endpoint], "_also", ())}
    assert granted == STOCKKEEPER_ROUTES and len(granted) == 12


@pytest.fixture
def ids(edge_app, client, manager):
    """One of everything, so every route with an id has a real one to work on."""
    till = manager
    shift = till.open_shift()
    order = till.order(till.item("DR-COLA"), till.item("PZ-MARG", 1, ["Regular"]))
    payment = till.pay(order["id"], "cash", amount="10000.00", tendered="10000.00").json
    customer = till.post("/api/customers/", {"name": "Ana", "phone": "081111111111"}).json
    printer = till.post("/api/printers/", {"name": "p", "kind": "file", "device": "p.escpos",
                                           "role": "kitchen"}).json
    till.post(f"/api/printers/{printer['id']}/test/")
    stocktake = till.post("/api/stocktakes/", {}).json
    with edge_app.app_context():
        seq = db.session.query(OutboxEvent.seq).first()[0]
    return {"order_id": order["id"], "item_id": order["items"][0]["id"], "payment_id": payment["id"],
            "shift_id": shift["id"], "customer_id": customer["id"], "product_id": order["items"][0]["product_id"],
            "printer_id": printer["id"], "job_id": 1, "seq": seq, "stocktake_id": stocktake["id"],
            "transfer_uuid": "0" * 36,
            "filename": "swagger-ui.css"}


def fill(rule, ids):
    path = rule
    for name, value in ids.items():
        for converter in ("int:", "path:", "string:", ""):
            path = path.replace(f"<{converter}{name}>", str(value))
    return path.replace("/static/swagger-ui.css", "/static/kiosk/kiosk.css")


@pytest.mark.parametrize("role", ["anonymous", "kitchen", "stockkeeper", "cashier", "manager", "tenant_owner"])
def test_each_role_gets_exactly_what_its_rank_allows(client, ids, role):
    token = None if role == "anonymous" else login(client, USERS[role], **LOGINS[role])
    for (method, rule), minimum in sorted(MATRIX.items()):
        if rule == "/api/auth/logout/" and role != "anonymous":
            headers = {"Authorization": f"Bearer {login(client, USERS[role], **LOGINS[role])}"}
        else:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = client.open(fill(rule, ids), method=method, headers=headers,
                               json={} if method in ("POST", "PATCH", "PUT") else None)
        if minimum == "public":
            assert response.status_code not in (401, 403), (role, method, rule, response.status_code)
        elif minimum == "scrape":
            assert response.status_code == 403, (role, method, rule, response.status_code)
        elif role == "anonymous":
            assert response.status_code == 401, (method, rule, response.status_code)
        elif RANKS[role] < RANKS[minimum] and not (role == "stockkeeper" and (method, rule) in STOCKKEEPER_ROUTES):
            assert response.status_code == 403, (role, method, rule, response.status_code)
        else:
            assert response.status_code not in (401, 403), (role, method, rule, response.status_code,
                                                           response.get_json(silent=True))


