"""Payments: cash (with tendered and change), card (external terminal reference), split
tender; QRIS and e-wallets answer 503 until the gateway exists."""
from apiflask import APIBlueprint

from edge.api.access import require
from edge.api.schemas.orders import PaymentIn, PaymentOut
from edge.api.tx import writes
from edge.extensions import db
from edge.models import Payment
from edge.services import orders, payments, shifts
from sync.web.errors import NotFound
from sync.web.openapi import refuses

bp = APIBlueprint("payments", __name__, url_prefix="/api/payments", tag="Payments")


@bp.post("/")
@writes
@require("cashier")
@bp.input(PaymentIn)
@bp.output(PaymentOut, status_code=201)
@bp.doc(responses={503: {"description": "GATEWAY_UNREACHABLE: QRIS/e-wallet need the cloud's gateway"}})
@refuses(REFERENCE_REQUIRED="a card payment needs the terminal reference",
          TENDERED_REQUIRED="a cash payment needs tendered or amount",
          TENDERED_TOO_LOW="tendered is less than amount", INVALID_AMOUNT="amount is 0.00",
          OVERPAYMENT_NOT_ALLOWED="only cash may be more than the balance")
def create_payment(json_data, actor):
    """Take a payment for an order; several payments may settle one order."""
    payments.ensure_available(json_data["method"])
    order = orders.get(db.session, json_data["order_id"])
    shift = shifts.require_open_ref(db.session, actor.terminal)
    return payments.pay(db.session, order, user_id=actor.user_id, terminal=actor.terminal, shift=shift,
                        method=json_data["method"], amount=json_data.get("amount"),
                        tendered=json_data.get("tendered"), reference=json_data.get("reference", ""))


@bp.get("/<int:payment_id>/")
@require("cashier")
@bp.output(PaymentOut)
def get_payment(payment_id, actor):
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        raise NotFound("Payment")
    return payment
