"""Head-office analytics over what the outlets synced (docs/dashboard.md defines every figure).

Every figure is an aggregate the database computes (GROUP BY, conditional sums, window
functions), never a Python loop over orders. Amounts are integer minor units; averages
round half up with `sync.money.div_round_half_up`. Percentages and minutes are not money:
they are rounded to one decimal place.

The scope of every figure is a `Scope`: one tenant, all its outlets or one of them (an
outlet-bound manager always sees only their own), and a range of business dates (the
outlet-local day an order was opened on), both ends included.

Definitions, in short (sales count when they are paid, whatever the order's status):
- sales are the paid payments dated in the range (each on the outlet-local day it was
  taken), refunds the money given back dated in the range (on the day it was given);
  revenue = sales - refunds, also per payment method;
- a sold order is one that took a payment in the range and is not cancelled: it counts
  in orders, customers and products; its status is reported separately;
- a product line keeps `quantity - voided_quantity - refunded_quantity` units and, of its
  stored `line_total`, what is left after the removed units' share (rounded half up, the
  edge's rule for a partial refund).

Bucketing by week or month happens in Python over per-day aggregates (at most one row per
day of the range), so the SQL stays the same on SQLite and PostgreSQL. The one dialect
difference, seconds between two timestamps, is `_seconds_between`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Integer, and_, case, cast, desc, func, literal, select

from cloud.models import Customer, Outlet, SyncedOrder, SyncedOrderItem, SyncedPayment, SyncedRefund, Tenant
from cloud.models.customer import MEMBERSHIP_TIERS
from cloud.services import spreadsheets
from cloud.services import tenants as tenant_service
from cloud.services.actor import Actor
from sync import money
from sync.errors import Invalid
from sync.money import div_round_half_up
from sync.patterns import LIKE_ESCAPE, like_pattern
from sync.vocab import NOT_SOLD_STATUSES
from sync.vocab import ORDER_STATUSES as STATUSES
from sync.vocab import PAYMENT_METHODS as METHODS

DEFAULT_DAYS = 30
MAX_DAYS = 1096  # three years: the longest range one request may cover
TOP_PRODUCTS = 10
TOP_CUSTOMERS = 10
PERIODS = ("daily", "weekly", "monthly")
EARLIEST = date(1970, 1, 1)  # before any business day an outlet can have

KEPT_UNITS = SyncedOrderItem.quantity - SyncedOrderItem.voided_quantity - SyncedOrderItem.refunded_quantity
_REMOVED = SyncedOrderItem.voided_quantity + SyncedOrderItem.refunded_quantity
# the line's stored total less the removed units' share, rounded half up (integer arithmetic
# on both databases: `//` of two integers is integer division there)
KEPT_REVENUE = SyncedOrderItem.line_total - (
    (2 * SyncedOrderItem.line_total * _REMOVED + SyncedOrderItem.quantity) // (2 * SyncedOrderItem.quantity))


# --- scope ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    tenant_id: int
    outlet_id: int | None  # None: every outlet of the tenant
    date_from: date
    date_to: date

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> Scope:
        """The period of the same length that ends the day before this one starts."""
        return Scope(self.tenant_id, self.outlet_id, self.date_from - timedelta(days=self.days),
                     self.date_from - timedelta(days=1))


def _local_today(timezones: list[str]) -> date:
    """Today's business date: the latest local date among the outlets' timezones (an
    outlet east of the others has already started tomorrow)."""
    now = datetime.now(UTC)
    days = []
    for name in timezones or ["UTC"]:
        try:
            days.append(now.astimezone(ZoneInfo(name)).date())
        except (ZoneInfoNotFoundError, ValueError):
            days.append(now.date())
    return max(days)


def resolve_scope(session, actor: Actor, outlet_id: int | None = None, date_from: date | None = None,
                  date_to: date | None = None) -> Scope:
    """The tenant, outlet and dates a request is about. An outlet of another tenant, or
    (for an outlet-bound manager) another outlet, is a 404 like everywhere else."""
    tenant_id = actor.require_tenant()
    if outlet_id is not None:
        tenant_service.get_outlet(session, actor, outlet_id)
    elif actor.outlet_id is not None:
        outlet_id = actor.outlet_id
    if date_to is None:
        stmt = select(Outlet.timezone).where(Outlet.tenant_id == tenant_id)
        if outlet_id is not None:
            stmt = stmt.where(Outlet.id == outlet_id)
        date_to = _local_today(list(session.execute(stmt).scalars()))
    if date_from is None:
        date_from = date_to - timedelta(days=DEFAULT_DAYS - 1)
    if date_from > date_to:
        raise Invalid("date_from must be on or before date_to", "INVALID_DATE_RANGE", "date_from")
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise Invalid(f"A report covers at most {MAX_DAYS} days; choose a shorter range",
                               "DATE_RANGE_TOO_LONG", "date_from")
    return Scope(tenant_id, outlet_id, date_from, date_to)


def _in_scope(scope: Scope) -> list:
    """Conditions on SyncedOrder: the tenant, the outlet if one, the business dates."""
    conditions = [SyncedOrder.tenant_id == scope.tenant_id,
                  SyncedOrder.business_date >= scope.date_from, SyncedOrder.business_date <= scope.date_to]
    if scope.outlet_id is not None:
        conditions.append(SyncedOrder.outlet_id == scope.outlet_id)
    return conditions


def _outlets(session, scope: Scope) -> list[Outlet]:
    stmt = select(Outlet).where(Outlet.tenant_id == scope.tenant_id)
    if scope.outlet_id is not None:
        stmt = stmt.where(Outlet.id == scope.outlet_id)
    return list(session.execute(stmt.order_by(Outlet.name, Outlet.id)).scalars())


def tenant_summary(session, scope: Scope) -> dict:
    tenant = session.get(Tenant, scope.tenant_id)
    return {"id": tenant.id, "name": tenant.name, "currency": tenant.currency}


def period_summary(scope: Scope) -> dict:
    previous = scope.previous()
    return {"date_from": scope.date_from, "date_to": scope.date_to, "days": scope.days, "outlet_id": scope.outlet_id,
            "previous_from": previous.date_from, "previous_to": previous.date_to}


# --- small helpers ----------------------------------------------------------------------

def _int(value) -> int:
    """SUM over BIGINT is NUMERIC on PostgreSQL (a Decimal here) and NULL over no rows."""
    return int(value or 0)


def _average(total: int, count: int) -> int:
    return div_round_half_up(total, count) if count > 0 else 0


def _one_decimal(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def growth(current: int, previous: int) -> float | None:
    """Percent change from the previous period; None when the previous figure is 0."""
    if previous == 0:
        return None
    return _one_decimal(Decimal(current - previous) * 100 / abs(Decimal(previous)))


def share(part: int, whole: int) -> float:
    """`part` as a percentage of `whole` (two decimals); 0 when there is no whole."""
    if whole <= 0:
        return 0.0
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _seconds_between(session, start, end):
    """Whole seconds from `start` to `end` (naive UTC timestamps) in SQL, per dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", end - start), Integer)
    return cast(func.strftime("%s", end), Integer) - cast(func.strftime("%s", start), Integer)


