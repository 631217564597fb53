"""Gateway payments (QRIS, e-wallets): charges edges ask for, the gateways' webhooks,
and each tenant's write-only gateway accounts. The work is in cloud.services
(gateway_charges, gateway_callbacks, gateway_accounts); these views only translate.

Views that talk to a gateway do not take `writes`: no transaction may wait on the
network, so their service commits each write itself before the 2xx leaves.
"""
import re

from apiflask import APIBlueprint
from flask import current_app, request

from cloud.api.access import public, require
from cloud.api.devices import require_device
from cloud.api.schemas.common import list_schema
from cloud.api.schemas.payments import (
    ChargeIn,
    ChargeListQuery,
    ChargeOut,
    ChargeQuery,
    GatewayAccountIn,
    GatewayAccountOut,
    GatewayRefundIn,
    GatewayRefundOut,
)
from cloud.api.tx import writes
from cloud.extensions import db
from cloud.gateways import PROVIDERS
from cloud.models import GatewayCharge
from cloud.services import audit, charge_waits, gateway_accounts, gateway_callbacks, gateway_charges
from cloud.services.gateway_accounts import GatewaySettings
from sync.web.errors import NotFound
from sync.web.fields import UUID_PATTERN
from sync.web.lists import order_by, ordered_by, paginate
from sync.web.openapi import refuses

bp = APIBlueprint("payments", __name__, url_prefix="/api", tag="Payments (gateways)")
UUID_TEXT = re.compile(UUID_PATTERN)
CHARGE_ORDERING = {"amount": GatewayCharge.amount, "paid_at": GatewayCharge.paid_at}


def settings() -> GatewaySettings:
    config = current_app.config
    return GatewaySettings(secret=config["JWT_SECRET_KEY"], midtrans_url=config["MIDTRANS_API_URL"],
                           xendit_url=config["XENDIT_API_URL"], public_url=config["CLOUD_PUBLIC_URL"],
                           timeout_s=config["GATEWAY_TIMEOUT_S"], expiry_s=config["GATEWAY_CHARGE_EXPIRY_S"])


def _provider(provider: str) -> str:
    if provider not in PROVIDERS:
        raise NotFound("Payment gateway")
    return provider


@bp.post("/sync/payments/")
@require_device
@bp.input(ChargeIn)
@bp.output(ChargeOut, status_code=201)
@bp.doc(responses={503: {"description": "GATEWAY_UNREACHABLE or GATEWAY_NOT_CONFIGURED: take cash or card"},
                   502: {"description": "GATEWAY_REJECTED (gateway_code says why) or GATEWAY_BAD_RESPONSE"}})
@refuses(PAYMENT_UUID_REUSED="the payment uuid was charged for another order, method or amount")
def create_charge(json_data, device):
    """Ask the tenant's primary gateway for a QRIS or e-wallet charge for this edge payment.
    The same `payment_uuid` again answers the same charge (200)."""
    charge, created = gateway_charges.create(db.session, device, gateway_charges.ChargeInput(**json_data), settings())
    return charge, 201 if created else 200


@bp.get("/sync/payments/<uuid:payment_uuid>/")
@require_device
@bp.input(ChargeQuery, location="query")
@bp.output(ChargeOut)
def get_charge(payment_uuid, query_data, device):
    """How the charge stands; `check=true` asks the gateway first while it is pending;
    `wait=N` answers as soon as a pending charge changes, or after N seconds."""
    if query_data["check"]:
        return gateway_charges.check(db.session, device.outlet_id, str(payment_uuid), settings())
    return charge_waits.wait_for_change(db.session, device.outlet_id, str(payment_uuid), query_data["wait"],
                                        slots=current_app.config["CHARGE_WAIT_SLOTS"])


@bp.post("/sync/payments/<uuid:payment_uuid>/cancel/")
@require_device
@bp.output(ChargeOut)
@refuses(CHARGE_NOT_PENDING="the charge was already paid or refunded")
def cancel_charge(payment_uuid, device):
    """Withdraw the QR before anyone pays; a payment that won the race answers `paid`."""
    return gateway_charges.cancel(db.session, device.outlet_id, str(payment_uuid), settings())


