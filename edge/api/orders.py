"""Orders: create, change, price a cart, the status flow, voids and refunds."""
from apiflask import APIBlueprint
from flask import Response, current_app
from sqlalchemy import func, or_, select

from edge.api.access import require
from edge.api.schemas.orders import (
    CancelIn,
    EReceiptIn,
    EReceiptOut,
    OrderIn,
    OrderListQuery,
    OrderOut,
    OrderPatchIn,
    PrintedOut,
    PrintIn,
    QuoteIn,
    QuoteOut,
    ReceiptOut,
    ReceiptQuery,
    RefundIn,
    RefundOut,
    RefundPreviewIn,
    RefundPreviewOut,
    VoidIn,
)
from edge.api.tx import writes
from edge.extensions import db
from edge.models import Order
from edge.services import continuity, runtime
from edge.services.printing import documents as print_documents
from edge.services.printing import jobs as printing
from edge.services.selling import e_receipts, gateway_payments, orders, refunds, shifts
from edge.services.selling.payments import GATEWAY_METHODS
from edge.services.syncing import outlet as outlet_settings
from sync.errors import DomainError
from sync.web import idempotency
from sync.web.lists import (
    LIKE_ESCAPE,
    like_pattern,
    list_schema,
    order_by,
    ordered_by,
    paginate,
)
from sync.web.openapi import refuses

bp = APIBlueprint("orders", __name__, url_prefix="/api/orders", tag="Orders")

ORDERING = {"created_at": Order.created_at, "order_number": Order.order_number, "total_amount": Order.total_amount,
            "status": Order.status}


@bp.get("/")
@require("cashier")
@bp.input(ordered_by(OrderListQuery, ORDERING), location="query")
@bp.output(list_schema(OrderOut, "EdgeOrderList"))
def list_orders(query_data, actor):
    """Orders, newest first; search by number, customer name or phone."""
    stmt = select(Order)
    for name, column in (("status", Order.status), ("date", Order.business_date), ("shift_id", Order.shift_id)):
        if query_data.get(name) is not None:
            stmt = stmt.where(column == query_data[name])
    if query_data.get("sync_status") == "pending":
        stmt = stmt.where(Order.synced_version < Order.version)
    elif query_data.get("sync_status") == "synced":
        stmt = stmt.where(Order.synced_version >= Order.version)
    search = (query_data.get("search") or "").strip().lower()
    if search:
        pattern = like_pattern(search)
        stmt = stmt.where(or_(*(column.like(pattern, escape=LIKE_ESCAPE) for column in (
            func.lower(Order.order_number), func.lower(Order.customer_name), Order.customer_phone,
            func.lower(Order.table_label)))))
    stmt = order_by(stmt, query_data.get("ordering"), ORDERING, [Order.id.desc()])
    if not query_data.get("ordering"):
        stmt = stmt.order_by(None).order_by(Order.created_at.desc(), Order.id.desc())
    return paginate(db.session, stmt, query_data)


@bp.post("/")
@writes
@require("cashier")
@bp.input(OrderIn)
@bp.output(OrderOut, status_code=201)
@refuses(INVALID_PRODUCT="a product_id is not on this outlet's menu",
          PRODUCT_UNAVAILABLE="a product is sold out here",
          MODIFIER_REQUIRED="a required modifier group has too few choices",
          TOO_MANY_MODIFIERS="a modifier group has too many choices",
          INVALID_MODIFIER="a modifier_id is not one of the product's",
          MODIFIER_UNAVAILABLE="a modifier is sold out", DUPLICATE_MODIFIER="a modifier is chosen twice",
          INVALID_CUSTOMER="customer_id names no customer here",
          INVALID_PHONE="customer_phone has not 8 to 15 digits once separators are dropped", EMPTY_ORDER="no items",
          INVALID_QUANTITY="a quantity is out of range", INVALID_CLIENT_UUID="client_uuid is not a UUID",
          PROMO_CODE_REJECTED="422: an entered promo code cannot apply (the reason is given)")