def _minutes(seconds) -> float | None:
    return None if seconds is None else _one_decimal(Decimal(str(seconds)) / 60)


# --- sales figures ----------------------------------------------------------------------

PAID = SyncedPayment.status == "paid"
GIVEN_BACK = SyncedRefund.kind == "refund"


def _payments_in(scope: Scope) -> list:
    """Conditions on SyncedPayment: paid, in the tenant (and outlet), dated in the range."""
    conditions = [SyncedPayment.tenant_id == scope.tenant_id, PAID,
                  SyncedPayment.business_date >= scope.date_from, SyncedPayment.business_date <= scope.date_to]
    if scope.outlet_id is not None:
        conditions.append(SyncedPayment.outlet_id == scope.outlet_id)
    return conditions


def _refunds_in(scope: Scope) -> list:
    """Conditions on SyncedRefund: money given back (not voids), dated in the range."""
    conditions = [SyncedRefund.tenant_id == scope.tenant_id, GIVEN_BACK,
                  SyncedRefund.business_date >= scope.date_from, SyncedRefund.business_date <= scope.date_to]
    if scope.outlet_id is not None:
        conditions.append(SyncedRefund.outlet_id == scope.outlet_id)
    return conditions


def _sold(scope: Scope) -> list:
    """Conditions on SyncedOrder: not cancelled, and paid (in part or whole) in the range."""
    paid_here = select(SyncedPayment.id).where(
        SyncedPayment.outlet_id == SyncedOrder.outlet_id, SyncedPayment.order_uuid == SyncedOrder.uuid,
        *_payments_in(scope)).exists()
    conditions = [SyncedOrder.tenant_id == scope.tenant_id, SyncedOrder.status.not_in(NOT_SOLD_STATUSES), paid_here]
    if scope.outlet_id is not None:
        conditions.append(SyncedOrder.outlet_id == scope.outlet_id)
    return conditions


