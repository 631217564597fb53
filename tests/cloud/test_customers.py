"""Customers (CRM) over the HTTP API, and the loyalty rules (tiers, points) they carry."""
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloud.extensions import db
from cloud.models import Customer
from cloud.services import loyalty

JANE = {"name": "Jane Smith", "phone": "08123456789", "email": "jane@example.com"}


def create(client, world, role="cashier", tenant="a", **body):
    return client.post("/api/customers/", json={**JANE, **body}, headers=world.headers(role, tenant))


def set_counters(app, customer_id, orders, spent):
    """What sync ingest will do for synced sales: counters and tier via the loyalty service."""
    with app.app_context():
        customer = db.session.get(Customer, customer_id)
        loyalty.apply_sale(customer, spent, delta_orders=orders, at=datetime(2026, 11, 20, 12, 0))
        db.session.commit()


# --- creating ------------------------------------------------------------------------

def test_cashier_can_create_a_customer(client, world):
    response = create(client, world)
    assert response.status_code == 201
    body = response.json
    assert body["name"] == "Jane Smith"
    assert body["tenant_id"] == world.a.tenant_id
    assert len(body["uuid"]) == 36
    assert (body["membership_tier"], body["points"], body["total_orders"]) == ("regular", 0, 0)
    assert body["total_spent"] == "0.00"
    assert body["last_order_at"] is None


def test_a_uuid_given_by_the_caller_is_kept(client, world):
    response = create(client, world, uuid="0B6F5E0A-1C2D-4E3F-9A8B-7C6D5E4F3A2B")
    assert response.status_code == 201
    assert response.json["uuid"] == "0b6f5e0a-1c2d-4e3f-9a8b-7c6d5e4f3a2b"


def test_a_uuid_already_used_in_the_tenant_is_a_conflict(client, world):
    uuid = "0b6f5e0a-1c2d-4e3f-9a8b-7c6d5e4f3a2b"
    create(client, world, uuid=uuid)
    response = create(client, world, uuid=uuid, phone="08129999999")
    assert response.status_code == 409
    assert (response.json["code"], response.json["field"]) == ("UUID_TAKEN", "uuid")


def test_name_and_phone_are_required(client, world):
    response = client.post("/api/customers/", json={"name": "No Phone"}, headers=world.headers("cashier"))
    assert response.status_code == 400
    assert (response.json["code"], response.json["field"]) == ("REQUIRED", "phone")


def test_create_cannot_set_loyalty_counters(client, world):
    response = create(client, world, points=500)
    assert response.status_code == 400
    assert response.json["field"] == "points"


def test_repeating_a_create_with_its_idempotency_key_returns_the_first_customer(client, world):
    headers = {**world.headers("cashier"), "Idempotency-Key": "5f1e8f0e-4c7b-4d0e-9d51-2b5d1c6b7a11"}
    first = client.post("/api/customers/", json=JANE, headers=headers)
    again = client.post("/api/customers/", json=JANE, headers=headers)
    assert again.status_code == 201
    assert again.json["id"] == first.json["id"]
    assert client.get("/api/customers/", headers=world.headers("cashier")).json["count"] == 1


# --- phone numbers -------------------------------------------------------------------

@pytest.mark.parametrize("typed, stored", [
    ("08123456789", "08123456789"),
    ("0812 3456 789", "08123456789"),
    ("0812-3456-789", "08123456789"),
    ("0812.3456.789", "08123456789"),
    ("(0812) 3456789", "08123456789"),
    ("+62 812-3456-789", "08123456789"),
    ("62 812 3456 789", "08123456789"),
    ("0274-123456", "0274123456"),
    ("0274/123456", "0274123456"),
    ("+44 20 7946 0958", "+442079460958"),
])
def test_phone_is_stored_normalised(client, world, typed, stored):
    response = create(client, world, phone=typed)
    assert response.status_code == 201, response.json
    assert response.json["phone"] == stored


@pytest.mark.parametrize("typed", ["", "0123456", "8123456789", "621234567", "0812-ABC-4567",
                                   "0812345678901234", "+1", "++628123456789", "０８１２３４５６７８９"])
