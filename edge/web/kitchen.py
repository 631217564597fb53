"""The kitchen display, `/kitchen/`: a wall or tablet screen on the outlet's LAN.

The page is a static shell plus plain JavaScript modules under `static/kitchen/` and the
vendored Socket.IO client under `static/vendor/`; everything it loads comes from this
edge, so it keeps working with the internet down. Settings reach it as data attributes
(no inline script), so it runs under a strict Content-Security-Policy.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from sync import vocab

bp = Blueprint("kitchen_page", __name__, url_prefix="/kitchen")

# 'self' covers the page's own ws:// origin for Socket.IO in current browsers.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'none'")


def page_settings() -> dict:
    config = current_app.config
    return {
        "amber-min": config.get("KITCHEN_AMBER_MIN", 5),
        "red-min": config.get("KITCHEN_RED_MIN", 10),
        "ack-timeout-ms": config.get("KITCHEN_ACK_TIMEOUT_MS", 5000),
    }


@bp.get("/")
def index():
    response = current_app.make_response(render_template("kitchen/index.html", settings=page_settings(),
                                                         vocab=vocab.for_pages()))
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
