"""What drawing a line in another script costs a kitchen ticket, against the same ticket
in plain text (the baseline, measured in the same run).

    python bench/text_image_render.py [--count 300]

A ticket of four items with modifiers for an 80 mm printer (48 columns, CP437). The
variants differ in one note or the customer's name: plain Latin, Chinese ("辣"), Arabic,
an emoji. Lines the code page cannot print are drawn as raster images (see
printers/text_images.py), inside the confirm's write path, so this is time the cashier
waits for. Each iteration has its own order number, so caches of whole tickets cannot
flatter it (fonts stay loaded, as in the running edge).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from printers.profiles import Paper
from printers.render import render
from printers.values import KitchenItem, KitchenTicket

PAPER = Paper.for_profile("TM-T20II", code_page="CP437")
VARIANTS = [
    ("plain note (baseline)", {"note": "extra spicy"}),
    ("Chinese note '辣 extra spicy'", {"note": "辣 extra spicy"}),
    ("Arabic customer name", {"customer_name": "محمد العلي"}),
    ("emoji note '🌶 no nuts'", {"note": "🌶 no nuts"}),
]


def ticket(number: int, note: str = "", customer_name: str = "Rina") -> KitchenTicket:
    items = (KitchenItem("Margherita Pizza", 2, ("Large", "Mushrooms")),
             KitchenItem("Aglio e Olio", 1, ("Hot",), note),
             KitchenItem("Iced Cola", 2, ("No ice",)),
             KitchenItem("Tiramisu", 1))
    return KitchenTicket(order_number=f"YOG-261206-1-{number:04d}", created_at=datetime.now(UTC), items=items,
                         station="KITCHEN", table="12", customer_name=customer_name, source="pos")


def measure(count: int, fields: dict) -> tuple[list[float], int]:
    render(ticket(0, **fields), PAPER)  # fonts loaded once, as in a running edge
    times, size = [], 0
    for number in range(1, count + 1):
        start = time.perf_counter()
        size = len(render(ticket(number, **fields), PAPER))
        times.append((time.perf_counter() - start) * 1000)
    return times, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    print(f"kitchen ticket, 80 mm / 48 columns / CP437, {args.count} renders per variant")
    print(f"{'variant':34} {'median ms':>10} {'p95 ms':>8} {'bytes':>7}")
    baseline = None
    for name, fields in VARIANTS:
        times, size = measure(args.count, fields)
        median = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[18]
        baseline = baseline or median
        print(f"{name:34} {median:10.2f} {p95:8.2f} {size:7d}   x{median / baseline:.1f} of the baseline")


if __name__ == "__main__":
    main()