def test_malformed_phone_is_refused(client, world, typed):
    response = create(client, world, phone=typed)
    assert response.status_code == 400
    assert (response.json["code"], response.json["field"]) == ("INVALID_PHONE", "phone")


def test_the_same_phone_in_another_format_is_taken(client, world):
    create(client, world, phone="0812-3456-789")
    response = create(client, world, name="Impostor", phone="+62 812 3456 789")
    assert response.status_code == 409
    assert (response.json["code"], response.json["field"]) == ("PHONE_TAKEN", "phone")


def test_another_tenant_may_register_the_same_phone(client, world):
    create(client, world)
    assert create(client, world, tenant="b").status_code == 201


def test_changing_the_phone_to_a_taken_one_is_a_conflict(client, world):
    create(client, world)
    other = create(client, world, name="Budi", phone="08111111111").json
    response = client.patch(f"/api/customers/{other['id']}/", json={"phone": "+628123456789"},
                            headers=world.headers("cashier"))
    assert response.status_code == 409
    assert response.json["code"] == "PHONE_TAKEN"


def test_search_finds_the_customer_by_phone_in_any_format(client, world):
    created = create(client, world).json
    response = client.post("/api/customers/search/", json={"phone": "+62 812-3456-789"},
                           headers=world.headers("cashier"))
    assert response.status_code == 200
    assert response.json["id"] == created["id"]


def test_search_by_phone_is_an_exact_match(client, world):
    create(client, world)
    response = client.post("/api/customers/search/", json={"phone": "081234567"}, headers=world.headers("cashier"))
    assert response.status_code == 404
    assert response.json["code"] == "NOT_FOUND"


def test_search_by_phone_does_not_find_another_tenants_customer(client, world):
    create(client, world)
    response = client.post("/api/customers/search/", json={"phone": JANE["phone"]},
                           headers=world.headers("cashier", "b"))
    assert response.status_code == 404


def test_search_with_a_malformed_phone_is_a_validation_error(client, world):
    response = client.post("/api/customers/search/", json={"phone": "12"}, headers=world.headers("cashier"))
    assert response.status_code == 400
    assert response.json["code"] == "INVALID_PHONE"


# --- reading and editing -------------------------------------------------------------

def test_cashier_can_edit_the_profile(client, world):
    customer = create(client, world).json
    response = client.patch(f"/api/customers/{customer['id']}/", headers=world.headers("cashier"), json={
        "name": "Jane S.", "email": "jane.s@example.com", "marketing_consent": True, "notes": "Likes extra cheese",
        "birth_date": "1990-05-17", "preferred_outlet_id": world.a.other_outlet_id})
    assert response.status_code == 200
    body = response.json
    assert (body["name"], body["email"], body["marketing_consent"]) == ("Jane S.", "jane.s@example.com", True)
    assert (body["birth_date"], body["preferred_outlet_id"]) == ("1990-05-17", world.a.other_outlet_id)


@pytest.mark.parametrize("field, value", [
    ("membership_tier", "platinum"), ("points", 1000), ("total_orders", 5), ("total_spent", "100.00"),
    ("last_order_at", "2026-01-01T00:00:00Z"), ("tenant_id", 2), ("uuid", "0b6f5e0a-1c2d-4e3f-9a8b-7c6d5e4f3a2b"),
    ("id", 99),
])
def test_patch_cannot_change_computed_fields_or_the_tenant(client, world, field, value):
    customer = create(client, world).json
    response = client.patch(f"/api/customers/{customer['id']}/", json={field: value},
                            headers=world.headers("manager"))
    assert response.status_code == 400
    assert response.json["field"] == field
    assert "Unknown field" in response.json["message"]


def test_preferred_outlet_must_be_an_outlet_of_the_tenant(client, world):
    response = create(client, world, preferred_outlet_id=world.b.outlet_id)
    assert response.status_code == 400
    assert (response.json["code"], response.json["field"]) == ("INVALID_OUTLET", "preferred_outlet_id")


def test_birth_date_cannot_be_in_the_future(client, world):
    response = create(client, world, birth_date=(date.today() + timedelta(days=1)).isoformat())
    assert response.status_code == 400
    assert (response.json["code"], response.json["field"]) == ("INVALID_BIRTH_DATE", "birth_date")


