"""schemathesis over the cloud's OpenAPI document: for every operation (auth, registration
and enrollment included), bounded and derandomized valid and invalid requests, as tenant
a's owner (devices with their own credential; public operations also anonymously),
never get a 5xx, every answer keeps to the document (status, content type, body schema),
and the document says what the cloud accepts: a valid request is refused only for a
rule the operation lists (`x-refusals`), an invalid one is never accepted.

Path ids that are valid integers are swapped for ids of seeded objects, so the requests
reach real products, customers, orders... and not only 404s.
"""
from __future__ import annotations

import io
import warnings

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cloud import create_app
from cloud.api.schemas.common import MAX_ID
from cloud.extensions import db
from cloud.models import User
from cloud.services import auth
from tests.cloud.test_role_matrix import event, order_payload, push, seed_tenant
from tests.conftest import TEST_SECRET
from tests.support.openapi_checks import configure, documented_refusals_only, negative_data_rejection

GATEWAY_ANSWERS = {503: ("GATEWAY_UNREACHABLE", "GATEWAY_NOT_CONFIGURED"), 502: ("GATEWAY_REJECTED",
                                                                            "GATEWAY_BAD_RESPONSE")}


def no_server_error_but_the_gateways(ctx, response, case):
    """A gateway charge answers the documented 503 (no gateway account here, or it does
    not answer: take cash or card) or 502 (the gateway refused); every other 5xx fails."""
    if (response.status_code in GATEWAY_ANSWERS and case.path.startswith("/api/sync/payments/")
            and (response.json() or {}).get("code") in GATEWAY_ANSWERS[response.status_code]):
        return None
    return not_a_server_error(ctx, response, case)


CHECKS = [no_server_error_but_the_gateways, status_code_conformance, content_type_conformance,
          response_schema_conformance, documented_refusals_only, negative_data_rejection]
EXAMPLES = 10


def _document() -> dict:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "JWT_SECRET_KEY": TEST_SECRET})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # apispec: a schema reached twice gets a second name
        return app.spec


schema = schemathesis.openapi.from_dict(_document())
configure(schema)
public_schema = schema.include(func=lambda ctx: ctx.operation.definition.raw.get("x-access") == "public")
# derandomized: the same requests on every run; no shrinking (a failure prints its request)
BOUNDED = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, print_blob=True,
                   suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])


@pytest.fixture
def seeded(app, world):
    return seed_tenant(app, world, "a")


def _with_seeded_ids(case, seed) -> None:
    """Path ids the database could hold become the ids of seeded objects (a DELETE may
    remove one: the examples after it get a 404, which is documented too); others stay."""
    for name, value in list((case.path_parameters or {}).items()):
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID and hasattr(seed, name):
            case.path_parameters[name] = getattr(seed, name)


def _credentials(case, app, world, seed) -> dict:
    access = case.operation.definition.raw.get("x-access")
    if access == "device":
        return {"Authorization": f"Bearer {seed.device_access}"}
    if case.path in ("/api/auth/logout/", "/api/auth/change-password/"):
        with app.app_context():  # each example ends a session: a session of its own
            token = auth.issue_tokens(db.session.get(User, world.a.users["tenant_owner"]))["access"]
        return {"Authorization": f"Bearer {token}"}
    return world.headers("tenant_owner")


@schema.parametrize()
@BOUNDED
def test_every_operation_keeps_to_the_document(case, app, world, seeded):
    _with_seeded_ids(case, seeded)
    response = case.call(app=app, headers=_credentials(case, app, world, seeded))
    case.validate_response(response, checks=CHECKS)


@public_schema.parametrize()
@BOUNDED
def test_public_operations_keep_to_the_document_anonymously(case, app, seeded):
    _with_seeded_ids(case, seeded)
    response = case.call(app=app)
    case.validate_response(response, checks=CHECKS)


# --- odd numbers the generator seldom reaches ------------------------------------------

TOO_BIG = 2**31  # one past the largest id PostgreSQL's integer columns hold


@pytest.mark.parametrize("path", ["/api/products/{big}/", "/api/customers/{big}/", "/api/orders/{big}/",
                                  "/api/products/{big}/modifiers/", "/api/products/{huge}/"])
def test_an_id_too_large_for_the_database_is_not_found(client, world, path):
    response = client.get(path.format(big=TOO_BIG, huge=2**70), headers=world.headers("tenant_owner"))
    assert response.status_code == 404


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/api/orders/?outlet_id={big}", None),
    ("GET", "/api/customers/?preferred_outlet_id={big}", None),
    ("GET", "/api/products/?category={big}", None),
    ("POST", "/api/outlets/{outlet_id}/products/", {"product_id": TOO_BIG}),
    ("PATCH", "/api/customers/{customer_id}/", {"preferred_outlet_id": TOO_BIG}),
    ("POST", "/api/promotions/", {"name": "X", "promo_type": "percentage", "discount_percent": "5.00",
                                  "outlet_ids": [TOO_BIG]}),
    ("PATCH", "/api/tenants/{tenant_id}/", {"points_per_amount": "99999999999.00"}),
])
def test_a_number_too_large_for_the_database_is_a_validation_error(client, world, seeded, method, path, body):
    response = client.open(path.format(big=TOO_BIG, **vars(seeded)), method=method, json=body,
                           headers=world.headers("tenant_owner"))
    assert response.status_code == 400


def test_a_pushed_event_with_numbers_too_large_is_rejected_and_the_rest_apply(client, seeded):
    too_big_line = order_payload(seeded.outlet_id, "BIG-261120-1-0001", 2**64)
    fine = order_payload(seeded.outlet_id, "FINE-261120-1-0001", seeded.product_id)
    results = push(client, seeded.device_access, [event(TOO_BIG, "order.snapshot", fine),
                                                  event(10, "order.snapshot", too_big_line),
                                                  event(11, "order.snapshot", fine)])
    assert [r["status"] for r in results] == ["rejected", "rejected", "applied"]


@pytest.mark.parametrize("method, path, raw", [
    ("PATCH", "/api/users/me/", '{"first_name": "Ann\\u0000"}'),
    ("PATCH", "/api/users/me/", '{"first_name": "Ann\\udc80"}'),
    ("POST", "/api/auth/login/", '{"username": "aa_manager\\u0000", "password": "x"}'),
    ("POST", "/api/customers/", '{"name": "X", "phone": "0812 3456 789", "notes": {"\\udc80": 1}}'),
    ("GET", "/api/customers/?search=Ann%00", None),
])
def test_text_no_database_can_store_is_a_validation_error(client, world, method, path, raw):
    response = client.open(path, method=method, data=raw, content_type="application/json",
                           headers=world.headers("tenant_owner"))
    assert response.status_code == 400
    assert response.json["code"] == "INVALID_TEXT"


def test_a_csv_import_with_nul_characters_is_refused(client, world):
    upload = {"file": (io.BytesIO(b"sku,name,category,price\nNUL-1,Nul\x00Pie,Pies,1.00\n"), "menu.csv")}
    response = client.post("/api/products/import/", data=upload, content_type="multipart/form-data",
                           headers=world.headers("manager"))
    assert (response.status_code, response.json["code"]) == (400, "INVALID_CSV")
