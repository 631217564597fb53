"""Payments: cash (with tendered and change), card (external terminal reference), split
tender; QRIS and e-wallets through the cloud's gateway: answered `pending` with the QR
string or deeplink, then `paid` once the cloud reports the gateway's settlement."""
from apiflask import APIBlueprint
from flask import Response, current_app

from edge.api.access import require
from edge.api.schemas.orders import (
    DisplayOut,
    DisplayQuery,
    GiveBackIn,
    LatePaymentOut,
    PaymentIn,
    PaymentOut,
    PaymentQuery,
    PrintedOut,
    RefundOut,
)
from edge.api.tx import writes
from edge.extensions import db
from edge.models import Payment
from edge.services import continuity, runtime
from edge.services.selling import (
    customer_display,
    gateway_payments,
    late_payments,
    orders,
    payments,
    qr_images,
    shifts,
)
from sync.web.errors import NotFound
from sync.web.openapi import refuses

bp = APIBlueprint("payments", __name__, url_prefix="/api/payments", tag="Payments")


@bp.post("/")
@require("cashier")
@bp.input(PaymentIn)
@bp.output(PaymentOut, status_code=201)
@bp.doc(responses={503: {"description": "GATEWAY_UNREACHABLE: QRIS/e-wallet need the cloud; take cash or card"}})
@refuses(REFERENCE_REQUIRED="a card payment needs the terminal reference",
          TENDERED_REQUIRED="a cash payment needs tendered or amount",
          TENDERED_TOO_LOW="tendered is less than amount", INVALID_AMOUNT="amount is 0.00",
          OVERPAYMENT_NOT_ALLOWED="only cash may be more than the balance",
          OVERPAYMENT="a cash amount more than the balance (enter the cash as tendered)",
          PAYMENT_PENDING="a QRIS / e-wallet payment of the order is waiting")
def create_payment(json_data, actor):
    """Take a payment for an order; several payments may settle one order. QRIS and
    e-wallets answer `pending` with `qr_string` / `deeplink_url` (online only)."""
    method = json_data["method"]
    if method in payments.GATEWAY_METHODS:
        return _start_gateway_payment(json_data, actor)
    return _take_payment(json_data, actor=actor)


@writes
def _take_payment(json_data, actor):
    """Cash and card: one write transaction (and `Idempotency-Key` replay), answered here."""
    order = orders.get(db.session, json_data["order_id"])
    shift = shifts.require_open_ref(db.session, actor.terminal)
    paid = payments.pay(db.session, order, user_id=actor.user_id, terminal=actor.terminal, shift=shift,
                        method=json_data["method"], amount=json_data.get("amount"),
                        tendered=json_data.get("tendered"), reference=json_data.get("reference", ""))
    return PaymentOut().dump(paid), 201


def _start_gateway_payment(json_data, actor):
    """No `writes` here: the cloud is asked before the pending payment is written."""
    continuity.refuse_if_catching_up()
    order = orders.get(db.session, json_data["order_id"])
    shift = shifts.open_ref(db.session, actor.terminal)  # none at a self-order kiosk: no drawer, no cash
    return gateway_payments.start(db.session, runtime.client_for(current_app), order, user_id=actor.user_id,
                                  terminal=actor.terminal, shift=shift, method=json_data["method"],
                                  amount=json_data.get("amount"), channel=json_data.get("channel"))


@bp.get("/late/")
@require("manager")
@bp.output(LatePaymentOut(many=True))
def list_late_payments(actor):
    """QRIS / e-wallet payments made after their QR was cancelled or expired (newest first):
    recorded as paid, their orders show the overpayment until a manager gives it back."""
    listed = []
    for payment, order in late_payments.listing(db.session):
        payment = gateway_payments.decorate(db.session, payment)
        listed.append({"payment": payment, "order_id": order.id, "order_number": order.order_number,
                       "order_status": order.status, "overpaid_amount": order.overpaid_amount})
    return listed