def test_list_filters_by_tier_consent_and_preferred_outlet(app, client, world):
    jane = create(client, world, marketing_consent=True, preferred_outlet_id=world.a.outlet_id).json
    budi = create(client, world, name="Budi", phone="08111111111").json
    set_counters(app, budi["id"], 10, 0)
    headers = world.headers("cashier")

    def names(query):
        return [c["name"] for c in client.get(f"/api/customers/?{query}", headers=headers).json["results"]]

    assert names("membership_tier=silver") == ["Budi"]
    assert names("marketing_consent=true") == ["Jane Smith"]
    assert names(f"preferred_outlet_id={world.a.outlet_id}") == ["Jane Smith"]
    assert names("membership_tier=regular") == [jane["name"]]


@pytest.mark.parametrize("search", ["jane", "EXAMPLE.COM", "3456", "+62 812-3456"])
def test_list_searches_name_email_and_phone(client, world, search):
    create(client, world)
    create(client, world, name="Budi", phone="08111111111", email="budi@mail.id")
    results = client.get("/api/customers/", query_string={"search": search},
                         headers=world.headers("cashier")).json["results"]
    assert [c["name"] for c in results] == ["Jane Smith"]


def test_list_orders_by_total_spent_and_points(app, client, world):
    small = create(client, world, name="Small", phone="08111111111").json
    big = create(client, world, name="Big", phone="08122222222").json
    set_counters(app, small["id"], 1, 5_000_000)
    set_counters(app, big["id"], 1, 90_000_000)
    with app.app_context():
        loyalty.apply_points_delta(db.session.get(Customer, small["id"]), 40)
        db.session.commit()
    headers = world.headers("cashier")
    by_spend = client.get("/api/customers/?ordering=-total_spent", headers=headers).json["results"]
    by_points = client.get("/api/customers/?ordering=-points", headers=headers).json["results"]
    assert [c["name"] for c in by_spend] == ["Big", "Small"]
    assert [c["name"] for c in by_points] == ["Small", "Big"]


def test_list_refuses_an_unknown_ordering(client, world):
    response = client.get("/api/customers/?ordering=phone", headers=world.headers("cashier"))
    assert response.status_code == 400
    assert response.json["code"] == "INVALID_ORDERING"


def test_list_shows_only_the_callers_tenant(client, world):
    create(client, world)
    create(client, world, tenant="b", name="B Customer")
    results = client.get("/api/customers/", headers=world.headers("cashier", "b")).json["results"]
    assert [c["name"] for c in results] == ["B Customer"]


def test_super_admin_reads_the_tenant_named_in_the_header(client, world):
    create(client, world)
    assert client.get("/api/customers/", headers=world.headers("super_admin")).json["count"] == 1
    bare = {"Authorization": world.headers("super_admin")["Authorization"]}
    response = client.get("/api/customers/", headers=bare)
    assert response.status_code == 400
    assert response.json["code"] == "TENANT_REQUIRED"


# --- roles and tenants ---------------------------------------------------------------

def test_kitchen_cannot_read_customers(client, world):
    assert client.get("/api/customers/", headers=world.headers("kitchen")).status_code == 403


def test_kitchen_cannot_create_customers(client, world):
    assert create(client, world, role="kitchen").status_code == 403


def test_anonymous_callers_cannot_read_customers(client, world):
    assert client.get("/api/customers/").status_code == 401


@pytest.mark.parametrize("method, suffix", [("get", ""), ("patch", ""), ("delete", ""), ("get", "orders/"),
                                            ("get", "stats/")])
def test_another_tenants_customer_is_not_found(client, world, method, suffix):
    customer = create(client, world).json
    kwargs = {"json": {"name": "Hijack"}} if method == "patch" else {}
    response = getattr(client, method)(f"/api/customers/{customer['id']}/{suffix}",
                                       headers=world.headers("manager", "b"), **kwargs)
    assert response.status_code == 404


def test_cashier_cannot_delete_a_customer(client, world):
    customer = create(client, world).json
    assert client.delete(f"/api/customers/{customer['id']}/", headers=world.headers("cashier")).status_code == 403


