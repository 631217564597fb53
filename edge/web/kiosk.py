"""The cashier and self-order kiosk page, `/kiosk/` (`/kiosk/?mode=self` for customers), and
the screen facing the customer at a till, `/kiosk/customer-display?terminal=N`.

The page is a static shell plus plain JavaScript modules under `static/kiosk/`; it talks
only to this edge's API. Settings reach the page as data attributes, so the page needs
no inline script and runs under a strict Content-Security-Policy.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from sync import vocab

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'none'")


def page_settings() -> dict:
    config = current_app.config
    return {
        "idle-lock-s": config["KIOSK_IDLE_LOCK_S"],
        "self-idle-s": config["KIOSK_SELF_IDLE_S"],
        "status-poll-s": config["KIOSK_STATUS_POLL_S"],
        "menu-refresh-s": config["KIOSK_MENU_REFRESH_S"],
        "sync-amber-s": config["KIOSK_SYNC_AMBER_S"],
        "sync-red-s": config["KIOSK_SYNC_RED_S"],
        "request-timeout-s": config["KIOSK_REQUEST_TIMEOUT_S"],
        "terminal": config["KIOSK_DEFAULT_TERMINAL"],
    }


def _page(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/")
def index():
    mode = "self" if request.args.get("mode") == "self" else "cashier"
    return _page(current_app.make_response(render_template("kiosk/index.html", mode=mode, settings=page_settings(),
                                                           vocab=vocab.for_pages())))


@bp.get("/customer-display")
def customer_display():
    """A second screen facing the customer: the QR its till waits on, then "Paid"."""
    return _page(current_app.make_response(render_template("kiosk/display.html")))
