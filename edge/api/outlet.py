"""Who this outlet is, for the screens: names, address, currency, charges, timezone."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, String
from flask import Response, current_app

from edge.api.access import require
from edge.extensions import db
from edge.services.selling import qr_images
from edge.services.syncing import outlet as outlet_settings
from sync.web.errors import NotFound
from sync.web.fields import Money, Rate, WholeNumber


class OutletOut(Schema):
    outlet_id = WholeNumber(required=True)
    outlet_code = String(required=True)
    outlet_name = String(required=True)
    address = String()
    phone = String()
    timezone = String(required=True)
    tenant_id = WholeNumber(required=True)
    tenant_name = String(required=True)
    currency = String(required=True)
    tax_rate = Rate(required=True)
    service_charge_rate = Rate(required=True)
    tax_on_service_charge = Boolean()
    cash_rounding = Money(required=True)
    receipt_footer = String()
    primary_color = String()
    logo_url = String(allow_none=True)
    auto_print_receipt = Boolean(required=True)
    zero_stock = String(required=True, metadata={"description": "allow, warn or block: what the till does with a "
                                                                "product whose stock items are at or below zero"})
    static_qris = String(metadata={"description": "The outlet's printed merchant QR (QRIS payload); empty for none. "
                                                  "The till offers static QRIS only when set"})
    shift_difference_limit = Money(metadata={"description": "A shift whose count differs from the expected by "
                                                            "more than this needs a manager to close it"})


bp = APIBlueprint("outlet", __name__, url_prefix="/api", tag="Outlet")


@bp.get("/outlet/")
@require("kitchen")
@bp.output(OutletOut)
def this_outlet(actor):
    """This outlet and its tenant's settings as mirrored from the cloud."""
    tenant, place = outlet_settings.tenant(db.session), outlet_settings.outlet(db.session)
    charges = outlet_settings.charges(db.session)
    return {"outlet_id": place.id, "outlet_code": place.code, "outlet_name": place.name, "address": place.address,
            "phone": place.phone or tenant.phone, "timezone": place.timezone, "tenant_id": tenant.id,
            "tenant_name": tenant.name, "currency": tenant.currency, "tax_rate": charges.tax_rate_bp,
            "service_charge_rate": charges.service_charge_bp, "tax_on_service_charge": charges.tax_on_service_charge,
            "cash_rounding": charges.cash_rounding, "receipt_footer": tenant.receipt_footer,
            "primary_color": tenant.primary_color, "logo_url": tenant.logo_url,
            "auto_print_receipt": place.auto_print_receipt, "zero_stock": place.zero_stock,
            "static_qris": place.static_qris,
            "shift_difference_limit": current_app.config["SHIFT_DIFFERENCE_LIMIT"]}


@bp.get("/outlet/static-qr.svg")
@require("cashier")
@bp.doc(responses={200: {"description": "The outlet's printed merchant QR as an SVG image",
                         "content": {"image/svg+xml": {}}},
                   404: {"description": "No static QRIS is configured for this outlet"}})
def static_qr(actor):
    """The outlet's printed QR, drawn for the till's static-QRIS tender and the customer's screen."""
    payload = outlet_settings.outlet(db.session).static_qris
    if not payload:
        raise NotFound("Static QRIS")
    return Response(qr_images.svg(payload), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})