def test_manager_deletes_a_customer_without_orders(client, world):
    customer = create(client, world).json
    assert client.delete(f"/api/customers/{customer['id']}/", headers=world.headers("manager")).status_code == 204
    assert client.get(f"/api/customers/{customer['id']}/", headers=world.headers("manager")).status_code == 404


def test_a_customer_with_orders_cannot_be_deleted(app, client, world):
    customer = create(client, world).json
    set_counters(app, customer["id"], 1, 5_000_000)
    response = client.delete(f"/api/customers/{customer['id']}/", headers=world.headers("manager"))
    assert response.status_code == 409
    assert response.json["code"] == "CUSTOMER_HAS_ORDERS"


# --- history and stats ---------------------------------------------------------------

def test_order_history_is_an_empty_page_until_orders_are_synced(client, world):
    customer = create(client, world).json
    response = client.get(f"/api/customers/{customer['id']}/orders/", headers=world.headers("cashier"))
    assert response.status_code == 200
    assert response.json == {"count": 0, "next": None, "previous": None, "results": []}


def test_stats_come_from_the_customers_counters(app, client, world):
    customer = create(client, world).json
    set_counters(app, customer["id"], 3, 10_000_001)  # Rp 100.000,01 over 3 orders
    with app.app_context():
        loyalty.apply_points_delta(db.session.get(Customer, customer["id"]), 12)
        db.session.commit()
    stats = client.get(f"/api/customers/{customer['id']}/stats/", headers=world.headers("cashier")).json
    assert stats == {
        "total_orders": 3, "total_spent": "100000.01", "average_order_value": "33333.34", "points": 12,
        "membership_tier": "regular", "next_tier": "silver", "orders_to_next_tier": 7,
        "spend_to_next_tier": "899999.99", "last_order_at": "2026-11-20T12:00:00Z", "favourite_products": [],
    }


def test_stats_of_a_new_customer_have_a_zero_average(client, world):
    customer = create(client, world).json
    stats = client.get(f"/api/customers/{customer['id']}/stats/", headers=world.headers("cashier")).json
    assert (stats["average_order_value"], stats["last_order_at"]) == ("0.00", None)


# --- tiers -----------------------------------------------------------------------------

TIER_BOUNDARIES = [
    (9, 99_999_999, "regular"),
    (10, 0, "silver"), (0, 100_000_000, "silver"),
    (49, 499_999_999, "silver"),
    (50, 0, "gold"), (0, 500_000_000, "gold"),
    (99, 999_999_999, "gold"),
    (100, 0, "platinum"), (0, 1_000_000_000, "platinum"),
]


@pytest.mark.parametrize("orders, spent, tier", TIER_BOUNDARIES)
def test_tier_at_each_threshold(orders, spent, tier):
    assert loyalty.tier_for(orders, spent) == tier


@pytest.mark.parametrize("orders, spent, tier", TIER_BOUNDARIES)
def test_a_customers_tier_follows_its_synced_sales(app, client, world, orders, spent, tier):
    customer = create(client, world).json
    set_counters(app, customer["id"], orders, spent)
    body = client.get(f"/api/customers/{customer['id']}/", headers=world.headers("cashier")).json
    assert body["membership_tier"] == tier


def test_a_refund_below_the_threshold_lowers_the_tier(app, client, world):
    customer = create(client, world).json
    set_counters(app, customer["id"], 1, 100_000_000)
    set_counters(app, customer["id"], 0, -1)
    body = client.get(f"/api/customers/{customer['id']}/", headers=world.headers("cashier")).json
    assert (body["membership_tier"], body["total_spent"]) == ("regular", "999999.99")


@given(st.integers(0, 300), st.integers(0, 2 * 10**9), st.integers(0, 300), st.integers(0, 2 * 10**9))
def test_more_orders_or_spend_never_lowers_the_tier(orders, spent, more_orders, more_spent):
    before = loyalty.TIERS.index(loyalty.tier_for(orders, spent))
    after = loyalty.TIERS.index(loyalty.tier_for(orders + more_orders, spent + more_spent))
    assert after >= before


