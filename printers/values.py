"""What to print: receipts, kitchen tickets, shift reports, test pages, drawer kicks.

These are plain frozen values built by the edge from its stored order, payments and
shift. They carry the amounts exactly as stored (int minor units): printing never
recomputes money, it shows what was recorded. Each top-level document has a "type" tag
in `to_dict()` so a stored print job can be loaded back with `load_document()`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .money_format import CurrencyFormat
from .value_codec import DocumentError, Value

# Every word the layouts print, so an outlet can print in its own language through
# `PrintLocale.labels` (e.g. {"change": "Kembali", "total": "TOTAL"}).
DEFAULT_LABELS: dict[str, str] = {
    "copy": "COPY",
    "refund": "REFUND",
    "cancelled": "CANCELLED",
    "order": "Order",
    "refund_of": "Refund of",
    "approved_by": "Approved by",
    "given_back": "Given back",
    "total_refund": "TOTAL REFUND",
    "refunds_heading": "REFUNDS",
    "net_paid": "Net paid",
    "reason": "Reason",
    "date": "Date",
    "cashier": "Cashier",
    "terminal": "Terminal",
    "table": "Table",
    "customer": "Customer",
    "tax_number": "Tax ID",
    "phone": "Tel",
    "note": "Note",
    "discount": "Discount",
    "each": "@",
    "subtotal": "Subtotal",
    "service_charge": "Service charge",
    "tax": "Tax",
    "rounding": "Rounding",
    "total": "TOTAL",
    "tendered": "Tendered",
    "change": "Change",
    "reference": "Ref",
    "qr_caption": "Scan for your e-receipt",
    "station": "Station",
    "source": "Source",
    "time": "Time",
    "x_report": "X REPORT (shift so far)",
    "z_report": "Z REPORT (shift closed)",
    "outlet": "Outlet",
    "opened": "Opened",
    "closed": "Closed",
    "printed": "Printed",
    "opening_float": "Opening float",
    "cash_in": "Cash in",
    "cash_out": "Cash out",
    "payments_by_method": "PAYMENTS BY METHOD",
    "expected": "Expected",
    "counted": "Counted",
    "difference": "Difference",
    "not_counted": "not counted",
    "payment_count": "Payments",
    "taken": "Taken",
    "net": "Net",
    "payments_taken": "Payments taken",
    "refunds": "Refunds",
    "cash_movements": "CASH MOVEMENTS",
    "totals": "TOTALS",
    "orders": "Orders",
    "gross_sales": "Gross sales",
    "discounts": "Discounts",
    "net_sales": "Net sales",
    "collected": "Total collected",
    "test_page": "PRINTER TEST PAGE",
    "printer": "Printer",
    "profile": "Profile",
    "columns": "Columns",
    "code_page": "Code page",
    "character_sample": "Character sample:",
    "scan_to_pay": "Scan with any QRIS app to pay",
    "pay_before": "Pay before",
    "amount_to_pay": "TO PAY",
}


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class PrintLocale(Value):
    """Time zone, date format and the words printed (defaults are English). Payment
    methods print by `method_labels`, which the caller fills from its own vocabulary (this
    package knows no list of methods); a method without one prints as it is named."""

    timezone: str = "UTC"
    datetime_format: str = "%d/%m/%Y %H:%M"
    labels: dict[str, str] = field(default_factory=dict)
    method_labels: dict[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        try:
            _zone(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise DocumentError(f"PrintLocale.timezone: unknown time zone {self.timezone!r}") from None
        unknown = sorted(set(self.labels) - set(DEFAULT_LABELS))
        if unknown:
            raise DocumentError(f"PrintLocale.labels: unknown label(s) {', '.join(unknown)}")

    def label(self, key: str) -> str:
        return self.labels.get(key, DEFAULT_LABELS[key])

    def method_label(self, method: str) -> str:
        return self.method_labels.get(method, method)

    def format_time(self, moment: datetime) -> str:
        return moment.astimezone(_zone(self.timezone)).strftime(self.datetime_format)


# --- receipt ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptModifier(Value):
    """A modifier under an item; `amount` is the price delta for the whole line (0: none)."""

    name: str
    amount: int = 0


@dataclass(frozen=True)
class ReceiptLine(Value):
    """One ordered item.

    `amount` is quantity x unit price before modifiers and discount; modifier amounts
    and the line discount are printed under it, so the right-hand column adds up.
    """

    name: str
    quantity: int
    amount: int
    unit_price: int | None = None
    modifiers: tuple[ReceiptModifier, ...] = ()
    note: str = ""
    discount: int = 0  # positive: reduces the line (printed as a negative amount)
    discount_label: str = ""


@dataclass(frozen=True)
class Promotion(Value):
    """An order-level promotion; `amount` is the discount it gave (positive)."""

    name: str
    amount: int


@dataclass(frozen=True)
class Payment(Value):
    """One tender. `amount` is what it paid towards the order; cash adds tendered/change."""

    method: str
    amount: int
    tendered: int | None = None
    change: int = 0
    reference: str = ""


@dataclass(frozen=True)
class ReceiptRefund(Value):
    """Money given back on the order, shown on its receipt (view or reprint)."""

    method: str
    amount: int
    reason: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class Receipt(Value):
    """A customer receipt, or with `refund=True` a refund slip: the REFUND banner, the
    original order's number, the lines given back with their shares, the amount per
    method (`payments`) and who approved it. A receipt of a refunded order lists its
    `refunds` after the payments."""

    TYPE = "receipt"

    order_number: str
    created_at: datetime
    tenant_name: str
    lines: tuple[ReceiptLine, ...]
    subtotal: int
    total: int
    currency: CurrencyFormat = field(default_factory=CurrencyFormat)
    locale: PrintLocale = field(default_factory=PrintLocale)
    outlet_name: str = ""
    outlet_address: str = ""
    outlet_phone: str = ""
    tax_number: str = ""
    terminal: str = ""
    cashier_name: str = ""
    table: str = ""
    customer_name: str = ""
    order_note: str = ""
    promotions: tuple[Promotion, ...] = ()
    service_charge: int = 0
    service_charge_label: str = ""
    tax: int = 0
    tax_label: str = ""
    rounding: int = 0
    payments: tuple[Payment, ...] = ()
    footer: str = ""
    qr_payload: str = ""
    qr_caption: str = ""
    barcode: bool = True
    logo_path: str = ""
    copy: bool = False
    refund: bool = False
    refund_reason: str = ""
    original_order_number: str = ""
    approved_by: str = ""
    refunds: tuple[ReceiptRefund, ...] = ()

    def validate(self) -> None:
        if not self.order_number.strip():
            raise DocumentError("Receipt.order_number: must not be empty")


# --- kitchen ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KitchenItem(Value):
    """One item for the cook: no prices, ever."""

    name: str
    quantity: int
    modifiers: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class KitchenTicket(Value):
    """A ticket for one kitchen station."""

    TYPE = "kitchen_ticket"

    order_number: str
    created_at: datetime
    items: tuple[KitchenItem, ...]
    station: str = ""
    table: str = ""
    customer_name: str = ""
    source: str = ""
    order_note: str = ""
    locale: PrintLocale = field(default_factory=PrintLocale)
    copy: bool = False
    cancelled: bool = False
    beep: bool = True

    def validate(self) -> None:
        if not self.order_number.strip():
            raise DocumentError("KitchenTicket.order_number: must not be empty")


# --- shift report ----------------------------------------------------------------------


@dataclass(frozen=True)
class CashMovement(Value):
    """Cash put into (float top-up) or taken out of (drop, expense) the drawer."""

    direction: Literal["in", "out"]
    amount: int
    reason: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class MethodTotal(Value):
    """Per payment method: what it took, what it gave back (refunds, an amount), what the
    till expects, and what was counted (Z; None: nobody counted it)."""

    method: str
    expected: int
    counted: int | None = None
    payment_count: int = 0
    refunds: int = 0
    taken: int = 0

    @property
    def net(self) -> int:
        """Taken less given back: what this method brought in."""
        return self.taken - self.refunds

    @property
    def difference(self) -> int | None:
        """Counted minus expected: negative is a shortage."""
        return None if self.counted is None else self.counted - self.expected


@dataclass(frozen=True)
class ShiftReport(Value):
    """An X report (shift so far) or a Z report (shift closed, with counted cash)."""

    TYPE = "shift_report"

    report: Literal["X", "Z"]
    opened_at: datetime
    printed_at: datetime
    opening_float: int
    methods: tuple[MethodTotal, ...]
    currency: CurrencyFormat = field(default_factory=CurrencyFormat)
    locale: PrintLocale = field(default_factory=PrintLocale)
    tenant_name: str = ""
    outlet_name: str = ""
    terminal: str = ""
    cashier_name: str = ""
    closed_at: datetime | None = None
    cash_movements: tuple[CashMovement, ...] = ()
    order_count: int = 0
    refund_count: int = 0
    gross_sales: int = 0
    discounts: int = 0
    net_sales: int = 0
    service_charge: int = 0
    tax: int = 0
    rounding: int = 0
    refunds_total: int = 0
    payments_total: int = 0
    total_collected: int = 0  # payments less refunds
    copy: bool = False

    def validate(self) -> None:
        if self.report == "Z" and self.closed_at is None:
            raise DocumentError("ShiftReport.closed_at: a Z report is for a closed shift")


# --- test page and drawer --------------------------------------------------------------

DEFAULT_CHARACTER_SAMPLE = "ÀÉÎÕÜ àéîõü ñ ç ß € £ ¥ ° ½ – “quotes” ‘x’ …"


@dataclass(frozen=True)
class TestPage(Value):
    """`pos printer test NAME`: proves the link, the width, the code page and the codes."""

    __test__ = False  # not a pytest test class, despite the name

    TYPE = "test_page"

    printer_name: str
    profile: str
    columns: int
    code_page: str
    printed_at: datetime
    details: tuple[str, ...] = ()
    sample: str = DEFAULT_CHARACTER_SAMPLE
    qr_payload: str = "https://example.com/printer-test"
    barcode_data: str = "TEST-0001"
    locale: PrintLocale = field(default_factory=PrintLocale)
    copy: bool = False


@dataclass(frozen=True)
class DrawerKick(Value):
    """Open the cash drawer: a pulse on connector pin 2 or 5 (on/off in milliseconds)."""

    TYPE = "drawer_kick"

    pin: Literal[2, 5] = 2
    on_ms: int = 100
    off_ms: int = 100

    def validate(self) -> None:
        for name in ("on_ms", "off_ms"):
            if not 2 <= getattr(self, name) <= 510:
                raise DocumentError(f"DrawerKick.{name}: must be 2..510 ms")


@dataclass(frozen=True)
class PaymentQr(Value):
    """A waiting QRIS payment's code on paper, printed natively (ESC/POS QR) for a
    customer to scan at a till with no customer-facing screen. Not a receipt: nothing
    is paid yet."""

    TYPE = "payment_qr"

    order_number: str
    amount: int
    qr_payload: str
    tenant_name: str = ""
    outlet_name: str = ""
    method_label: str = "QRIS"
    expires_at: datetime | None = None
    currency: CurrencyFormat = field(default_factory=CurrencyFormat)
    locale: PrintLocale = field(default_factory=PrintLocale)
    copy: bool = False

    def validate(self) -> None:
        if not self.qr_payload.strip():
            raise DocumentError("PaymentQr.qr_payload: must not be empty")
        if self.amount <= 0:
            raise DocumentError("PaymentQr.amount: must be more than zero")


Document = Receipt | KitchenTicket | ShiftReport | TestPage | DrawerKick | PaymentQr
DOCUMENT_TYPES: dict[str, type] = {
    cls.TYPE: cls for cls in (Receipt, KitchenTicket, ShiftReport, TestPage, DrawerKick, PaymentQr)
}


def load_document(data: dict) -> Document:
    """A stored `to_dict()` -> the value it came from (dispatching on its "type")."""
    if not isinstance(data, dict) or data.get("type") not in DOCUMENT_TYPES:
        found = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise DocumentError(f"not a printable document (type {found!r})")
    return DOCUMENT_TYPES[data["type"]].from_dict(data)