def sold_conditions(scope: Scope) -> list:
    """What every report counts as sold (for reports built outside this module: margins)."""
    return _sold(scope)


def _figures(orders=0, sales=0, refunds=0, cancelled=0, customers=0) -> dict:
    orders, sales, refunds = _int(orders), _int(sales), _int(refunds)
    revenue = sales - refunds
    return {"total_orders": orders, "gross_sales": sales, "refunds_total": refunds, "total_revenue": revenue,
            "avg_order_value": _average(revenue, orders), "cancelled_orders": _int(cancelled),
            "customers_served": _int(customers)}


def _grouped_sales(session, scope: Scope, by_outlet: bool) -> dict:
    """{outlet id (or None): figures}: money from payments and refunds by their own
    dates, orders and customers from the sold orders, cancellations by the order's day."""
    def key(column):
        return (column,) if by_outlet else ()

    def rows(stmt):
        return {(row[0] if by_outlet else None): row[1 if by_outlet else 0:] for row in session.execute(stmt)}

    paid = rows(select(*key(SyncedPayment.outlet_id), func.sum(SyncedPayment.amount))
                .where(*_payments_in(scope)).group_by(*key(SyncedPayment.outlet_id)))
    given = rows(select(*key(SyncedRefund.outlet_id), func.sum(SyncedRefund.amount))
                 .where(*_refunds_in(scope)).group_by(*key(SyncedRefund.outlet_id)))
    orders = rows(select(*key(SyncedOrder.outlet_id), func.count(SyncedOrder.id),
                         func.count(func.distinct(SyncedOrder.customer_id)))
                  .where(*_sold(scope)).group_by(*key(SyncedOrder.outlet_id)))
    cancelled = rows(select(*key(SyncedOrder.outlet_id), func.count(SyncedOrder.id))
                     .where(*_in_scope(scope), SyncedOrder.status == "cancelled")
                     .group_by(*key(SyncedOrder.outlet_id)))
    result = {}
    for group in {*paid, *given, *orders, *cancelled}:
        count, customers = orders.get(group, (0, 0))
        result[group] = _figures(count, (paid.get(group) or (0,))[0], (given.get(group) or (0,))[0],
                                 (cancelled.get(group) or (0,))[0], customers)
    return result


def sales_figures(session, scope: Scope) -> dict:
    """Orders, sales, refunds, revenue, average order, cancellations, customers served."""
    return _grouped_sales(session, scope, by_outlet=False).get(None) or _figures()


def status_distribution(session, scope: Scope) -> dict:
    """Orders of the period by their latest synced status (every status present)."""
    rows = session.execute(select(SyncedOrder.status, func.count()).where(*_in_scope(scope))
                           .group_by(SyncedOrder.status)).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: int(count) for status, count in rows})
    return counts