def test_the_models_tiers_are_the_shared_rules_tiers():
    assert set(loyalty.TIERS) == set(loyalty.TIER_MULTIPLIER_PERCENT)
    assert {row[0] for row in loyalty.TIER_THRESHOLDS} == set(loyalty.TIERS) - {"regular"}


def test_next_tier_at_the_top_is_none():
    assert loyalty.next_tier(100, 0) is None
    assert loyalty.next_tier(49, 0) == ("gold", 1, 500_000_000)


# --- points ----------------------------------------------------------------------------

PER_10K = 1_000_000  # one point per Rp 10.000 (the default tenant setting)


@pytest.mark.parametrize("amount, tier, points", [
    (999_999, "regular", 0),         # Rp 9.999,99: not a whole point yet
    (1_000_000, "regular", 1),
    (1_999_999, "regular", 1),        # rounded down
    (800_000, "silver", 0),           # no whole base point yet, whatever the multiplier
    (1_000_000, "silver", 1),         # 1 x 1.25 = 1.25
    (2_500_000, "silver", 2),         # 2 base points x 1.25 = 2.5
    (2_500_000, "gold", 3),           # 2 x 1.5
    (2_500_000, "platinum", 4),       # 2 x 2
    (4_000_000, "silver", 5),         # 4 x 1.25
    (0, "platinum", 0),
    (-5_000_000, "gold", 0),          # a refund earns nothing (reversals come as point deltas)
])
def test_points_are_earned_per_spend_times_the_tier_multiplier_rounded_down(amount, tier, points):
    assert loyalty.points_for(amount, tier, PER_10K) == points


def test_no_points_when_the_tenant_runs_no_points_scheme():
    assert loyalty.points_for(50_000_000, "platinum", 0) == 0


def test_an_unknown_tier_is_a_programming_error():
    with pytest.raises(ValueError):
        loyalty.points_for(1_000_000, "diamond", PER_10K)


@given(st.integers(0, 10**12), st.integers(0, 10**12), st.sampled_from(loyalty.TIERS), st.integers(1, 10**9))
def test_points_never_fall_when_spend_grows(amount, more, tier, per):
    assert 0 <= loyalty.points_for(amount, tier, per) <= loyalty.points_for(amount + more, tier, per)


@given(st.integers(0, 10**12), st.integers(1, 10**9))
def test_a_higher_tier_never_earns_fewer_points(amount, per):
    earned = [loyalty.points_for(amount, tier, per) for tier in loyalty.TIERS]
    assert earned == sorted(earned)


@given(st.integers(0, 10**6), st.integers(1, 10**9))
def test_a_regular_customer_earns_exactly_one_point_per_unit(units, per):
    assert loyalty.points_for(units * per, "regular", per) == units


class _Counters:
    def __init__(self, **values):
        self.points, self.total_orders, self.total_spent = 0, 0, 0
        self.last_order_at, self.membership_tier = None, "regular"
        self.__dict__.update(values)


def test_points_never_go_negative_and_the_applied_delta_says_so():
    customer = _Counters(points=30)
    assert loyalty.apply_points_delta(customer, -50) == -30
    assert customer.points == 0
    assert loyalty.apply_points_delta(customer, 7) == 7
    assert customer.points == 7


@given(st.lists(st.integers(-10**6, 10**6), max_size=30))
def test_any_sequence_of_point_deltas_keeps_the_balance_non_negative(deltas):
    customer = _Counters()
    applied = sum(loyalty.apply_points_delta(customer, delta) for delta in deltas)
    assert customer.points >= 0
    assert customer.points == applied


def test_last_order_time_only_moves_forward():
    customer = _Counters()
    loyalty.apply_sale(customer, 1_000_000, at=datetime(2026, 11, 20, 12, 0))
    loyalty.apply_sale(customer, 1_000_000, at=datetime(2026, 11, 19, 12, 0))  # a late event
    assert customer.last_order_at == datetime(2026, 11, 20, 12, 0)
    assert (customer.total_orders, customer.total_spent) == (2, 2_000_000)


def test_sale_counters_never_go_negative():
    customer = _Counters(total_orders=1, total_spent=500)
    loyalty.apply_sale(customer, -10_000, delta_orders=-3)
    assert (customer.total_orders, customer.total_spent) == (0, 0)
