"""The head-office dashboard, `/dashboard/`.

A static shell plus plain JavaScript modules under `static/dashboard/`: the page logs in
against `/api/auth/login/`, keeps its tokens in localStorage, and draws everything from
`/api/analytics/…` (docs/dashboard.md). No chart library and no CDN: the revenue chart is
SVG the page draws itself. Settings reach the page as data attributes, so it needs no
inline script and runs under a strict Content-Security-Policy.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from sync import vocab
from sync.web.access import public

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'")


def _page(template: str):
    response = current_app.make_response(render_template(template, demo=current_app.config["DEMO"],
                                                         vocab=vocab.for_pages()))
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/")
@public
def index():
    """The page shell (public: the page itself asks for a login before any data)."""
    return _page("dashboard/index.html")


@bp.get("/notifications/")
@public
def notifications():
    """Templates and messages (`/api/notifications/…`); the same sign-in as the dashboard."""
    return _page("dashboard/notifications.html")
