"""The dashboard's groups of cards per role (sync/vocab.py DASHBOARD_SECTIONS, embedded in
the page) agree with the API: a role sees a group exactly when every route its cards ask
for lets it in, so the page never asks for what it would be refused, and shows no card it
could fill."""
from __future__ import annotations

import pytest

from sync import vocab
from sync.roles import allows

# What the page's cards ask for, per group (cloud/static/dashboard/main.js, audit.js,
# alerts.js); every group also lists the outlets for its picker.
PICKER = (("GET", "/api/outlets/"),)
SECTION_ROUTES = {
    "sales": (("GET", "/api/analytics/dashboard/"), ("GET", "/api/analytics/customers/"),
              ("GET", "/api/analytics/revenue/"), ("GET", "/api/analytics/margins/"),
              ("GET", "/api/analytics/products/export/"), ("GET", "/api/analytics/revenue/export/")),
    "stock": (("GET", "/api/stock/"), ("GET", "/api/stock/reorder/"), ("GET", "/api/stock/usage/"),
              ("GET", "/api/stocktakes/")),
    "audit": (("GET", "/api/audit/"), ("GET", "/api/audit/verify/"), ("GET", "/api/audit/export/")),
    "alerts": (("GET", "/api/security/alerts/"), ("POST", "/api/security/alerts/<int:alert_id>/acknowledge/")),
    "notifications": (("GET", "/api/notifications/templates/"), ("GET", "/api/notifications/history/")),
}


def _views(app) -> dict[tuple[str, str], object]:
    return {(method, rule.rule): app.view_functions[rule.endpoint] for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_group_of_cards_is_listed_here():
    assert set(SECTION_ROUTES) == set(vocab.DASHBOARD_SECTIONS)


@pytest.mark.parametrize("role", vocab.ROLES)
def test_a_role_sees_a_group_of_cards_exactly_when_the_api_lets_it_fill_them(app, role):
    views = _views(app)
    for section, routes in SECTION_ROUTES.items():
        let_in = all(allows(role, views[route]._access, getattr(views[route], "_also", ()))
                     for route in (*PICKER, *routes))
        assert (section in vocab.dashboard_sections(role)) == let_in, (role, section)


def test_the_stockkeeper_sees_the_stock_cards_only_and_a_cashier_nothing():
    assert vocab.dashboard_sections("stockkeeper") == ["stock"]
    assert vocab.dashboard_sections("cashier") == vocab.dashboard_sections("kitchen") == []
    assert vocab.dashboard_sections("manager") == ["sales", "stock", "audit", "notifications"]
    assert [r["dashboard"] for r in vocab.for_pages()["roles"] if r["name"] == "stockkeeper"] == [["stock"]]
