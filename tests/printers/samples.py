"""Realistic documents for the printers tests (amounts in int minor units, IDR)."""
from __future__ import annotations

from datetime import UTC, datetime

from printers.values import (
    CashMovement,
    KitchenItem,
    KitchenTicket,
    MethodTotal,
    Payment,
    PrintLocale,
    Promotion,
    Receipt,
    ReceiptLine,
    ReceiptModifier,
    ShiftReport,
)

ORDER_NUMBER = "YOG-261123-1-0042"
CREATED_AT = datetime(2026, 11, 23, 7, 5, tzinfo=UTC)  # 14:05 in Yogyakarta
# the payment methods' names as the edge passes them from its vocabulary (sync.vocab.METHOD_LABELS)
JAKARTA = PrintLocale(timezone="Asia/Jakarta", method_labels={"cash": "Cash", "card": "Card", "qris": "QRIS"})


def rupiah(whole: int) -> int:
    """Whole rupiah -> minor units."""
    return whole * 100


def receipt(**overrides) -> Receipt:
    fields = {
        "order_number": ORDER_NUMBER,
        "created_at": CREATED_AT,
        "tenant_name": "Pizza Palace",
        "outlet_name": "Mall Yogya",
        "outlet_address": "Jl. Laksda Adisucipto No. 80, Yogyakarta",
        "outlet_phone": "0274-555123",
        "cashier_name": "Sari",
        "table": "12",
        "customer_name": "Budi",
        "locale": JAKARTA,
        "lines": [
            ReceiptLine(
                "Margherita Pizza Extra Large With Stuffed Crust",
                2,
                rupiah(190_000),
                unit_price=rupiah(95_000),
                modifiers=[ReceiptModifier("Extra cheese", rupiah(20_000)), ReceiptModifier("No basil")],
                note="well done",
                discount=rupiah(19_000),
                discount_label="Happy hour 10%",
            ),
            ReceiptLine("Es Teh Manis", 1, rupiah(15_000)),
        ],
        "subtotal": rupiah(206_000),
        "promotions": [Promotion("WEEKEND30", rupiah(61_800))],
        "service_charge": rupiah(7_210),
        "service_charge_label": "Service 5%",
        "tax": rupiah(15_141),
        "tax_label": "Tax 10%",
        "rounding": -rupiah(51),
        "total": rupiah(166_500),
        "payments": [
            Payment("card", rupiah(66_500), reference="AUTH 123456"),
            Payment("cash", rupiah(100_000), tendered=rupiah(150_000), change=rupiah(50_000)),
        ],
        "footer": "Thank you! Terima kasih",
        "qr_payload": "https://receipts.example.com/e/3f2a9c1e-4b7d-4e21-9a55-0c6f1d2e8b90",
    }
    fields.update(overrides)
    return Receipt(**fields)


def kitchen_ticket(**overrides) -> KitchenTicket:
    fields = {
        "order_number": ORDER_NUMBER,
        "created_at": CREATED_AT,
        "station": "Pizza oven",
        "table": "12",
        "customer_name": "Budi",
        "source": "kiosk",
        "locale": JAKARTA,
        "items": [
            KitchenItem("Margherita Pizza Extra Large With Stuffed Crust", 2, ("Extra cheese", "No basil"),
                        "well done"),
            KitchenItem("Garlic Bread", 1),
        ],
        "order_note": "Birthday: bring a candle",
    }
    fields.update(overrides)
    return KitchenTicket(**fields)


def shift_report(**overrides) -> ShiftReport:
    fields = {
        "report": "Z",
        "opened_at": datetime(2026, 11, 23, 1, 0, tzinfo=UTC),
        "closed_at": datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        "printed_at": datetime(2026, 11, 23, 10, 1, tzinfo=UTC),
        "tenant_name": "Pizza Palace",
        "outlet_name": "Mall Yogya",
        "terminal": "1",
        "cashier_name": "Sari",
        "locale": JAKARTA,
        "opening_float": rupiah(500_000),
        "cash_movements": [
            CashMovement("in", rupiah(200_000), "Float top-up"),
            CashMovement("out", rupiah(75_000), "Ice delivery"),
        ],
        "methods": [
            # cash: 500.000 float + 200.000 in - 75.000 out + 1.595.000 taken - 95.000 refunded
            MethodTotal("cash", expected=rupiah(2_125_000), counted=rupiah(2_120_000), payment_count=31,
                        refunds=rupiah(95_000), taken=rupiah(1_595_000)),
            MethodTotal("qris", expected=rupiah(1_480_000), counted=rupiah(1_480_000), payment_count=12,
                        taken=rupiah(1_480_000)),
        ],
        "order_count": 43,
        "refund_count": 1,
        "gross_sales": rupiah(3_400_000),
        "discounts": rupiah(150_000),
        "net_sales": rupiah(3_250_000),
        "service_charge": rupiah(162_500),
        "tax": rupiah(341_250),
        "rounding": -rupiah(250),
        "refunds_total": rupiah(95_000),
        "payments_total": rupiah(3_075_000),
        "total_collected": rupiah(2_980_000),
    }
    fields.update(overrides)
    return ShiftReport(**fields)


def big_receipt(lines: int = 2500, **overrides) -> Receipt:
    """A receipt far larger than any pty or socket buffer (~120 KB at 48 columns)."""
    items = [ReceiptLine(f"Item number {i}", 1, rupiah(1_000)) for i in range(lines)]
    return receipt(lines=items, subtotal=rupiah(1_000) * lines, total=rupiah(1_000) * lines,
                   promotions=[], service_charge=0, tax=0, rounding=0, payments=[], **overrides)