def create_order(json_data, actor):
    """Create an order (priced here, offline). A repeated `client_uuid` returns the same order."""
    shift = shifts.open_ref(db.session, actor.terminal)
    order, created = orders.create(db.session, actor.user_id, actor.terminal, shift, _new_order(json_data))
    return order, 201 if created else 200


def _lines(items: list[dict]) -> tuple[orders.LineWanted, ...]:
    return tuple(orders.LineWanted(i["product_id"], i["quantity"], tuple(i.get("modifier_ids") or ()),
                                   i.get("note") or "") for i in items)


def _new_order(data: dict) -> orders.NewOrder:
    return orders.NewOrder(
        lines=_lines(data["items"]), client_uuid=data.get("client_uuid"), status=data.get("status"),
        source=data.get("source") or "pos",
        customer=orders.CustomerRef(data.get("customer_id"), data.get("customer_phone")),
        customer_name=data.get("customer_name") or "", table=data.get("table") or "", note=data.get("note") or "",
        promo_codes=tuple(data.get("promo_codes") or ()))


def _patch(data: dict) -> orders.OrderPatch:
    """Absent fields stay as they are; a customer_id or customer_phone given (even null) sets the customer."""
    customer_given = "customer_id" in data or "customer_phone" in data
    return orders.OrderPatch(
        lines=_lines(data["items"]) if data.get("items") else None,
        promo_codes=tuple(data["promo_codes"]) if data.get("promo_codes") is not None else None,
        customer=orders.CustomerRef(data.get("customer_id"), data.get("customer_phone")) if customer_given else None,
        customer_name=data.get("customer_name"), table=data.get("table"), note=data.get("note"),
        source=data.get("source"), status=data.get("status"))


@bp.post("/quote/")
@require("cashier")
@bp.input(QuoteIn)
@bp.output(QuoteOut)
@refuses(INVALID_PRODUCT="a product_id is not on this outlet's menu",
          PRODUCT_UNAVAILABLE="a product is sold out here",
          MODIFIER_REQUIRED="a required modifier group has too few choices",
          TOO_MANY_MODIFIERS="a modifier group has too many choices",
          INVALID_MODIFIER="a modifier_id is not one of the product's",
          MODIFIER_UNAVAILABLE="a modifier is sold out", DUPLICATE_MODIFIER="a modifier is chosen twice",
          INVALID_CUSTOMER="customer_id names no customer here",
          INVALID_PHONE="customer_phone has not 8 to 15 digits once separators are dropped", EMPTY_ORDER="no items",
          INVALID_QUANTITY="a quantity is out of range")
def quote(json_data, actor):
    """Price a cart without saving it: what the customer would pay, and why a code does not apply."""
    result = orders.quote_cart(db.session, _lines(json_data["items"]), json_data["promo_codes"],
                               orders.CustomerRef(json_data.get("customer_id"), json_data.get("customer_phone")))
    priced = result.priced
    return {
        "items": [{"product_id": line.product_id, "product_name": line.name, "quantity": line.quantity,
                   "unit_price": p.unit_price, "gross": p.gross, "discount_amount": p.discount_amount,
                   "total_price": p.total_price, "service_charge": p.service_charge, "tax_amount": p.tax_amount,
                   "line_total": p.total} for line, p in zip(result.lines, priced.lines, strict=True)],
        "promotions": [{"promotion_id": a.promotion_id, "name": a.name, "code": None,
                        "discount_amount": a.discount_amount} for a in priced.promotions],
        "rejections": [{"code": r.code, "reason": r.reason_code, "message": r.message} for r in result.rejections],
        **{f: getattr(priced, f) for f in ("subtotal", "discount_amount", "service_charge", "tax_amount",
                                           "rounding_amount", "total_amount")},
    }


@bp.get("/<int:order_id>/")
@require("cashier")
@bp.output(OrderOut)
def get_order(order_id, actor):
    return orders.get(db.session, order_id)


