"""URL rules that compile their url_for builder on first use build the same URLs."""
from __future__ import annotations

import pytest
from flask import Flask, url_for

from sync.web.routing import build_urls_lazily


def _app(lazy: bool) -> Flask:
    app = Flask(__name__)
    if lazy:
        build_urls_lazily(app)
    app.add_url_rule("/orders/<int:order_id>/items/<name>/", "item", lambda order_id, name: "")
    app.add_url_rule("/plain/", "plain", lambda: "")
    return app


@pytest.mark.parametrize("endpoint, values", [
    ("item", {"order_id": 7, "name": "Caffè latte/large"}),
    ("item", {"order_id": 7, "name": "x", "page": 2, "q": "a b"}),  # unknown values become the query
    ("plain", {}),
])
def test_a_lazy_rule_builds_what_werkzeug_builds(endpoint, values):
    built = []
    for lazy in (False, True):
        app = _app(lazy)
        with app.test_request_context():
            built.append(url_for(endpoint, **values))
            built.append(url_for(endpoint, _external=True, **values))
    assert built[:2] == built[2:]


def test_no_builder_is_compiled_until_a_url_is_built():
    app = _app(lazy=True)
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == "item")
    assert rule._build.__func__.__closure__ is not None  # the lazy stub, not werkzeug's compiled builder
    with app.test_request_context():
        assert url_for("item", order_id=1, name="a") == "/orders/1/items/a/"
