"""`/r/<device>/<order>/<signature>`: the e-receipt page behind the receipt's QR.

Public (the signature is the credential), no script, works on a phone. Until the order
has synced it says the receipt will appear shortly (and reloads itself by a meta
refresh); a link that does not verify is a plain 404.
"""
from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template

from cloud.api.access import public
from cloud.extensions import db
from cloud.notifications.money import format_money
from cloud.services import receipts

bp = Blueprint("receipts", __name__)

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'none'")
METHODS = {"cash": "Cash", "card": "Card", "qris": "QRIS", "ewallet": "E-wallet"}


@bp.get("/r/<int:device_id>/<order_uuid>/<signature>")
@public
def e_receipt(device_id, order_uuid, signature):
    found = receipts.find(db.session, device_id, order_uuid, signature)
    if found is None:
        abort(404)
    currency = found.tenant.currency or "IDR"
    try:
        zone = ZoneInfo(found.outlet.timezone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")

    def money(minor):
        return format_money(int(minor), currency)

    def local(moment):
        return moment.replace(tzinfo=UTC).astimezone(zone).strftime("%d/%m/%Y %H:%M") if moment else ""

    html = render_template("receipt/page.html", r=found, money=money, local=local, methods=METHODS)
    response = current_app.make_response(html)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