@bp.patch("/<int:order_id>/")
@writes
@require("cashier")
@bp.input(OrderPatchIn)
@bp.output(OrderOut)
@refuses(INVALID_PRODUCT="a product_id is not on this outlet's menu",
          PRODUCT_UNAVAILABLE="a product is sold out here",
          MODIFIER_REQUIRED="a required modifier group has too few choices",
          TOO_MANY_MODIFIERS="a modifier group has too many choices",
          INVALID_MODIFIER="a modifier_id is not one of the product's",
          MODIFIER_UNAVAILABLE="a modifier is sold out", DUPLICATE_MODIFIER="a modifier is chosen twice",
          INVALID_CUSTOMER="customer_id names no customer here",
          INVALID_PHONE="customer_phone has not 8 to 15 digits once separators are dropped", EMPTY_ORDER="no items",
          INVALID_QUANTITY="a quantity is out of range",
          PROMO_CODE_REJECTED="422: an entered promo code cannot apply (the reason is given)")
def update_order(order_id, json_data, actor):
    """Change a draft or pending order (items, codes, customer, table, note)."""
    return orders.update(db.session, orders.get(db.session, order_id), _patch(json_data), user_id=actor.user_id)


@bp.post("/<int:order_id>/confirm/")
@writes
@require("cashier")
@bp.output(OrderOut)
def confirm_order(order_id, actor):
    """Send the order to the kitchen (ticket on the screens and the kitchen printer)."""
    return orders.confirm(db.session, orders.get(db.session, order_id))


@bp.post("/<int:order_id>/e-receipt/")
@writes
@require("cashier")
@bp.input(EReceiptIn)
@bp.output(EReceiptOut, status_code=202)
@refuses(INVALID_PHONE="not a phone number", INVALID_EMAIL="not one email address",
         ORDER_NOT_PAID="409: the order is not paid in full", NOT_ENROLLED="409: the outlet has no cloud to send it")
def send_e_receipt(order_id, json_data, actor):
    """Send the order's e-receipt (its receipt_url) to the customer by WhatsApp or email. Queued in the outbox
    (works offline); the cloud sends it once synced, exactly once. Send an Idempotency-Key to retry safely."""
    order = orders.get(db.session, order_id)
    return e_receipts.request(db.session, order, json_data["channel"], json_data["recipient"], actor.user_id)


@bp.post("/<int:order_id>/cancel/")
@writes
@require("cashier")
@bp.input(CancelIn)
@bp.output(OrderOut)
def cancel_order(order_id, json_data, actor):
    """Cancel before completion: cashiers before the kitchen has it, managers any time."""
    order = orders.get(db.session, order_id)
    return orders.cancel(db.session, order, actor.at_least("manager"), json_data["reason"], user_id=actor.user_id,
                         terminal=actor.terminal)


@bp.post("/<int:order_id>/complete/")
@writes
@require("cashier")
@bp.output(OrderOut)
def complete_order(order_id, actor):
    """Close a fully paid order that was handed over; loyalty points accrue here."""
    tenant = outlet_settings.tenant(db.session)
    return orders.complete(db.session, orders.get(db.session, order_id), tenant.points_per_amount)


@bp.post("/<int:order_id>/refund/")
@require("manager")
@bp.input(RefundIn)
@bp.output(RefundOut, status_code=201)
@refuses(INVALID_ITEM="an item_id is not on this order", INVALID_QUANTITY="a quantity is more than is left",
          INVALID_METHOD="the order was not paid by that method",
          GATEWAY_REFUND_NOT_DONE="the gateway has not confirmed a QRIS / e-wallet refund")
def refund_order(order_id, json_data, actor):
    """Give money back, for the whole order or some lines, with a reason (manager+). The money goes back by
    the methods that took it, each at most what it took: `method` first, then the others (`tenders`).
    Cash goes back out of this terminal's drawer: when any does, its shift must be open. QRIS and
    e-wallet money goes back through the payment gateway first (online only); a refusal records nothing."""
    continuity.refuse_if_catching_up()
    order = orders.get(db.session, order_id)
    if any(p.status == "paid" and p.method in GATEWAY_METHODS for p in order.payments):
        try:
            planned = refunds.plan(order, lines=json_data.get("lines"), method=json_data.get("method"),
                                   cash_rounding=outlet_settings.tenant(db.session).cash_rounding)
        except DomainError:
            planned = None  # refused (or a replay of one done): the recording step answers it
        if planned is not None:
            gateway_payments.refund_at_gateway(db.session, runtime.client_for(current_app), order, planned.shares,
                                               reason=json_data["reason"], key=idempotency.read_key())
    return _record_refund(order_id, json_data, actor)


