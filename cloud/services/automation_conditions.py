"""Conditions over a rule's event: `[{"field", "op", "value"}]`, all of which must hold.

Each trigger names the fields its events carry and their kind (money, a whole number, a
closed list, free text, an outlet of the tenant). A condition is checked when the rule
is saved (the field exists for the trigger, the operator suits its kind, the value is of
that kind: 400 with `field` `conditions.<i>.<part>`), and kept in its wire form (money as
a two-decimal string); evaluating parses it again, so nothing float ever enters.
"""
from __future__ import annotations

from dataclasses import dataclass

from sync.errors import Invalid
from sync.money import MoneyFormatError, format_amount, parse_amount
from sync.vocab import CONDITION_OPERATORS, ORDER_SOURCES, PAYMENT_METHODS

MONEY, NUMBER, TEXT, OUTLET = "money", "number", "text", "outlet"
ORDERED_OPS = ("==", "!=", ">", ">=", "<", "<=", "in", "not_in")
EQUALITY_OPS = ("==", "!=", "in", "not_in")
MAX_LISTED = 50


@dataclass(frozen=True)
class Field:
    kind: str  # MONEY, NUMBER, TEXT, OUTLET, or "choice" with `choices`
    choices: tuple[str, ...] = ()

    @property
    def operators(self) -> tuple[str, ...]:
        return ORDERED_OPS if self.kind in (MONEY, NUMBER) else EQUALITY_OPS


CHOICE = "choice"
OUTLET_FIELD = Field(OUTLET)
ORDER_FIELDS = {"outlet_id": OUTLET_FIELD, "order_total": Field(MONEY), "order_source": Field(CHOICE, ORDER_SOURCES),
                "order_code": Field(TEXT)}
FIELDS_OF: dict[str, dict[str, Field]] = {
    "payment_received": {**ORDER_FIELDS, "amount": Field(MONEY), "method": Field(CHOICE, PAYMENT_METHODS)},
    "order_cancelled": {**ORDER_FIELDS, "cancel_reason": Field(TEXT)},
    "order_refunded": {**ORDER_FIELDS, "amount": Field(MONEY), "method": Field(CHOICE, PAYMENT_METHODS),
                       "reason": Field(TEXT)},
    "order_ready": dict(ORDER_FIELDS),
    "stock_low": {"outlet_id": OUTLET_FIELD, "stock_item_id": Field(NUMBER), "on_hand": Field(NUMBER)},
    "outlet_offline": {"outlet_id": OUTLET_FIELD, "minutes_silent": Field(NUMBER)},
    "shift_not_closed": {"outlet_id": OUTLET_FIELD, "terminal": Field(NUMBER), "hours_open": Field(NUMBER)},
    "sync_dead_letter": {"outlet_id": OUTLET_FIELD, "event_type": Field(TEXT), "reason": Field(TEXT)},
    "schedule": {"outlet_id": OUTLET_FIELD, "weekday": Field(NUMBER), "orders_today": Field(NUMBER),
                 "sales_today": Field(MONEY)},
}


def _one(field: Field, value, where: str, outlet_ids: set[int]):
    """One value in its wire form, or Invalid."""
    if field.kind == MONEY:
        if not isinstance(value, str):
            raise Invalid("money is a decimal string such as '50000.00'", "INVALID_VALUE", where)
        try:
            return format_amount(parse_amount(value))
        except MoneyFormatError as error:
            raise Invalid(str(error), "INVALID_VALUE", where) from None
    if field.kind in (NUMBER, OUTLET):
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 10**12:
            raise Invalid("a whole number", "INVALID_VALUE", where)
        if field.kind == OUTLET and value not in outlet_ids:
            raise Invalid(f"outlet {value} is not one of the tenant's", "INVALID_OUTLET", where)
        return value
    if not isinstance(value, str) or len(value) > 200:
        raise Invalid("a string of at most 200 characters", "INVALID_VALUE", where)
    if field.kind == CHOICE and value not in field.choices:
        raise Invalid(f"one of {', '.join(field.choices)}", "INVALID_VALUE", where)
    return value


def checked(trigger: str, raw: list, outlet_ids: set[int]) -> list[dict]:
    """The conditions as kept, or Invalid naming the part that is wrong."""
    if not isinstance(raw, list) or len(raw) > 10:
        raise Invalid("a list of at most 10 conditions", "INVALID_CONDITIONS", "conditions")
    fields = FIELDS_OF[trigger]
    kept = []
    for index, condition in enumerate(raw):
        at = f"conditions.{index}"
        if not isinstance(condition, dict) or set(condition) != {"field", "op", "value"}:
            raise Invalid("a condition is {field, op, value}", "INVALID_CONDITION", at)
        name, op, value = condition["field"], condition["op"], condition["value"]
        if name not in fields:
            raise Invalid(f"{trigger} events carry {', '.join(sorted(fields))}", "UNKNOWN_FIELD", f"{at}.field")
        field = fields[name]
        if op not in CONDITION_OPERATORS or op not in field.operators:
            raise Invalid(f"{name} takes {', '.join(field.operators)}", "INVALID_OPERATOR", f"{at}.op")
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not 1 <= len(value) <= MAX_LISTED:
                raise Invalid(f"{op} takes a list of 1 to {MAX_LISTED} values", "INVALID_VALUE", f"{at}.value")
            value = [_one(field, item, f"{at}.value.{n}", outlet_ids) for n, item in enumerate(value)]
        else:
            value = _one(field, value, f"{at}.value", outlet_ids)
        kept.append({"field": name, "op": op, "value": value})
    return kept


def _comparable(field: Field, value):
    return parse_amount(value) if field.kind == MONEY else value


def holds(trigger: str, conditions: list[dict], event: dict) -> bool:
    """Whether every condition holds for the event's fields (a field the event lacks,
    or None, fails every condition on it)."""
    fields = FIELDS_OF[trigger]
    for condition in conditions:
        field = fields[condition["field"]]
        actual = event.get(condition["field"])
        if actual is None:
            return False
        op, value = condition["op"], condition["value"]
        if op in ("in", "not_in"):
            listed = [_comparable(field, item) for item in value]
            if (actual in listed) != (op == "in"):
                return False
            continue
        wanted = _comparable(field, value)
        if not {"==": actual == wanted, "!=": actual != wanted, ">": actual > wanted, ">=": actual >= wanted,
                "<": actual < wanted, "<=": actual <= wanted}[op]:
            return False
    return True


def on_the_wire(trigger: str, event: dict) -> dict:
    """The event's fields as a webhook or a dry-run shows them (money as strings)."""
    fields = FIELDS_OF[trigger]
    return {name: format_amount(value) if name in fields and fields[name].kind == MONEY and value is not None
            else value for name, value in event.items()}
