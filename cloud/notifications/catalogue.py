"""The closed lists of notifications: template types, their variables, channels.

A template type is the moment a message is about (an order paid, an order ready). It
fixes which variables a template of that type may use, what kind each one is (so money
is always integer minor units rendered as the receipt does, and a date is written in
the outlet's time zone), the sample values a preview shows, and how long after the
event a message is still worth sending (`freshness`: an "order ready" an hour late is
dropped, not sent; the worker of the next part reads it).

The first five types are the brief's (004, Notification Templates); `order_ready`
(the kitchen bump) and `order_refunded` are the issue's events. `production_complete`
is the brief's word for the same moment as `order_ready`: both take the same
variables, so a tenant may keep the brief's name.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sync import vocab

CHANNELS = vocab.NOTIFY_CHANNELS

# Variable kinds: what a value must be when handed to `render`, and what it becomes.
TEXT, MONEY, DATETIME, BOOL, INT, ITEMS = "text", "money", "datetime", "bool", "int", "items"
KINDS = (TEXT, MONEY, DATETIME, BOOL, INT, ITEMS)

# Attributes a template may read on a value of each kind (everything else is refused).
KIND_ATTRIBUTES = {
    MONEY: {"number": TEXT},
    DATETIME: {"date": TEXT, "time": TEXT},
}
ITEM_ATTRIBUTES = {"name": TEXT, "quantity": INT, "amount": MONEY, "note": TEXT}
LOOP_ATTRIBUTES = {"index": INT, "index0": INT, "revindex": INT, "first": BOOL, "last": BOOL, "length": INT}


@dataclass(frozen=True)
class Variable:
    kind: str
    description: str


@dataclass(frozen=True)
class TemplateType:
    name: str
    description: str
    variables: dict[str, Variable]
    sample: dict
    freshness: timedelta
    default_subject: str = ""
    default_body: str = ""
    examples: tuple[str, ...] = field(default=())


COMMON = {
    "business_name": Variable(TEXT, "the tenant's name"),
    "outlet_name": Variable(TEXT, "the outlet where the order was taken"),
    "customer_name": Variable(TEXT, "the customer's name ('' when the order has no customer)"),
    "order_code": Variable(TEXT, "the order number printed on the receipt"),
    "order_total": Variable(MONEY, "the order's grand total"),
    "order_date": Variable(DATETIME, "when the order was taken (outlet time)"),
    "receipt_url": Variable(TEXT, "the e-receipt link (the receipt's QR)"),
    "items": Variable(ITEMS, "the ordered lines: name, quantity, amount, note"),
}

_SAMPLE_AT = datetime(2025, 6, 30, 10, 30, tzinfo=UTC)
SAMPLE_COMMON = {
    "business_name": "Warung Pizza",
    "outlet_name": "Kemang",
    "customer_name": "Budi Santoso",
    "order_code": "KMG-250630-1-0042",
    "order_total": 20_800_00,
    "order_date": _SAMPLE_AT,
    "receipt_url": "https://pos.example.com/r/KMG-250630-1-0042?s=4f1c9a",
    "items": [{"name": "Margherita Pizza", "quantity": 1, "amount": 15_000_00, "note": "Large"},
              {"name": "Iced Tea", "quantity": 2, "amount": 5_800_00, "note": ""}],   # adds up to order_total
}


def _type(name: str, description: str, extra: dict[str, Variable], sample: dict, freshness: timedelta,
          subject: str, body: str) -> TemplateType:
    return TemplateType(name, description, {**COMMON, **extra}, {**SAMPLE_COMMON, **sample}, freshness,
                        subject, body)


_READY_BODY = ("Halo {{ customer_name }}, pesanan {{ order_code }} sudah siap diambil di "
               "{{ outlet_name }}. Terima kasih!")

TEMPLATE_TYPES: dict[str, TemplateType] = {t.name: t for t in (
    _type("order_created", "an order was taken", {}, {}, timedelta(hours=1),
          "Pesanan {{ order_code }} diterima",
          "Halo {{ customer_name }}, pesanan {{ order_code }} di {{ outlet_name }} sudah kami terima.\n"
          "Total: {{ order_total }}\n{{ receipt_url }}"),
    _type("payment_received", "a payment was taken for an order", {
        "payment_type": Variable(TEXT, "the payment method as the receipt names it (Cash, QRIS, ...)"),
        "amount": Variable(MONEY, "this payment's amount"),
        "payment_date": Variable(DATETIME, "when it was paid (outlet time)"),
        "is_full_payment": Variable(BOOL, "true when the order is now paid in full"),
        "remaining_amount": Variable(MONEY, "what is still due after this payment"),
    }, {"payment_type": "QRIS", "amount": 20_800_00, "payment_date": _SAMPLE_AT + timedelta(minutes=2),
        "is_full_payment": True, "remaining_amount": 0}, timedelta(hours=24),
          "Pembayaran {{ order_code }} diterima",
          "Halo {{ customer_name }},\n\nPembayaran {{ payment_type }} untuk order {{ order_code }} telah diterima:\n"
          "Jumlah: {{ amount }}\nTanggal: {{ payment_date }}\n\n"
          "{% if is_full_payment %}Terima kasih!{% else %}Menunggu pelunasan sebesar {{ remaining_amount }}."
          "{% endif %}\n{{ receipt_url }}"),
    _type("production_complete", "the kitchen finished the order (the brief's name for order_ready)", {
        "ready_at": Variable(DATETIME, "when the kitchen bumped the order (outlet time)"),
    }, {"ready_at": _SAMPLE_AT + timedelta(minutes=12)}, timedelta(minutes=30),
          "Pesanan {{ order_code }} siap", _READY_BODY),
    _type("order_ready", "the kitchen bumped the order: ready to collect", {
        "ready_at": Variable(DATETIME, "when the kitchen bumped the order (outlet time)"),
    }, {"ready_at": _SAMPLE_AT + timedelta(minutes=12)}, timedelta(minutes=30),
          "Pesanan {{ order_code }} siap", _READY_BODY),
    _type("payment_reminder", "an order is not paid in full", {
        "remaining_amount": Variable(MONEY, "what is still due"),
        "due_date": Variable(DATETIME, "when it falls due (outlet time)"),
        "days_overdue": Variable(INT, "whole days past the due date (0 when not yet due)"),
    }, {"remaining_amount": 5_000_00, "due_date": _SAMPLE_AT + timedelta(days=3), "days_overdue": 0},
          timedelta(hours=24),
          "Pengingat pembayaran {{ order_code }}",
          "Halo {{ customer_name }}, order {{ order_code }} masih menunggu pelunasan sebesar "
          "{{ remaining_amount }}{% if days_overdue %} (terlambat {{ days_overdue }} hari){% endif %}."),
    _type("order_cancelled", "an order was cancelled", {
        "cancelled_at": Variable(DATETIME, "when it was cancelled (outlet time)"),
        "cancel_reason": Variable(TEXT, "the reason given at the till ('' if none)"),
    }, {"cancelled_at": _SAMPLE_AT + timedelta(minutes=5), "cancel_reason": "Customer changed their mind"},
          timedelta(hours=24),
          "Pesanan {{ order_code }} dibatalkan",
          "Halo {{ customer_name }}, pesanan {{ order_code }} dibatalkan."
          "{% if cancel_reason %} Alasan: {{ cancel_reason }}.{% endif %}"),
    _type("e_receipt", "the customer asked at the till for the e-receipt by WhatsApp or email", {}, {},
          timedelta(hours=24),
          "Struk {{ order_code }} dari {{ business_name }}",
          "Halo{% if customer_name %} {{ customer_name }}{% endif %}, terima kasih telah berbelanja di "
          "{{ outlet_name }}.\nStruk pesanan {{ order_code }} ({{ order_total }}):\n{{ receipt_url }}"),
    _type("order_refunded", "money was given back for an order", {
        "refund_amount": Variable(MONEY, "the amount refunded"),
        "refund_method": Variable(TEXT, "how it went back (Cash, QRIS, ...)"),
        "refunded_at": Variable(DATETIME, "when (outlet time)"),
        "refund_reason": Variable(TEXT, "the reason given ('' if none)"),
    }, {"refund_amount": 15_000_00, "refund_method": "QRIS", "refunded_at": _SAMPLE_AT + timedelta(hours=1),
        "refund_reason": "Wrong item"}, timedelta(hours=24),
          "Pengembalian dana {{ order_code }}",
          "Halo {{ customer_name }}, dana sebesar {{ refund_amount }} untuk order {{ order_code }} "
          "telah dikembalikan ({{ refund_method }})."),
)}


def template_type(name: str) -> TemplateType:
    """The type called `name`, or KeyError."""
    return TEMPLATE_TYPES[name]
