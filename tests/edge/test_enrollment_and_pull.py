"""Enrollment, the mirror of master data, and keeping it current by pull."""
import os
import stat

from cloud.extensions import db as cloud_db
from cloud.models import Product
from cloud.models import User as CloudUser
from cloud.services import catalog as cloud_catalog
from cloud.services.actor import Actor
from edge.extensions import db
from edge.models import MirrorProduct, MirrorPromotion, User
from edge.services.syncing import credentials, puller
from tests.edge.conftest import login


def owner_actor(cloud_app):
    owner = cloud_db.session.query(CloudUser).filter_by(username="owner").one()
    return Actor(owner.id, "owner", "tenant_owner", owner.tenant_id, None)


def test_enrollment_stores_an_owner_only_device_credential(edge_app):
    path = os.path.join(edge_app.config["DATA_DIR"], credentials.DEVICE_FILE)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    device = credentials.load_device(edge_app.config["DATA_DIR"])
    assert device.outlet_code == "YOG" and device.device_token.startswith("dev_")


def test_pull_mirrors_the_demo_catalog_users_and_promotions(edge_app):
    with edge_app.app_context():
        assert db.session.query(MirrorProduct).count() == 12
        assert db.session.query(MirrorPromotion).count() == 4
        usernames = {u.username for u in db.session.query(User)}
    assert {"owner", "manager", "cashier", "kitchen"} <= usernames
    assert "admin" not in usernames  # platform staff never reach outlets


def test_staff_log_in_offline_with_password_or_pin(client):
    assert login(client, "cashier", pin="1234")
    assert login(client, "manager", password="manager123")
    bad = client.post("/api/auth/login/", json={"username": "cashier", "pin": "9999"})
    assert bad.status_code == 401 and bad.json["code"] == "INVALID_CREDENTIALS"


def test_login_needs_exactly_one_of_password_or_pin(client):
    response = client.post("/api/auth/login/", json={"username": "cashier"})
    assert response.status_code == 400


def test_login_is_rate_limited(edge_app, client):
    edge_app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    codes = [client.post("/api/auth/login/", json={"username": "cashier", "pin": "9999"}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    limited = client.post("/api/auth/login/", json={"username": "cashier", "pin": "1234"})
    assert limited.status_code == 429 and limited.json["code"] == "RATE_LIMITED"
    assert limited.json["message"] == "Too many login attempts; wait a minute and try again"
    assert client.get("/api/health/").status_code == 200  # other views are not limited


def test_an_approved_price_change_reaches_the_edge_on_the_next_pull(cloud_app, edge_app, device_client, cashier):
    with cloud_app.app_context():
        product = cloud_db.session.query(Product).filter_by(sku="PZ-MARG").one()
        cloud_catalog.update_product(cloud_db.session, owner_actor(cloud_app), product, {"price": 8_900_000})
        cloud_db.session.commit()
    assert cashier.product("PZ-MARG")["price"] == "85000.00"
    with edge_app.app_context():
        puller.pull_all(device_client)
    assert cashier.product("PZ-MARG")["price"] == "89000.00"


def test_a_managers_unapproved_price_change_does_not_reach_the_edge(cloud_app, edge_app, device_client, cashier):
    with cloud_app.app_context():
        manager = cloud_db.session.query(CloudUser).filter_by(username="manager").one()
        actor = Actor(manager.id, "manager", "manager", manager.tenant_id, manager.outlet_id)
        product = cloud_db.session.query(Product).filter_by(sku="PZ-MARG").one()
        cloud_catalog.update_product(cloud_db.session, actor, product, {"price": 9_900_000})
        cloud_db.session.commit()
        assert product.status == "pending_approval"
    with edge_app.app_context():
        puller.pull_all(device_client)
    assert cashier.product("PZ-MARG")["price"] == "85000.00"


def test_deactivating_a_user_in_the_cloud_locks_them_out_after_the_next_pull(cloud_app, edge_app, device_client,
                                                                           client, cashier):
    assert cashier.get("/api/users/me/").status_code == 200
    with cloud_app.app_context():
        cloud_db.session.query(CloudUser).filter_by(username="cashier").one().is_active = False
        cloud_db.session.commit()
    with edge_app.app_context():
        puller.pull_all(device_client)
    assert cashier.get("/api/users/me/").status_code == 401
    refused = client.post("/api/auth/login/", json={"username": "cashier", "pin": "1234"})
    assert refused.status_code == 401


def test_a_deleted_product_leaves_the_mirror(cloud_app, edge_app, device_client):
    with cloud_app.app_context():
        product = cloud_db.session.query(Product).filter_by(sku="DS-PANN").one()
        cloud_catalog.delete_product(cloud_db.session, product)
        cloud_db.session.commit()
    with edge_app.app_context():
        puller.pull_all(device_client)
        assert db.session.query(MirrorProduct).filter_by(sku="DS-PANN").count() == 0


def test_the_outlet_endpoint_tells_screens_who_and_what_currency(cashier):
    body = cashier.get("/api/outlet/").json
    assert body["tenant_name"] == "Pizza Palace" and body["outlet_code"] == "YOG"
    assert body["currency"] == "IDR" and body["tax_rate"] == "10.00" and body["cash_rounding"] == "100.00"


def test_a_cursor_older_than_the_kept_history_gets_a_full_snapshot(cloud_app, edge_app, device_client):
    from datetime import timedelta

    from cloud.services import changefeed
    from sync.timeutil import utcnow

    with cloud_app.app_context():
        product = cloud_db.session.query(Product).filter_by(sku="DS-PANN").one()
        cloud_catalog.delete_product(cloud_db.session, product)
        cloud_db.session.commit()
        assert changefeed.prune_tombstones(cloud_db.session, utcnow() + timedelta(seconds=1)) == 1
        cloud_db.session.commit()
    with edge_app.app_context():
        outcome = puller.pull_all(device_client)
        assert outcome.refetched
        assert db.session.query(MirrorProduct).filter_by(sku="DS-PANN").count() == 0
        assert db.session.query(MirrorProduct).count() == 11


def test_the_sign_in_screen_lists_this_outlets_staff_without_secrets(client):
    staff = client.get("/api/auth/users/").json
    assert {s["username"] for s in staff} == {"owner", "manager", "cashier", "kitchen", "stock"}
    cashier = next(s for s in staff if s["username"] == "cashier")
    assert cashier == {"username": "cashier", "full_name": "Cashier", "role": "cashier"}  # not who has a PIN