@writes
def _record_refund(order_id, json_data, actor):
    """The refund's records, in one write transaction (and `Idempotency-Key` replay), answered here."""
    order = orders.get(db.session, order_id)
    tenant = outlet_settings.tenant(db.session)
    given = refunds.refund(db.session, order, user_id=actor.user_id, shift=shifts.current(db.session, actor.terminal),
                           reason=json_data["reason"], lines=json_data.get("lines"), method=json_data.get("method"),
                           points_per_amount=tenant.points_per_amount, cash_rounding=tenant.cash_rounding,
                           restock=json_data.get("restock", False))
    first = given[0]
    first.tenders = [{"id": r.id, "uuid": r.uuid, "method": r.method, "amount": r.amount} for r in given]
    return RefundOut().dump(first), 201


@bp.post("/<int:order_id>/refund/preview/")
@require("cashier")
@bp.input(RefundPreviewIn)
@bp.output(RefundPreviewOut)
@refuses(INVALID_ITEM="an item_id is not on this order", INVALID_QUANTITY="a quantity is more than is left",
          INVALID_METHOD="the order was not paid by that method")
def preview_refund(order_id, json_data, actor):
    """What a refund would give back, per method, before a manager approves it (nothing is written):
    the refund dialog shows it, and asks first when some of it would go back by another method."""
    order = orders.get(db.session, order_id)
    planned = refunds.plan(order, lines=json_data.get("lines"), method=json_data.get("method"),
                           cash_rounding=outlet_settings.tenant(db.session).cash_rounding)
    return {"method": planned.method, "amount": planned.total, "spills": planned.spills,
            "gives_cash": planned.gives_cash,
            "tenders": [{"method": m, "amount": a} for m, a in planned.shares],
            "lines": [{"item_id": i.id, "line_no": i.line_no, "product_name": i.product_name, "quantity": q,
                       "amount": a} for i, q, a in planned.lines]}


@bp.post("/<int:order_id>/void/")
@writes
@require("manager")
@bp.input(VoidIn)
@bp.output(RefundOut, status_code=201)
@refuses(INVALID_ITEM="an item_id is not on this order", INVALID_QUANTITY="a quantity is more than is left")
def void_order_lines(order_id, json_data, actor):
    """Take unpaid items off an order, with a reason (manager+)."""
    order = orders.get(db.session, order_id)
    shift = shifts.current(db.session, actor.terminal) or order.shift
    return refunds.void(db.session, order, user_id=actor.user_id, shift=shift,
                        reason=json_data["reason"], lines=json_data.get("lines"))


@bp.get("/<int:order_id>/receipt/")
@require("cashier")
@bp.input(ReceiptQuery, location="query")
@bp.output(ReceiptOut)
@bp.doc(responses={200: {"description": "The receipt as values (json) or the printed lines (text)",
                         "content": {"text/plain": {"schema": {"type": "string"}}}}})
def get_receipt(order_id, query_data, actor):
    """The receipt: `?format=text` gives exactly the lines the receipt printer prints."""
    order = orders.get(db.session, order_id)
    if query_data["format"] == "text":
        text = "\n".join(printing.receipt_text(db.session, order)) + "\n"
        return Response(text, mimetype="text/plain")
    return {"receipt": print_documents.receipt(db.session, order).to_dict()}


@bp.post("/<int:order_id>/print/")
@writes
@require("cashier")
@bp.input(PrintIn)
@bp.output(PrintedOut, status_code=201)
def print_order(order_id, json_data, actor):
    """Print the receipt or the kitchen tickets again (marked COPY if printed before)."""
    jobs = printing.reprint(db.session, orders.get(db.session, order_id), json_data["kind"], user_id=actor.user_id,
                            terminal=actor.terminal)
    db.session.flush()
    return {"jobs": [{"id": j.id, "printer_id": j.printer_id, "kind": j.kind, "copy": j.copy} for j in jobs]}