def methods_net(session, scope: Scope, by_day: bool = False) -> dict:
    """{(day or None, method): (payments count, paid, given back)} in the range: each
    payment on the day it was taken, each refund on the day it went back."""
    def key(column):
        return (column,) if by_day else ()

    out: dict = {}
    for *day, method, count, amount in session.execute(
            select(*key(SyncedPayment.business_date), SyncedPayment.method, func.count(SyncedPayment.id),
                   func.sum(SyncedPayment.amount))
            .where(*_payments_in(scope)).group_by(*key(SyncedPayment.business_date), SyncedPayment.method)):
        out[(day[0] if day else None, method)] = [int(count), _int(amount), 0]
    for *day, method, amount in session.execute(
            select(*key(SyncedRefund.business_date), SyncedRefund.method, func.sum(SyncedRefund.amount))
            .where(*_refunds_in(scope)).group_by(*key(SyncedRefund.business_date), SyncedRefund.method)):
        out.setdefault((day[0] if day else None, method or "cash"), [0, 0, 0])[2] += _int(amount)
    return {k: tuple(v) for k, v in out.items()}


def payment_methods(session, scope: Scope) -> list[dict]:
    """Per method: paid payments in the range, the money it gave back in the range, and
    what is left (net). Σ net is the revenue."""
    totals = {method: figures for (_, method), figures in methods_net(session, scope).items()}
    methods = [m for m in METHODS if m in totals]
    methods += sorted(m for m in totals if m not in METHODS and m is not None)
    rows = []
    for method in methods:
        count, amount, back = totals[method]
        rows.append({"method": method, "count": count, "amount": amount, "refunds": back, "net": amount - back})
    return sorted(rows, key=lambda row: (-row["net"], row["method"]))


def _prep_durations(session, scope: Scope, group=None):
    """One row per order that went from confirmed to ready in the period (cancelled orders
    left out): its outlet, the whole seconds it took, its rank and how many in its group."""
    seconds = _seconds_between(session, SyncedOrder.confirmed_at, SyncedOrder.ready_at)
    partition = {"partition_by": group} if group is not None else {}
    return select(
        (group if group is not None else literal(0)).label("grp"),
        seconds.label("seconds"),
        func.row_number().over(order_by=seconds, **partition).label("rank"),
        func.count().over(**partition).label("n"),
    ).where(*_in_scope(scope), SyncedOrder.status.not_in(NOT_SOLD_STATUSES), SyncedOrder.confirmed_at.is_not(None),
            SyncedOrder.ready_at.is_not(None), SyncedOrder.ready_at >= SyncedOrder.confirmed_at).subquery()


