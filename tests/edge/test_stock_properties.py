"""Properties of the stock ledger over random orders with modifiers, voids, kitchen
starts, refunds (with and without restock) and cancellations, through the edge's API:
what each order moves equals the demo recipes times the units its rules say were used,
and on-hand is the sum of the ledger.

The expected figures come from the demo's recipe tables (cloud.services.demo), not from
the edge's own recipe lookup."""
from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cloud.services.demo import MODIFIER_RECIPES, PIZZA_RECIPE
from edge.extensions import db
from edge.models import StockMovement

PIZZAS = ("PZ-MARG", "PZ-PEPP", "PZ-HAWA", "PZ-VEGI")
LINES = st.one_of(
    st.tuples(st.sampled_from(PIZZAS), st.integers(1, 3), st.sampled_from(("Regular", "Large")), st.booleans()),
    st.tuples(st.sampled_from(("DR-COLA", "DS-TIRA")), st.integers(1, 3), st.none(), st.just(False)),
)
PICK = st.tuples(st.integers(0, 3), st.integers(1, 3))  # (line index mod lines, units)
SCENARIOS = st.fixed_dictionaries({
    "lines": st.lists(LINES, min_size=1, max_size=4),
    "void_before": st.none() | PICK,
    "confirm": st.sampled_from((True, True, True, False)),
    "started": st.sets(st.integers(0, 3), max_size=2),
    "void_after": st.none() | PICK,
    "ending": st.sampled_from(("none", "refund", "refund", "cancel")),
    "void_started": st.booleans(),  # the void after confirmation takes a line the kitchen started
    "refund": PICK,
    "restock": st.booleans(),
})


def per_unit(sku: str, size: str | None, extra_cheese: bool) -> Counter:
    uses: Counter = Counter()
    if sku in PIZZAS:
        uses.update(PIZZA_RECIPE)
        uses.update(MODIFIER_RECIPES.get(size, {}))
        if extra_cheese:
            uses.update(MODIFIER_RECIPES["Extra cheese"])
    elif sku == "DR-COLA":
        uses["Cola can"] += 1
    return uses


def times(uses: Counter, units: int, sign: int) -> Counter:
    return Counter({name: sign * quantity * units for name, quantity in uses.items()})


def on_hand(till) -> Counter:
    return Counter({row["name"]: row["on_hand"] for row in till.get("/api/stock/?page_size=100").json["results"]})


def add(total: Counter, more: Counter) -> None:
    for name, quantity in more.items():
        total[name] += quantity


def run(scenario, cashier, manager, cook) -> Counter:
    """Play the scenario; returns what the rules say the ledger moved (by stock item name)."""
    lines = scenario["lines"]
    items = [cashier.item(sku, units, [m for m in (size, "Extra cheese" if cheese else None) if m])
             for sku, units, size, cheese in lines]
    order = cashier.order(*items)
    uses = [per_unit(sku, size, cheese) for sku, _, size, cheese in lines]
    live = [units for _, units, _, _ in lines]
    status = ["queued"] * len(lines)
    moved: Counter = Counter()

    def void(pick, confirmed):
        index, units = pick[0] % len(lines), min(pick[1], live[pick[0] % len(lines)])
        if units == 0:
            return
        item_id = order["items"][index]["id"]
        answer = manager.post(f"/api/orders/{order['id']}/void/",
                              {"reason": "prop", "lines": [{"item_id": item_id, "quantity": units}]})
        if answer.status_code == 409 and answer.json["code"] == "VOID_EXCEEDS_BALANCE":
            return  # a promotion made the rest cheaper than the line: refused, nothing moves
        assert answer.status_code == 201, answer.json
        live[index] -= units
        event(f"voided, confirmed={confirmed}, line {status[index]}")
        if confirmed and status[index] == "queued":
            add(moved, times(uses[index], units, +1))

    if scenario["void_before"]:
        void(scenario["void_before"], confirmed=False)
    if not scenario["confirm"]:
        if scenario["ending"] == "cancel":
            assert cashier.post(f"/api/orders/{order['id']}/cancel/", {"reason": "prop"}).status_code == 200
        return moved
    assert cashier.post(f"/api/orders/{order['id']}/confirm/").status_code == 200
    for index, units in enumerate(live):
        add(moved, times(uses[index], units, -1))
    for index in sorted(i % len(lines) for i in scenario["started"]):
        if live[index] and status[index] == "queued":
            answer = cook.patch(f"/api/kitchen/orders/{order['id']}/items/{order['items'][index]['id']}/status/",
                                {"prep_status": "preparing"})
            assert answer.status_code == 200, answer.json
            status[index] = "preparing"
    if scenario["void_after"]:
        pick = scenario["void_after"]
        begun = [i for i, s in enumerate(status) if s != "queued"]
        void((begun[0], pick[1]) if scenario["void_started"] and begun else pick, confirmed=True)
    if scenario["ending"] == "cancel":
        assert manager.post(f"/api/orders/{order['id']}/cancel/", {"reason": "prop"}).status_code == 200
        for index, units in enumerate(live):
            if status[index] == "queued":
                add(moved, times(uses[index], units, +1))
    elif scenario["ending"] == "refund":
        due = cashier.get(f"/api/orders/{order['id']}/").json["balance_due"]
        if due == "0.00":
            return moved  # everything was voided: nothing was paid, nothing to refund
        paid = cashier.pay(order["id"], "card", amount=due, reference="PROP")
        assert paid.status_code == 201, paid.json
        index, units = scenario["refund"][0] % len(lines), scenario["refund"][1]
        units = min(units, live[index])
        if units == 0:
            return moved
        answer = manager.post(f"/api/orders/{order['id']}/refund/", {
            "reason": "prop", "restock": scenario["restock"], "method": "card",
            "lines": [{"item_id": order["items"][index]["id"], "quantity": units}]})
        if answer.status_code == 409:
            event(f"refund refused: {answer.json['code']}")
        if answer.status_code == 409:  # a free line (a promotion made it free) gives no money back
            return moved
        assert answer.status_code == 201, answer.json
        event(f"refunded, restock={scenario['restock']}")
        if scenario["restock"]:
            add(moved, times(uses[index], units, +1))
    return moved


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(scenario=SCENARIOS)
def test_the_ledger_moves_what_the_recipes_say_and_on_hand_is_its_sum(edge_app, cashier, manager, cook, scenario):
    cashier.post("/api/shifts/open/", {"opening_cash": "0.00"})  # once: later examples find it open
    before = on_hand(manager)
    moved = run(scenario, cashier, manager, cook)
    after = on_hand(manager)
    names = set(before) | set(after) | set(moved)
    assert {n: after[n] - before[n] for n in names} == {n: moved[n] for n in names}
    with edge_app.app_context():
        sums = dict(db.session.execute(select(StockMovement.stock_item_id, func.sum(StockMovement.quantity))
                                       .group_by(StockMovement.stock_item_id)).all())
    listed = manager.get("/api/stock/").json["results"]
    assert {row["stock_item_id"]: row["on_hand"] for row in listed} == {
        row["stock_item_id"]: sums.get(row["stock_item_id"], 0) for row in listed}
