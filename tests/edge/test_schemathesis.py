"""schemathesis over the edge's OpenAPI document: bounded, derandomized valid and invalid
requests to every operation (auth, printers and logout included), as the outlet's
manager (and anonymously for public ones), never get a 5xx, every answer keeps to the
document (status, content type, body schema), and the document says what the edge
accepts: a valid request is refused only for a rule the operation lists (`x-refusals`),
an invalid one is never accepted.

Path ids that are valid integers are swapped for ids of objects made first, so requests
reach real orders, shifts, customers and printers, not only 404s."""
from __future__ import annotations

import tempfile
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

from edge import create_app
from edge.extensions import db
from tests.edge.conftest import login
from tests.support.openapi_checks import configure, documented_refusals_only, negative_data_rejection


def no_server_error_but_the_documented_503(ctx, response, case):
    """QRIS/e-wallet answer 503 GATEWAY_UNREACHABLE by contract when the cloud or its
    gateway cannot be asked (here: no cloud); every other 5xx is a failure."""
    if response.status_code == 503 and (response.json() or {}).get("code") == "GATEWAY_UNREACHABLE":
        return None
    return not_a_server_error(ctx, response, case)


CHECKS = [no_server_error_but_the_documented_503, status_code_conformance, content_type_conformance,
          response_schema_conformance, documented_refusals_only, negative_data_rejection]
BOUNDED = settings(max_examples=10, derandomize=True, deadline=None, database=None, print_blob=True,
                   suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])


def _document() -> dict:
    """The edge's OpenAPI document, from an app on a data dir of its own (parallel
    workers collect this module at the same time: no shared path)."""
    with tempfile.TemporaryDirectory(prefix="pos-edge-spec-") as data_dir:
        app = create_app({"DATA_DIR": data_dir, "ASYNC_MODE": "threading", "TESTING": True})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            spec = app.spec
        with app.app_context():
            db.engine.dispose()
        return spec


schema = schemathesis.openapi.from_dict(_document())
configure(schema)
public_schema = schema.include(func=lambda ctx: ctx.operation.definition.raw.get("x-access") == "public")


@pytest.fixture
def made(edge_app, manager):
    shift = manager.open_shift()
    order = manager.order(manager.item("DR-COLA", 2), manager.item("PZ-MARG", 1, ["Regular"]))
    payment = manager.pay(order["id"], "cash", amount="10000.00", tendered="10000.00").json
    customer = manager.post("/api/customers/", {"name": "Ana", "phone": "081111111111"}).json
    printer = manager.post("/api/printers/", {"name": "p", "kind": "file", "device": "p.escpos",
                                              "role": "kitchen"}).json
    job = manager.post(f"/api/printers/{printer['id']}/test/").json
    return {"order_id": order["id"], "item_id": order["items"][0]["id"], "payment_id": payment["id"],
            "shift_id": shift["id"], "customer_id": customer["id"], "product_id": order["items"][0]["product_id"],
            "printer_id": printer["id"], "job_id": job["id"], "seq": 1}


def _with_real_ids(case, made) -> None:
    for name, value in list((case.path_parameters or {}).items()):
        if isinstance(value, int) and not isinstance(value, bool) and value > 0 and name in made:
            case.path_parameters[name] = made[name]


def _credentials(case, client, manager) -> dict:
    """The manager's token; operations that end a session get a session of their own."""
    if case.path == "/api/auth/logout/":
        return {"Authorization": f"Bearer {login(client, 'manager', password='manager123')}"}
    return {"Authorization": manager.headers["Authorization"]}  # X-Terminal-ID is the generator's


@schema.parametrize()
@BOUNDED
def test_every_edge_operation_keeps_to_the_document(case, edge_app, client, manager, made):
    _with_real_ids(case, made)
    response = case.call(app=edge_app, headers=_credentials(case, client, manager))
    case.validate_response(response, checks=CHECKS)


@public_schema.parametrize()
@BOUNDED
def test_public_edge_operations_keep_to_the_document_anonymously(case, edge_app, made):
    _with_real_ids(case, made)
    response = case.call(app=edge_app)
    case.validate_response(response, checks=CHECKS)