def _medians(session, scope: Scope, group=None) -> dict:
    """{group: (orders, median seconds, average seconds, 90th percentile seconds)}."""
    d = _prep_durations(session, scope, group)
    middle = d.c.rank.between((d.c.n + 1) // 2, (d.c.n + 2) // 2)
    ninetieth = d.c.rank == (9 * d.c.n + 9) // 10  # nearest rank: ceil(0.9 n)
    rows = session.execute(select(
        d.c.grp, func.max(d.c.n), func.avg(case((middle, d.c.seconds), else_=None)), func.avg(d.c.seconds),
        func.max(case((ninetieth, d.c.seconds), else_=None)),
    ).group_by(d.c.grp)).all()
    return {grp: (int(n), median, average, p90) for grp, n, median, average, p90 in rows}


def prep_times(session, scope: Scope) -> dict:
    """Kitchen time, confirmed -> ready, in minutes: median, average and 90th percentile."""
    n, median, average, p90 = _medians(session, scope).get(0, (0, None, None, None))
    return {"orders": n, "median_minutes": _minutes(median), "average_minutes": _minutes(average),
            "p90_minutes": _minutes(p90)}


def per_outlet(session, scope: Scope) -> list[dict]:
    """The sales figures and median prep time of each outlet in scope (all of them, also
    those that sold nothing)."""
    rows = _grouped_sales(session, scope, by_outlet=True)
    medians = _medians(session, scope, SyncedOrder.outlet_id)
    result = []
    for outlet in _outlets(session, scope):
        figures = rows.get(outlet.id) or _figures()
        median = medians.get(outlet.id, (0, None))[1]
        result.append({"outlet_id": outlet.id, "code": outlet.code, "name": outlet.name, **figures,
                       "median_prep_minutes": _minutes(median)})
    return result


# --- products ---------------------------------------------------------------------------

def _product_rows(scope: Scope):
    """Per product over the period's sold orders: units kept, revenue kept, orders."""
    quantity = func.sum(KEPT_UNITS).label("quantity")
    revenue = func.sum(KEPT_REVENUE).label("revenue")
    orders = func.count(func.distinct(case((KEPT_UNITS > 0, SyncedOrderItem.order_id), else_=None))).label("orders")
    name = func.max(SyncedOrderItem.product_name).label("name")
    sku = func.max(SyncedOrderItem.sku).label("sku")
    stmt = (select(SyncedOrderItem.product_id.label("product_id"), name, sku, quantity, revenue, orders)
            .join(SyncedOrder, SyncedOrder.id == SyncedOrderItem.order_id)
            .where(*_sold(scope), SyncedOrderItem.tenant_id == scope.tenant_id)
            .group_by(SyncedOrderItem.product_id)
            .having(func.sum(KEPT_UNITS) > 0))
    return stmt, {"name": name, "sku": sku, "quantity": quantity, "revenue": revenue, "orders": orders,
                  "product_id": SyncedOrderItem.product_id}


def products_query(scope: Scope, search: str | None = None):
    """The grouped select and its sortable columns (for `?ordering=`)."""
    stmt, columns = _product_rows(scope)
    if search and search.strip():
        stmt = stmt.where(func.lower(SyncedOrderItem.product_name).like(like_pattern(search.strip().lower()),
                                                                         escape=LIKE_ESCAPE))
    return stmt, columns


def products_revenue_total(session, scope: Scope) -> int:
    """All products' kept revenue in scope: the whole that `share` is a part of."""
    return _int(session.execute(
        select(func.sum(KEPT_REVENUE)).join(SyncedOrder, SyncedOrder.id == SyncedOrderItem.order_id)
        .where(*_sold(scope), SyncedOrderItem.tenant_id == scope.tenant_id)).scalar())


def product_row(row, whole: int) -> dict:
    revenue = _int(row.revenue)
    return {"product_id": row.product_id, "name": row.name, "sku": row.sku or "", "quantity": _int(row.quantity),
            "revenue": revenue, "orders": _int(row.orders), "share": share(revenue, whole)}


def top_products(session, scope: Scope, limit: int = TOP_PRODUCTS) -> list[dict]:
    stmt, columns = _product_rows(scope)
    whole = products_revenue_total(session, scope)
    rows = session.execute(stmt.order_by(desc(columns["revenue"]), desc(columns["quantity"]),
                                         SyncedOrderItem.product_id).limit(limit))
    return [product_row(row, whole) for row in rows]


# --- the dashboard ----------------------------------------------------------------------

def dashboard(session, scope: Scope) -> dict:
    current = sales_figures(session, scope)
    previous = sales_figures(session, scope.previous())
    return {
        "tenant": tenant_summary(session, scope),
        "period": period_summary(scope),
        "metrics": current,
        "previous": previous,
        "trends": {
            "orders_growth": growth(current["total_orders"], previous["total_orders"]),
            "revenue_growth": growth(current["total_revenue"], previous["total_revenue"]),
            "avg_order_value_growth": growth(current["avg_order_value"], previous["avg_order_value"]),
            "customers_growth": growth(current["customers_served"], previous["customers_served"]),
        },
        "top_products": top_products(session, scope),
        "status_distribution": status_distribution(session, scope),
        "payment_methods": payment_methods(session, scope),
        "per_outlet": per_outlet(session, scope),
        "prep_times": prep_times(session, scope),
    }


# --- revenue over time ------------------------------------------------------------------

def _bucket_start(day: date, period: str) -> date:
    if period == "weekly":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if period == "monthly":
        return day.replace(day=1)
    return day


def _bucket_end(start: date, period: str) -> date:
    if period == "weekly":
        return start + timedelta(days=6)
    if period == "monthly":
        following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return following - timedelta(days=1)
    return start


def _bucket_label(start: date, period: str) -> str:
    if period == "weekly":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "monthly":
        return f"{start:%Y-%m}"
    return start.isoformat()


def daily_sales(session, scope: Scope) -> dict[date, tuple[int, int, int]]:
    """{business date: (sold orders, sales, refunds)} for the days that took or gave back
    money: payments on the day they were taken, refunds on the day they went back, an
    order on each day it was paid."""
    per_day: dict[date, list[int]] = {}
    for day, amount in session.execute(select(SyncedPayment.business_date, func.sum(SyncedPayment.amount))
                                       .where(*_payments_in(scope)).group_by(SyncedPayment.business_date)):
        per_day.setdefault(day, [0, 0, 0])[1] = _int(amount)
    for day, amount in session.execute(select(SyncedRefund.business_date, func.sum(SyncedRefund.amount))
                                       .where(*_refunds_in(scope)).group_by(SyncedRefund.business_date)):
        per_day.setdefault(day, [0, 0, 0])[2] = _int(amount)
    for day, orders in session.execute(
            select(SyncedPayment.business_date, func.count(func.distinct(SyncedPayment.order_uuid)))
            .join(SyncedOrder, and_(SyncedOrder.outlet_id == SyncedPayment.outlet_id,
                                    SyncedOrder.uuid == SyncedPayment.order_uuid))
            .where(*_payments_in(scope), SyncedOrder.status.not_in(NOT_SOLD_STATUSES))
            .group_by(SyncedPayment.business_date)):
        per_day.setdefault(day, [0, 0, 0])[0] = int(orders)
    return {day: tuple(figures) for day, figures in per_day.items()}


def _by_method(nets: dict) -> dict:
    """{method: net} with every method of the vocabulary present."""
    return {method: nets.get(method, 0) for method in METHODS}


def revenue_series(session, scope: Scope, period: str = "daily") -> dict:
    """Every bucket of the range (clipped to it), zero where nothing sold, and totals;
    each bucket also splits its revenue by payment method (net of refunds)."""
    if period not in PERIODS:
        raise Invalid(f"period must be one of: {', '.join(PERIODS)}", "INVALID_PERIOD", "period")
    per_day = daily_sales(session, scope)
    buckets: dict[date, list[int]] = {}
    nets: dict[date, dict[str, int]] = {}
    start = _bucket_start(scope.date_from, period)
    while start <= scope.date_to:
        buckets[start] = [0, 0, 0]
        nets[start] = {}
        start = _bucket_end(start, period) + timedelta(days=1)
    for day, (orders, sales, refunds) in per_day.items():
        figures = buckets[_bucket_start(day, period)]
        figures[0] += orders
        figures[1] += sales
        figures[2] += refunds
    for (day, method), (_, paid, back) in methods_net(session, scope, by_day=True).items():
        bucket = nets[_bucket_start(day, period)]
        bucket[method] = bucket.get(method, 0) + paid - back
    data = []
    for start, (orders, sales, refunds) in buckets.items():
        revenue = sales - refunds
        data.append({"bucket": _bucket_label(start, period), "start": max(start, scope.date_from),
                     "end": min(_bucket_end(start, period), scope.date_to), "orders": orders, "gross_sales": sales,
                     "refunds": refunds, "revenue": revenue, "avg_value": _average(revenue, orders),
                     "methods": _by_method(nets[start])})
    # an order paid on two days is one order: the total counts it once, as the dashboard does
    total_orders = sales_figures(session, scope)["total_orders"]
    total_revenue = sum(row["revenue"] for row in data)
    methods: dict[str, int] = {}
    for row in data:
        for method, net in row["methods"].items():
            methods[method] = methods.get(method, 0) + net
    return {
        "tenant": tenant_summary(session, scope),
        "period": period,
        "range": period_summary(scope),
        "data": data,
        "totals": {"total_orders": total_orders, "total_revenue": total_revenue,
                   "gross_sales": sum(row["gross_sales"] for row in data),
                   "refunds_total": sum(row["refunds"] for row in data),
                   "avg_order_value": _average(total_revenue, total_orders),
                   "avg_revenue_per_bucket": _average(total_revenue, len(data)),
                   "buckets": len(data), "methods": _by_method(methods)},
    }


# --- customers --------------------------------------------------------------------------

KNOWN_CUSTOMER = SyncedOrder.customer_id.is_not(None)
_PAYMENT_OF_ORDER = and_(SyncedPayment.outlet_id == SyncedOrder.outlet_id, SyncedPayment.order_uuid == SyncedOrder.uuid)
_REFUND_OF_ORDER = and_(SyncedRefund.outlet_id == SyncedOrder.outlet_id, SyncedRefund.order_uuid == SyncedOrder.uuid)


def customers(session, scope: Scope, limit: int = TOP_CUSTOMERS) -> dict:
    """Who bought in the period (outlet scope applies) and the tenant's customer base
    (tenant-wide: customers belong to the tenant, not to an outlet). A customer bought
    when one of their orders was paid in the period; what they spent is what they paid
    in the period less what was given back to them in it."""
    tenant_id = scope.tenant_id
    base = session.execute(select(func.count(Customer.id), func.sum(Customer.points))
                           .where(Customer.tenant_id == tenant_id)).one()
    tiers = dict.fromkeys(MEMBERSHIP_TIERS, 0)
    tiers.update({tier: int(n) for tier, n in session.execute(
        select(Customer.membership_tier, func.count()).where(Customer.tenant_id == tenant_id)
        .group_by(Customer.membership_tier))})

    per_customer = (select(SyncedOrder.customer_id.label("cid"), func.count(SyncedOrder.id).label("orders"))
                    .where(*_sold(scope), KNOWN_CUSTOMER).group_by(SyncedOrder.customer_id).subquery())
    served, repeat = session.execute(
        select(func.count(), func.sum(case((per_customer.c.orders >= 2, 1), else_=0))).select_from(per_customer)
    ).one()
    # a new customer's first payment in scope (ever, not only in the period) is in the period
    until_then = Scope(tenant_id, scope.outlet_id, EARLIEST, scope.date_to)
    firsts = (select(SyncedOrder.customer_id, func.min(SyncedPayment.business_date).label("first"))
              .join(SyncedPayment, _PAYMENT_OF_ORDER)
              .where(*_payments_in(until_then), SyncedOrder.status.not_in(NOT_SOLD_STATUSES), KNOWN_CUSTOMER)
              .group_by(SyncedOrder.customer_id).subquery())
    new = session.execute(select(func.count()).select_from(firsts)
                          .where(firsts.c.first >= scope.date_from)).scalar_one()

    paid = (select(SyncedOrder.customer_id.label("cid"), func.sum(SyncedPayment.amount).label("amount"))
            .join(SyncedPayment, _PAYMENT_OF_ORDER)
            .where(*_payments_in(scope), SyncedOrder.status.not_in(NOT_SOLD_STATUSES), KNOWN_CUSTOMER)
            .group_by(SyncedOrder.customer_id).subquery())
    back = (select(SyncedOrder.customer_id.label("cid"), func.sum(SyncedRefund.amount).label("amount"))
            .join(SyncedRefund, _REFUND_OF_ORDER)
            .where(*_refunds_in(scope), SyncedOrder.status.not_in(NOT_SOLD_STATUSES), KNOWN_CUSTOMER)
            .group_by(SyncedOrder.customer_id).subquery())
    spent = (func.coalesce(paid.c.amount, 0) - func.coalesce(back.c.amount, 0)).label("spent")
    top = session.execute(
        select(Customer.id, Customer.name, Customer.phone, Customer.membership_tier, Customer.points,
               per_customer.c.orders, spent)
        .join(per_customer, per_customer.c.cid == Customer.id)
        .outerjoin(paid, paid.c.cid == Customer.id).outerjoin(back, back.c.cid == Customer.id)
        .where(Customer.tenant_id == tenant_id)
        .order_by(desc(spent), desc(per_customer.c.orders), Customer.name, Customer.id).limit(limit)).all()
    return {
        "tenant": tenant_summary(session, scope),
        "period": period_summary(scope),
        "total_customers": int(base[0]),
        "customers_served": int(served),
        "new_customers": int(new),
        "returning_customers": int(served) - int(new),
        "repeat_customers": _int(repeat),
        "tiers": tiers,
        "points_outstanding": _int(base[1]),
        "top_customers": [{"customer_id": cid, "name": name, "phone": phone, "membership_tier": tier,
                           "points": int(points or 0), "orders": int(n), "total_spent": _int(total),
                           "avg_order_value": _average(_int(total), int(n))}
                          for cid, name, phone, tier, points, n, total in top],
    }


# --- exports ----------------------------------------------------------------------------

XLSX_MIME = spreadsheets.XLSX_MIME
# revenue, then the same revenue by payment method (net of refunds): the columns add up to it
REVENUE_COLUMNS = ("bucket", "start", "end", "orders", "gross_sales", "refunds", "revenue", "avg_value", *METHODS)
PRODUCT_COLUMNS = ("product_id", "sku", "name", "quantity", "orders", "revenue", "share")
_MONEY_COLUMNS = {"gross_sales", "refunds", "revenue", "avg_value", *METHODS}
_PERCENT_COLUMNS = {"share"}


def _cell(name: str, value, fmt: str):
    if name in _MONEY_COLUMNS:
        return Decimal(value).scaleb(-2) if fmt == "xlsx" else money.format_amount(value)
    if name in _PERCENT_COLUMNS:
        return Decimal(f"{value:.2f}") if fmt == "xlsx" else f"{value:.2f}"
    return value


def _table(fmt: str, title: str, columns: tuple, rows: list[list]) -> tuple[bytes, str]:
    """CSV (money as "95000.00") or an Excel sheet (money as numbers with two decimals),
    written by `spreadsheets` (no text cell runs as a formula)."""
    cells = [[_cell(columns[i], value, fmt) for i, value in enumerate(row)] for row in rows]
    if fmt == "xlsx":
        formats = {**{name: "#,##0.00" for name in _MONEY_COLUMNS}, **{name: "0.00" for name in _PERCENT_COLUMNS}}
        widths = {name: 28 if name == "name" else 14 for name in columns}
        return spreadsheets.xlsx_bytes(title, columns, cells, bold_header=True, widths=widths,
                                       number_formats=formats), XLSX_MIME
    return spreadsheets.csv_bytes(columns, cells), "text/csv"


def export_revenue(session, scope: Scope, period: str, fmt: str) -> tuple[bytes, str, str]:
    """The revenue series as a file: one row per bucket and a last row of totals."""
    report = revenue_series(session, scope, period)
    rows = [[row["bucket"], row["start"].isoformat(), row["end"].isoformat(), row["orders"], row["gross_sales"],
             row["refunds"], row["revenue"], row["avg_value"], *(row["methods"][m] for m in METHODS)]
            for row in report["data"]]
    totals = report["totals"]
    rows.append(["total", scope.date_from.isoformat(), scope.date_to.isoformat(), totals["total_orders"],
                 totals["gross_sales"], totals["refunds_total"], totals["total_revenue"], totals["avg_order_value"],
                 *(totals["methods"][m] for m in METHODS)])
    body, mimetype = _table(fmt, "revenue", REVENUE_COLUMNS, rows)
    return body, mimetype, f"revenue-{period}-{scope.date_from}-{scope.date_to}.{fmt}"


def export_products(session, scope: Scope, fmt: str, search: str | None = None) -> tuple[bytes, str, str]:
    """Every product sold in scope as a file, highest revenue first."""
    stmt, columns = products_query(scope, search)
    whole = products_revenue_total(session, scope)
    rows = [product_row(row, whole) for row in session.execute(
        stmt.order_by(desc(columns["revenue"]), desc(columns["quantity"]), SyncedOrderItem.product_id))]
    body, mimetype = _table(fmt, "products", PRODUCT_COLUMNS, [
        [row["product_id"], row["sku"], row["name"], row["quantity"], row["orders"], row["revenue"],
         row["share"]] for row in rows])
    return body, mimetype, f"products-{scope.date_from}-{scope.date_to}.{fmt}"
