"""`/r/<device>/<order>/<signature>`: the e-receipt page behind the receipt's QR.

Public (the signature is the credential), no script, works on a phone. Until the order
has synced it says the receipt will appear shortly (and reloads itself by a meta
refresh); a link that does not verify is a plain 404.
"""
from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template

from cloud.extensions import db
from cloud.notifications.money import format_money
from cloud.services import receipt_pdf, receipts
from sync.web.access import public

bp = Blueprint("receipts", __name__)

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'none'")
METHODS = {"cash": "Cash", "card": "Card", "qris": "QRIS", "ewallet": "E-wallet"}


def _formatters(found):
    currency = found.tenant.currency or "IDR"
    try:
        zone = ZoneInfo(found.outlet.timezone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")

    def money(minor):
        return format_money(int(minor), currency)

    def local(moment):
        return moment.replace(tzinfo=UTC).astimezone(zone).strftime("%d/%m/%Y %H:%M") if moment else ""

    return money, local


def _headers(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/r/<int:device_id>/<order_uuid>/<signature>")
@public
def e_receipt(device_id, order_uuid, signature):
    found = receipts.find(db.session, device_id, order_uuid, signature)
    if found is None:
        abort(404)
    money, local = _formatters(found)
    html = render_template("receipt/page.html", r=found, money=money, local=local, methods=METHODS)
    response = current_app.make_response(html)
    response.headers["Content-Security-Policy"] = CSP
    return _headers(response)


@bp.get("/r/<int:device_id>/<order_uuid>/<signature>/receipt.pdf")
@public
def e_receipt_pdf(device_id, order_uuid, signature):
    """The same receipt as a PDF, once the order has synced (404 before, like a bad link)."""
    found = receipts.find(db.session, device_id, order_uuid, signature)
    if found is None or found.order is None:
        abort(404)
    money, local = _formatters(found)
    response = current_app.make_response(receipt_pdf.render(found, money, local))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="receipt-{found.order.order_number}.pdf"'
    return _headers(response)
