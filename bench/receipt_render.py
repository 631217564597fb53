"""How long rendering one receipt takes, and how many bytes it is, per paper width.

    python bench/receipt_render.py [--count 500]

A realistic receipt: 10 items with modifiers, a line discount, two promotions,
service charge, tax, rounding, split payment (card + cash with change), a QR code of
a unique e-receipt link and the order number as a CODE128 barcode. Every iteration
has its own order number and link, as in a real shift, so caches do not flatter the
figures. Rendering happens inside the order's write path (the bytes are stored with
the order), so this is time the cashier waits for.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from printers.profiles import Paper
from printers.render import render
from printers.values import (
    Payment,
    PrintLocale,
    Promotion,
    Receipt,
    ReceiptLine,
    ReceiptModifier,
)

PAPERS = [
    ("80 mm, 48 col (TM-T20II)", Paper.for_profile("TM-T20II", code_page="CP858")),
    ("80 mm, 42 col (TM-T88V)", Paper.for_profile("TM-T88V", code_page="CP858")),
    ("80 mm, 42 col (TM-T20II, columns=42)", Paper.for_profile("TM-T20II", columns=42, code_page="CP858")),
    ("58 mm, 32 col (POS-5890: QR/barcode as images)", Paper.for_profile("POS-5890", code_page="CP858")),
    ("58 mm, 32 col (Sunmi-V2: native QR)", Paper.for_profile("Sunmi-V2", code_page="CP858")),
]

MENU = [
    ("Margherita Pizza Large", 95_000, [("Extra cheese", 10_000), ("Thin crust", 0)]),
    ("Pepperoni Pizza Medium", 85_000, [("Extra pepperoni", 15_000)]),
    ("Spaghetti Carbonara", 65_000, [("Add smoked beef", 12_000)]),
    ("Garlic Bread", 25_000, [("Cheese topping", 8_000)]),
    ("Caesar Salad", 45_000, [("No croutons", 0), ("Dressing on the side", 0)]),
    ("Chicken Wings (8 pcs)", 55_000, [("Spicy BBQ", 0)]),
    ("Es Teh Manis", 12_000, [("Less sugar", 0)]),
    ("Kopi Susu Gula Aren", 28_000, [("Oat milk", 7_000), ("Extra shot", 6_000)]),
    ("Tiramisu", 38_000, [("Extra cocoa", 0)]),
    ("Mineral Water 600 ml", 8_000, []),
]


def sample_receipt(serial: int) -> Receipt:
    lines = []
    subtotal = 0
    for index, (name, price, modifiers) in enumerate(MENU):
        quantity = 1 + index % 3
        amount = price * 100 * quantity
        mods = [ReceiptModifier(mod, delta * 100 * quantity) for mod, delta in modifiers]
        discount = amount // 10 if index == 0 else 0
        lines.append(ReceiptLine(name, quantity, amount, unit_price=price * 100, modifiers=mods,
                                 note="well done" if index == 1 else "", discount=discount,
                                 discount_label="Happy hour 10%" if discount else ""))
        subtotal += amount + sum(m.amount for m in mods) - discount
    promotions = [Promotion("WEEKEND30 (30% pizza)", 5_400_000), Promotion("Bundle: wings + tea", 1_000_000)]
    discounted = subtotal - sum(p.amount for p in promotions)
    service = discounted * 5 // 100
    tax = (discounted + service) // 10
    raw_total = discounted + service + tax
    total = (raw_total + 5_000) // 10_000 * 10_000  # cash rounding to Rp 100
    card = total // 2
    return Receipt(
        order_number=f"YOG-261123-1-{serial:04d}",
        created_at=datetime(2026, 11, 23, 7, 5, tzinfo=UTC),
        tenant_name="Pizza Palace",
        outlet_name="Mall Yogya",
        outlet_address="Jl. Laksda Adisucipto No. 80, Yogyakarta",
        outlet_phone="0274-555123",
        tax_number="01.234.567.8-901.000",
        cashier_name="Sari",
        terminal="1",
        table="12",
        customer_name="Budi Santoso",
        locale=PrintLocale(timezone="Asia/Jakarta"),
        lines=lines,
        subtotal=subtotal,
        promotions=promotions,
        service_charge=service,
        service_charge_label="Service 5%",
        tax=tax,
        tax_label="PB1 10%",
        rounding=total - raw_total,
        total=total,
        payments=[
            Payment("card", card, reference="BCA 4321 AUTH 774411"),
            Payment("cash", total - card, tendered=total - card + 3_450_000, change=3_450_000),
        ],
        footer="Terima kasih! Follow us @pizzapalace.yogya\nWi-Fi: PizzaPalace / pizza2026",
        qr_payload=f"https://receipts.example.com/e/{uuid.UUID(int=serial)}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500, help="receipts per paper (default 500)")
    args = parser.parse_args()
    documents = [sample_receipt(serial) for serial in range(1, args.count + 1)]
    print(f"Rendering {args.count} receipts per paper (10 items, modifiers, promotions, split payment, QR, barcode)")
    print(f"{'paper':<48} {'mean ms':>8} {'p50 ms':>8} {'p99 ms':>8} {'bytes':>7}")
    for label, paper in PAPERS:
        render(documents[0], paper)  # warm up imports and profile caches
        timings = []
        sizes = []
        for document in documents:
            started = time.perf_counter_ns()
            data = render(document, paper)
            timings.append((time.perf_counter_ns() - started) / 1e6)
            sizes.append(len(data))
        timings.sort()
        p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
        print(f"{label:<48} {statistics.fmean(timings):8.2f} {statistics.median(timings):8.2f} {p99:8.2f} "
              f"{round(statistics.fmean(sizes)):7d}")


if __name__ == "__main__":
    main()