@bp.post("/sync/payments/<uuid:payment_uuid>/refunds/")
@require_device
@bp.input(GatewayRefundIn)
@bp.output(GatewayRefundOut, status_code=201)
@refuses(CHARGE_NOT_PAID="only a paid charge can be refunded", REFUND_TOO_LARGE="more than what is left")
def refund_charge(payment_uuid, json_data, device):
    """Give money back through the gateway; only `succeeded` is a refund done."""
    return gateway_charges.refund(db.session, device.outlet_id, str(payment_uuid), settings=settings(),
                                  **json_data)


@bp.post("/payments/webhook/<provider>/")
@public
@bp.doc(responses={200: {"description": "Taken, a duplicate, or an event not acted on"},
                   400: {"description": "Not the provider's format"}, 401: {"description": "Not verified"},
                   404: {"description": "No such charge (yet): the gateway retries"}})
def webhook(provider):
    """A gateway's notification: logged, verified with the charge's tenant's keys, applied once."""
    verdict = gateway_callbacks.receive(db.session, _provider(provider), request.headers, request.get_data(),
                                        settings())
    return {"status": verdict.verdict, "message": verdict.message}, verdict.status


@bp.get("/payments/charges/")
@require("manager")
@bp.input(ordered_by(ChargeListQuery, CHARGE_ORDERING), location="query")
@bp.output(list_schema(ChargeOut, "GatewayChargeList"))
def list_charges(query_data, actor):
    """The tenant's QRIS / e-wallet charges (your outlet's, for outlet-bound managers), newest
    first: pending ones a manager may cancel, late payments (`late_payment=true`) to give back."""
    stmt = gateway_charges.charges_query(actor)
    for name in ("status", "outlet_id", "late_payment"):
        if query_data.get(name) is not None:
            stmt = stmt.where(getattr(GatewayCharge, name) == query_data[name])
    stmt = order_by(stmt, query_data.get("ordering"), CHARGE_ORDERING, [GatewayCharge.id.desc()])
    return paginate(db.session, stmt, query_data)


@bp.post("/payments/<payment_uuid>/cancel/")
@require("manager")
@bp.output(ChargeOut)
@bp.doc(responses={503: {"description": "GATEWAY_UNREACHABLE"}, 502: {"description": "GATEWAY_REJECTED"}})
@refuses(CHARGE_NOT_PENDING="the charge was already paid or refunded")
def manager_cancel_charge(payment_uuid, actor):
    """A manager withdraws a pending QRIS / e-wallet charge (by the edge payment's uuid) at the
    gateway; the till waiting on it learns at once (long-poll). A payment that won the race
    answers `paid`; one made later still is recorded as a late payment."""
    if not UUID_TEXT.fullmatch(payment_uuid.lower()):  # checked after the role (a plain string converter)
        raise NotFound("Charge")
    charge = gateway_charges.for_actor(db.session, actor, payment_uuid.lower())
    return gateway_charges.cancel(db.session, charge.outlet_id, charge.payment_uuid, settings())


@bp.get("/payments/gateways/")
@require("manager")
@bp.output(GatewayAccountOut(many=True))
def list_gateways(actor):
    """The tenant's gateway accounts: which provider, primary or not; never a credential."""
    return gateway_accounts.listing(db.session, actor.tenant_id)


@bp.put("/payments/gateways/<provider>/")
@writes
@require("tenant_owner")
@bp.input(GatewayAccountIn)
@bp.output(GatewayAccountOut)
@refuses(CREDENTIAL_REQUIRED="a credential the provider needs is missing")
def put_gateway(provider, json_data, actor):
    """Write the tenant's credentials at a provider (write-only: they are never answered)."""
    is_primary = json_data.pop("is_primary")
    account = gateway_accounts.save(db.session, actor.tenant_id, _provider(provider), json_data,
                                    is_primary=is_primary, secret=current_app.config["JWT_SECRET_KEY"])
    audit.record(db.session, actor, "gateway_key_change", tenant_id=actor.tenant_id, object_type="gateway_account",
                 object_id=account.provider,  # which fields were written, never their values
                 after={"provider": account.provider, "is_primary": account.is_primary,
                        "fields": sorted(k for k, v in json_data.items() if v is not None)})
    return gateway_accounts.describe(account)