@bp.post("/<int:payment_id>/give-back/")
@require("manager")
@bp.input(GiveBackIn)
@bp.output(RefundOut, status_code=201)
@bp.doc(responses={503: {"description": "GATEWAY_UNREACHABLE: the money goes back through the gateway (online)"}})
@refuses(NOT_A_LATE_PAYMENT="the payment was not made after its QR was cancelled or expired",
          ALREADY_GIVEN_BACK="it was given back already", NOT_OVERPAID="the late payment pays for the order",
          GATEWAY_REFUND_NOT_DONE="the gateway has not confirmed the refund")
def give_back_late_payment(payment_id, json_data, actor):
    """One tap: give a late payment's overpaid money back through the gateway and record the
    refund (the order's overpayment falls to zero). Nothing is recorded unless the gateway confirms."""
    continuity.refuse_if_catching_up()
    given = late_payments.give_back(db.session, runtime.client_for(current_app), _payment(payment_id),
                                    user_id=actor.user_id, shift=shifts.current(db.session, actor.terminal),
                                    reason=json_data["reason"])
    given.tenders = [{"id": given.id, "uuid": given.uuid, "method": given.method, "amount": given.amount}]
    return given


def _payment(payment_id) -> Payment:
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        raise NotFound("Payment")
    return payment


@bp.get("/display/")
@require("cashier")
@bp.input(DisplayQuery, location="query")
@bp.output(DisplayOut)
def customer_display_feed(query_data, actor):
    """What the screen facing the customer at till `terminal` shows: the QR it waits on
    (`pending`), `paid`, `ended` (expired, cancelled, failed) or `idle`. With `since` and
    `wait` it long-polls: it answers as soon as the fingerprint differs from `since`."""
    return customer_display.wait_for_change(db.session, query_data["terminal"], query_data["since"],
                                            query_data["wait"])


@bp.get("/<int:payment_id>/")
@require("cashier")
@bp.input(PaymentQuery, location="query")
@bp.output(PaymentOut)
def get_payment(payment_id, query_data, actor):
    """A payment; a pending QRIS / e-wallet one is first brought up to date from the cloud
    (`wait=N`: as soon as it changes there, or after N seconds)."""
    return gateway_payments.refresh(db.session, runtime.client_for(current_app), _payment(payment_id),
                                    wait=query_data["wait"])


@bp.post("/<int:payment_id>/check/")
@require("cashier")
@bp.output(PaymentOut)
def check_payment(payment_id, actor):
    """"Check now": the cloud asks the gateway how a pending payment stands."""
    return gateway_payments.refresh(db.session, runtime.client_for(current_app), _payment(payment_id), check=True)


@bp.post("/<int:payment_id>/cancel/")
@require("cashier")
@bp.output(PaymentOut)
@refuses(PAYMENT_NOT_PENDING="only a waiting QRIS / e-wallet payment can be cancelled")
def cancel_payment(payment_id, actor):
    """Withdraw the QR before the customer pays (if they just paid, the payment turns paid)."""
    return gateway_payments.cancel(db.session, runtime.client_for(current_app), _payment(payment_id))


@bp.post("/<int:payment_id>/print-qr/")
@writes
@require("cashier")
@bp.output(PrintedOut, status_code=201)
@refuses(PAYMENT_NOT_PENDING="only a waiting QRIS payment's code is printed", NO_PRINTER="no receipt printer")
def print_payment_qr(payment_id, actor):
    """Print the waiting QRIS payment's code on the receipt printer (a native ESC/POS QR) for the
    customer to scan; 404 when the payment has no QR (an e-wallet deeplink)."""
    return {"jobs": gateway_payments.print_qr(db.session, _payment(payment_id))}


@bp.get("/<int:payment_id>/qr.svg")
@require("cashier")
@bp.doc(responses={200: {"description": "The payment's QR string as an SVG image", "content": {"image/svg+xml": {}}},
                   404: {"description": "No such payment, or it has no QR (cash, card, an e-wallet deeplink)"}})
def payment_qr(payment_id, actor):
    """The QRIS code to show the customer (the kiosk and a customer-facing screen draw it)."""
    payment = gateway_payments.decorate(db.session, _payment(payment_id))
    if not getattr(payment, "qr_string", None):
        raise NotFound("QR code")
    return Response(qr_images.svg(payment.qr_string), mimetype="image/svg+xml",
                    headers={"Cache-Control": "no-store"})
