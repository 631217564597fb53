"""Promotion rules and their eligibility: which promotions to try on an order, and why not.

Pure: no Flask, no database, no I/O, no clock reads. The caller passes the time, the
outlet, its time zone, the entered codes, the usage counts and the outlet's allowance.
`edge.services.selling.pricing` computes the discounts of the rules chosen here.

Reason codes are stable strings; messages are for a cashier to read out.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sync import vocab
from sync.money import parse_amount, parse_rate
from sync.timeutil import parse_iso

if TYPE_CHECKING:  # pragma: no cover - typing only, avoids an import cycle
    from edge.services.selling.pricing import PricedOrder

PROMO_TYPES = vocab.PROMO_TYPES
PRODUCT_ROLES = vocab.PROMO_PRODUCT_ROLES

# Stable reason codes (a CodeRejection's reason_code, a SkippedPromotion's reason_code).
UNKNOWN_CODE = "UNKNOWN_CODE"
NOT_ACTIVE = "NOT_ACTIVE"
NOT_STARTED = "NOT_STARTED"
EXPIRED = "EXPIRED"
WRONG_DAY = "WRONG_DAY"
WRONG_TIME = "WRONG_TIME"
WRONG_OUTLET = "WRONG_OUTLET"
USAGE_LIMIT_REACHED = "USAGE_LIMIT_REACHED"
CUSTOMER_LIMIT_REACHED = "CUSTOMER_LIMIT_REACHED"
CUSTOMER_REQUIRED = "CUSTOMER_REQUIRED"
MIN_PURCHASE_NOT_MET = "MIN_PURCHASE_NOT_MET"
NO_ELIGIBLE_PRODUCTS = "NO_ELIGIBLE_PRODUCTS"
NOT_APPLICABLE = "NOT_APPLICABLE"
NOT_COMBINABLE = "NOT_COMBINABLE"

REASON_CODES = (
    UNKNOWN_CODE, NOT_ACTIVE, NOT_STARTED, EXPIRED, WRONG_DAY, WRONG_TIME, WRONG_OUTLET,
    USAGE_LIMIT_REACHED, CUSTOMER_LIMIT_REACHED, CUSTOMER_REQUIRED, MIN_PURCHASE_NOT_MET,
    NO_ELIGIBLE_PRODUCTS, NOT_APPLICABLE, NOT_COMBINABLE,
)

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _require_int(name: str, value: object, minimum: int | None = 0) -> None:
    if not _is_int(value):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}")


def _wire_int(name: str, value: object) -> int:
    """An int from JSON: an int or a string of digits; never a float or a bool."""
    if _is_int(value):
        return value  # type: ignore[return-value]
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise ValueError(f"{name} must be an integer")


def _wire_bool(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(f"{name} must be true or false")


def parse_hhmm(value: str) -> int:
    """'HH:MM' (or 'HH:MM:SS', seconds ignored) -> minutes after midnight, 0..1439."""
    if not isinstance(value, str):
        raise TypeError("Times must be strings such as '22:00'")
    parts = value.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise ValueError(f"Invalid time {value!r}; expected 'HH:MM'")
    hours, minutes = int(parts[0]), int(parts[1])
    if hours > 23 or minutes > 59 or (len(parts) == 3 and int(parts[2]) > 59):
        raise ValueError(f"Invalid time {value!r}; expected 'HH:MM'")
    return hours * 60 + minutes


def normalize_code(code: str | None) -> str:
    """How codes are compared: surrounding spaces removed, case folded."""
    return (code or "").strip().casefold()


def format_rupiah(minor: int) -> str:
    """Minor units -> 'Rp 100.000' (Indonesian grouping; ',50' only when there are sen)."""
    sign = "-" if minor < 0 else ""
    whole, sen = divmod(abs(int(minor)), 100)
    grouped = f"{whole:,}".replace(",", ".")
    return f"{sign}Rp {grouped}" + (f",{sen:02d}" if sen else "")


@dataclass(frozen=True)
class PromotionProduct:
    product_id: int
    role: str = "both"  # "buy" | "get" | "both"
    quantity: int = 1   # units of this product in one bundle set

    def __post_init__(self) -> None:
        _require_int("product_id", self.product_id, None)
        if self.role not in PRODUCT_ROLES:
            raise ValueError(f"role must be one of {PRODUCT_ROLES}, not {self.role!r}")
        _require_int("quantity", self.quantity, 1)


@dataclass(frozen=True)
class PromotionRule:
    id: int
    name: str
    promo_type: str
    discount_percent_bp: int = 0
    discount_amount: int = 0
    max_discount: int | None = None
    min_purchase: int = 0
    buy_quantity: int = 0
    get_quantity: int = 0
    bundle_price: int | None = None
    products: tuple[PromotionProduct, ...] = ()
    start_at: datetime | None = None   # naive UTC, inclusive
    end_at: datetime | None = None     # naive UTC, exclusive
    days_of_week: tuple[int, ...] = ()  # 0=Monday..6=Sunday; empty = every day
    start_time: str | None = None      # "HH:MM", outlet local time, inclusive
    end_time: str | None = None        # "HH:MM", outlet local time, exclusive
    usage_limit: int | None = None
    usage_limit_per_customer: int | None = None
    code: str | None = None
    auto_apply: bool = False
    is_stackable: bool = False
    priority: int = 0
    is_active: bool = True
    outlet_ids: tuple[int, ...] = ()   # empty = every outlet

    def __post_init__(self) -> None:
        _require_int("id", self.id, None)
        if self.promo_type not in PROMO_TYPES:
            raise ValueError(f"promo_type must be one of {PROMO_TYPES}, not {self.promo_type!r}")
        _require_int("discount_percent_bp", self.discount_percent_bp)
        if self.discount_percent_bp > 10_000:
            raise ValueError("discount_percent_bp must be at most 10000 (100 %)")
        _require_int("discount_amount", self.discount_amount)
        _require_int("min_purchase", self.min_purchase)
        _require_int("buy_quantity", self.buy_quantity)
        _require_int("get_quantity", self.get_quantity)
        _require_int("priority", self.priority, None)
        for name in ("max_discount", "bundle_price", "usage_limit", "usage_limit_per_customer"):
            value = getattr(self, name)
            if value is not None:
                _require_int(name, value)
        # Accept lists from callers, store tuples so the rule stays hashable and frozen.
        for name in ("products", "days_of_week", "outlet_ids"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        for product in self.products:
            if not isinstance(product, PromotionProduct):
                raise TypeError("products must be PromotionProduct values")
        for day in self.days_of_week:
            _require_int("days_of_week", day)
            if day > 6:
                raise ValueError("days_of_week holds 0 (Monday) .. 6 (Sunday)")
        for outlet in self.outlet_ids:
            _require_int("outlet_ids", outlet, None)
        for name in ("start_time", "end_time"):
            value = getattr(self, name)
            if value is not None:
                parse_hhmm(value)
        for name in ("start_at", "end_at"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, datetime):
                raise TypeError(f"{name} must be a datetime")
            if value is not None and value.tzinfo is not None:
                object.__setattr__(self, name, value.astimezone(UTC).replace(tzinfo=None))

    @property
    def display_code(self) -> str:
        """What a cashier calls this promotion: its code, else its name."""
        return self.code.strip() if self.code and self.code.strip() else self.name

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PromotionRule:
        """Build a rule from the cloud's JSON (money as decimal strings, times ISO 8601 Z).

        Raises ValueError (MoneyFormatError is one) on any malformed data. A missing
        `is_active` means inactive: a rule of unknown state never gives money away.
        """
        try:
            return cls._from_dict(data)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"malformed promotion: {exc}") from exc

    @classmethod
    def _from_dict(cls, data: Mapping[str, object]) -> PromotionRule:
        def amount(key: str, default: int | None) -> int | None:
            value = data.get(key)
            return default if value is None or value == "" else parse_amount(value)

        def when(key: str) -> datetime | None:
            value = data.get(key)
            if value is None or value == "":
                return None
            if not isinstance(value, str):
                raise TypeError(f"{key} must be an ISO 8601 string")
            return parse_iso(value)

        def optional_int(key: str) -> int | None:
            value = data.get(key)
            if value is None or value == "":
                return None
            return _wire_int(key, value)

        def hhmm(key: str) -> str | None:
            value = data.get(key)
            if value is None or value == "":
                return None
            minutes = parse_hhmm(value)  # type: ignore[arg-type]
            return f"{minutes // 60:02d}:{minutes % 60:02d}"

        for key in ("id", "name", "promo_type"):
            if key not in data:
                raise ValueError(f"promotion is missing {key!r}")
        percent = data.get("discount_percent")
        products = tuple(
            PromotionProduct(
                product_id=_wire_int("product_id", item["product_id"]),
                role=str(item.get("role") or "both"),
                quantity=_wire_int("quantity", item.get("quantity") or 1),
            )
            for item in (data.get("products") or ())  # type: ignore[union-attr]
        )
        code = data.get("code")
        return cls(
            id=_wire_int("id", data["id"]),
            name=str(data["name"]),
            promo_type=str(data["promo_type"]),
            discount_percent_bp=0 if percent is None or percent == "" else parse_rate(percent),
            discount_amount=amount("discount_amount", 0),  # type: ignore[arg-type]
            max_discount=amount("max_discount", None),
            min_purchase=amount("min_purchase", 0),  # type: ignore[arg-type]
            buy_quantity=_wire_int("buy_quantity", data.get("buy_quantity") or 0),
            get_quantity=_wire_int("get_quantity", data.get("get_quantity") or 0),
            bundle_price=amount("bundle_price", None),
            products=products,
            start_at=when("start_at"),
            end_at=when("end_at"),
            days_of_week=tuple(sorted({_wire_int("days_of_week", d) for d in (data.get("days_of_week") or ())})),  # type: ignore[union-attr]
            start_time=hhmm("start_time"),
            end_time=hhmm("end_time"),
            usage_limit=optional_int("usage_limit"),
            usage_limit_per_customer=optional_int("usage_limit_per_customer"),
            code=str(code) if code not in (None, "") else None,
            auto_apply=_wire_bool("auto_apply", data.get("auto_apply", False)),
            is_stackable=_wire_bool("is_stackable", data.get("is_stackable", False)),
            priority=_wire_int("priority", data.get("priority") or 0),
            is_active=_wire_bool("is_active", data.get("is_active", False)),
            outlet_ids=tuple(sorted({_wire_int("outlet_ids", o) for o in (data.get("outlet_ids") or ())})),  # type: ignore[union-attr]
        )


@dataclass(frozen=True)
class CodeRejection:
    code: str          # the code as entered, spaces stripped
    reason_code: str   # one of REASON_CODES
    message: str       # for the cashier to read out


@dataclass(frozen=True)
class Selection:
    rules_to_try: tuple[PromotionRule, ...]          # priority descending, then id ascending
    rejected_codes: tuple[CodeRejection, ...] = ()   # in the order the codes were entered


def sort_key(rule: PromotionRule) -> tuple[int, int]:
    """The order promotions are tried in: priority descending, then id ascending."""
    return (-rule.priority, rule.id)


# ---------------------------------------------------------------------------------------
# Eligibility


def _to_naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _local(now_utc: datetime, tz: ZoneInfo) -> datetime:
    return _to_naive_utc(now_utc).replace(tzinfo=UTC).astimezone(tz)


def _format_local(value_utc: datetime, tz: ZoneInfo) -> str:
    local = _local(value_utc, tz)
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year} {local:%H:%M}"


def _day_list(days: Iterable[int]) -> str:
    names = [DAY_NAMES[d] for d in sorted(set(days))]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _window_text(rule: PromotionRule) -> str:
    if rule.start_time and rule.end_time:
        return f"from {rule.start_time} to {rule.end_time}"
    if rule.start_time:
        return f"from {rule.start_time}"
    return f"until {rule.end_time}"


def check_window(rule: PromotionRule, local_now: datetime) -> str | None:
    """WRONG_DAY / WRONG_TIME / None for the rule's day and time window at a local time.

    A window whose end is before its start (22:00-02:00) crosses midnight; the hours
    after midnight belong to the day the window opened, so a Saturday 22:00-02:00 deal
    still holds at 01:00 on Sunday. start == end means all day. Start inclusive, end
    exclusive.
    """
    minute = local_now.hour * 60 + local_now.minute
    weekday = local_now.weekday()
    days = set(rule.days_of_week)
    start = parse_hhmm(rule.start_time) if rule.start_time else None
    end = parse_hhmm(rule.end_time) if rule.end_time else None

    session_day: int | None
    if start == end:  # no window at all, or start == end: all day
        session_day = weekday
    elif start is not None and end is not None and start > end:  # crosses midnight
        if minute >= start:
            session_day = weekday
        elif minute < end:
            session_day = (weekday - 1) % 7
        else:
            session_day = None
    else:
        lower = start if start is not None else 0
        upper = end if end is not None else 24 * 60
        session_day = weekday if lower <= minute < upper else None

    if session_day is None:
        # Outside the hours: say the day is wrong when today is not one of its days at all.
        if days and weekday not in days:
            return WRONG_DAY
        return WRONG_TIME
    if days and session_day not in days:
        return WRONG_DAY
    return None


def rule_products(rule: PromotionRule) -> set[int]:
    return {p.product_id for p in rule.products}


def ineligibility(
    rule: PromotionRule,
    *,
    now_utc: datetime,
    outlet_id: int,
    tz: ZoneInfo,
    customer_id_present: bool,
    customer_usage: Mapping[int, int],
    allowance_left: Mapping[int, int],
    subtotal: int,
    cart_product_ids: set[int] | frozenset[int],
) -> str | None:
    """The first reason this rule cannot apply to this order now, or None if it can."""
    now = _to_naive_utc(now_utc)
    if not rule.is_active:
        return NOT_ACTIVE
    if rule.outlet_ids and outlet_id not in rule.outlet_ids:
        return WRONG_OUTLET
    if rule.start_at is not None and now < rule.start_at:
        return NOT_STARTED
    if rule.end_at is not None and now >= rule.end_at:
        return EXPIRED
    window = check_window(rule, _local(now, tz))
    if window is not None:
        return window
    if rule.usage_limit is not None and allowance_left.get(rule.id, 0) <= 0:
        return USAGE_LIMIT_REACHED
    if rule.usage_limit_per_customer is not None:
        if not customer_id_present:
            return CUSTOMER_REQUIRED
        if customer_usage.get(rule.id, 0) >= rule.usage_limit_per_customer:
            return CUSTOMER_LIMIT_REACHED
    if subtotal < rule.min_purchase:
        return MIN_PURCHASE_NOT_MET
    if rule.products and not (rule_products(rule) & set(cart_product_ids)):
        return NO_ELIGIBLE_PRODUCTS
    return None


def rejection_message(rule: PromotionRule, reason: str, *, tz: ZoneInfo | None = None,
                      blocked_by: str | None = None) -> str:
    """A sentence a cashier can read out to the customer."""
    name = rule.display_code
    tz = tz or ZoneInfo("UTC")
    if reason == NOT_ACTIVE:
        return f"{name} is not active"
    if reason == WRONG_OUTLET:
        return f"{name} is not valid at this outlet"
    if reason == NOT_STARTED and rule.start_at is not None:
        return f"{name} is not valid yet; it starts on {_format_local(rule.start_at, tz)}"
    if reason == EXPIRED and rule.end_at is not None:
        return f"{name} has expired; it ended on {_format_local(rule.end_at, tz)}"
    if reason == WRONG_DAY:
        return f"{name} is only valid on {_day_list(rule.days_of_week)}"
    if reason == WRONG_TIME:
        return f"{name} is only valid {_window_text(rule)}"
    if reason == USAGE_LIMIT_REACHED:
        return f"{name} has reached its usage limit"
    if reason == CUSTOMER_REQUIRED:
        limit = rule.usage_limit_per_customer
        return (f"{name} is limited to {limit} use{'s' if limit != 1 else ''} per customer; "
                "add the customer to the order first")
    if reason == CUSTOMER_LIMIT_REACHED:
        limit = rule.usage_limit_per_customer
        return (f"This customer has already used {name} the maximum of "
                f"{limit} time{'s' if limit != 1 else ''}")
    if reason == MIN_PURCHASE_NOT_MET:
        return f"{name} needs a minimum purchase of {format_rupiah(rule.min_purchase)}"
    if reason == NO_ELIGIBLE_PRODUCTS:
        return f"{name} only applies to certain products, and none of them is in the order"
    if reason == NOT_COMBINABLE:
        other = f" with {blocked_by}" if blocked_by else " with the other promotions on this order"
        return f"{name} cannot be combined{other}"
    if reason == NOT_APPLICABLE:
        if rule.promo_type == "buy_x_get_y":
            return (f"{name} needs {rule.buy_quantity} item(s) to buy and {rule.get_quantity} "
                    "more eligible item(s) in the order")
        if rule.promo_type == "bundle":
            return f"{name} needs the complete bundle in the order"
        return f"{name} gives no discount on this order"
    return f"{name} cannot be used on this order"


def _entered(entered_codes: Iterable[str]) -> list[tuple[str, str]]:
    """(as entered but stripped, normalized) per distinct non-empty code, in entry order."""
    seen: set[str] = set()
    result = []
    for raw in entered_codes:
        if raw is None:
            continue
        key = normalize_code(raw)
        if key and key not in seen:
            seen.add(key)
            result.append((raw.strip(), key))
    return result


def select_promotions(
    rules: Iterable[PromotionRule],
    *,
    now_utc: datetime,
    outlet_id: int,
    outlet_timezone: str,
    entered_codes: Iterable[str] = (),
    customer_id_present: bool = False,
    customer_usage: Mapping[int, int] | None = None,
    allowance_left: Mapping[int, int] | None = None,
    subtotal: int = 0,
    cart_product_ids: Iterable[int] = (),
) -> Selection:
    """The promotions to try on this order, and the entered codes that cannot apply.

    A rule is tried when it is eligible (see `ineligibility`) and either auto-applies
    or its code was entered (case-insensitively, spaces stripped). Several rules may
    share a code; the code is accepted if any of them is eligible.
    """
    tz = ZoneInfo(outlet_timezone)
    customer_usage = customer_usage or {}
    allowance_left = allowance_left or {}
    products = frozenset(cart_product_ids)
    ordered = sorted(rules, key=sort_key)
    ids = [rule.id for rule in ordered]
    if len(ids) != len(set(ids)):
        raise ValueError("promotion ids must be unique")

    reasons = {
        rule.id: ineligibility(
            rule, now_utc=now_utc, outlet_id=outlet_id, tz=tz,
            customer_id_present=customer_id_present, customer_usage=customer_usage,
            allowance_left=allowance_left, subtotal=subtotal, cart_product_ids=products,
        )
        for rule in ordered
    }
    codes = _entered(entered_codes)
    entered_keys = {key for _, key in codes}

    chosen = tuple(
        rule for rule in ordered
        if reasons[rule.id] is None
        and (rule.auto_apply or (rule.code is not None and normalize_code(rule.code) in entered_keys))
    )

    rejections = []
    for shown, key in codes:
        matching = [rule for rule in ordered if rule.code is not None and normalize_code(rule.code) == key]
        if not matching:
            rejections.append(CodeRejection(shown, UNKNOWN_CODE, f"{shown} is not a valid promotion code"))
            continue
        refusals = [(rule, reasons[rule.id]) for rule in matching]
        if any(reason is None for _, reason in refusals):
            continue
        first, reason = refusals[0]
        rejections.append(CodeRejection(shown, reason, rejection_message(first, reason, tz=tz)))
    return Selection(rules_to_try=chosen, rejected_codes=tuple(rejections))


def explain_unapplied(
    selection: Selection,
    priced_order: PricedOrder,
    entered_codes: Iterable[str],
) -> tuple[CodeRejection, ...]:
    """Entered codes that were tried but gave no discount, with the reason why.

    Codes already rejected by `select_promotions` are not repeated. Reasons come from
    the pricing run: NOT_COMBINABLE (a non-stackable promotion was in the way),
    MIN_PURCHASE_NOT_MET, NO_ELIGIBLE_PRODUCTS, or NOT_APPLICABLE (0 discount).
    """
    applied = {promo.promotion_id: promo for promo in priced_order.promotions}
    skipped = {skip.promotion_id: skip for skip in priced_order.skipped}
    already = {normalize_code(rejection.code) for rejection in selection.rejected_codes}
    result = []
    for shown, key in _entered(entered_codes):
        if key in already:
            continue
        matching = [rule for rule in selection.rules_to_try
                    if rule.code is not None and normalize_code(rule.code) == key]
        if not matching or any(rule.id in applied for rule in matching):
            continue
        first = matching[0]
        skip = skipped.get(first.id)
        reason = skip.reason_code if skip is not None else NOT_APPLICABLE
        blocked_by = None
        if skip is not None and skip.blocked_by is not None and skip.blocked_by in applied:
            blocked_by = applied[skip.blocked_by].name
        result.append(CodeRejection(shown, reason, rejection_message(first, reason, blocked_by=blocked_by)))
    return tuple(result)


__all__ = [
    "CUSTOMER_LIMIT_REACHED", "CUSTOMER_REQUIRED", "DAY_NAMES", "EXPIRED", "MIN_PURCHASE_NOT_MET",
    "NOT_ACTIVE", "NOT_APPLICABLE", "NOT_COMBINABLE", "NOT_STARTED", "NO_ELIGIBLE_PRODUCTS",
    "PRODUCT_ROLES", "PROMO_TYPES", "REASON_CODES", "UNKNOWN_CODE", "USAGE_LIMIT_REACHED",
    "WRONG_DAY", "WRONG_OUTLET", "WRONG_TIME",
    "CodeRejection", "PromotionProduct", "PromotionRule", "Selection",
    "check_window", "explain_unapplied", "format_rupiah", "ineligibility", "normalize_code",
    "parse_hhmm", "rejection_message", "rule_products", "select_promotions", "sort_key",
]
