"""Analytics: the filters every report takes, and the reports (docs/dashboard.md)."""
from datetime import date

from apiflask import Schema
from apiflask.fields import Boolean, Date, Dict, Float, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from cloud.api.schemas.common import MAX_ID, ListQuery, Money
from sync.web.fields import Day, WholeNumber

DATES = Range(min=date(2000, 1, 1), max=date(2100, 12, 31), error="Use a date between 2000-01-01 and 2100-12-31")
PERCENT = {"description": "Percent, one decimal; null when the previous period's figure is 0"}
MINUTES = {"description": "Minutes, one decimal; null when no order was timed"}


class AnalyticsQuery(Schema):
    outlet_id = WholeNumber(validate=Range(min=1, max=MAX_ID),
                        metadata={"description": "One outlet (default: every outlet you may see)"})
    date_from = Day(years=(2000, 2100), validate=DATES,
                    metadata={"description": "First business date (default: date_to - 29 days)"})
    date_to = Day(years=(2000, 2100), validate=DATES,
                  metadata={"description": "Last business date, included (default: today)"})


class RevenueQuery(AnalyticsQuery):
    period = String(load_default="daily", validate=OneOf(("daily", "weekly", "monthly")))


class ProductsQuery(ListQuery, AnalyticsQuery):
    pass


class ExportFormat(Schema):
    format = String(load_default="csv", validate=OneOf(("csv", "xlsx")))


class RevenueExportQuery(RevenueQuery, ExportFormat):
    pass


class ProductsExportQuery(AnalyticsQuery, ExportFormat):
    search = String(load_default=None, validate=Length(max=100))


class TenantRef(Schema):
    id = WholeNumber(required=True)
    name = String(required=True)
    currency = String(required=True, metadata={"description": "ISO 4217 code of every amount in the report"})


class PeriodOut(Schema):
    date_from = Date(required=True)
    date_to = Date(required=True)
    days = WholeNumber(required=True)
    outlet_id = WholeNumber(allow_none=True, required=True)
    previous_from = Date(required=True)
    previous_to = Date(required=True)


class SalesFigures(Schema):
    total_orders = WholeNumber(required=True, metadata={
        "description": "Orders paid (in part or whole) in the range, not cancelled, whatever their status"})
    gross_sales = Money(required=True, metadata={"description": "Paid payments taken in the range"})
    refunds_total = Money(required=True, metadata={"description": "Money given back in the range"})
    total_revenue = Money(required=True, allow_negative=True, metadata={"description": "gross_sales - refunds_total"})
    avg_order_value = Money(required=True, allow_negative=True)
    cancelled_orders = WholeNumber(required=True, metadata={"description": "Orders of the range cancelled"})
    customers_served = WholeNumber(required=True,
                                   metadata={"description": "Known customers with an order paid in range"})


class TrendsOut(Schema):
    orders_growth = Float(allow_none=True, required=True, metadata=PERCENT)
    revenue_growth = Float(allow_none=True, required=True, metadata=PERCENT)
    avg_order_value_growth = Float(allow_none=True, required=True, metadata=PERCENT)
    customers_growth = Float(allow_none=True, required=True, metadata=PERCENT)


class ProductFigures(Schema):
    product_id = WholeNumber(required=True)
    name = String(required=True)
    sku = String(required=True)
    quantity = WholeNumber(required=True, metadata={"description": "Units sold and kept (less voids and refunds)"})
    revenue = Money(required=True, metadata={"description": "The kept units' share of their lines' totals"})
    orders = WholeNumber(required=True)
    share = Float(required=True, metadata={"description": "Percent of all products' revenue, two decimals"})


class StatusCounts(Schema):
    draft = WholeNumber(required=True)
    pending = WholeNumber(required=True)
    confirmed = WholeNumber(required=True)
    preparing = WholeNumber(required=True)
    ready = WholeNumber(required=True)
    served = WholeNumber(required=True)
    completed = WholeNumber(required=True)
    cancelled = WholeNumber(required=True)


class PaymentMethodFigures(Schema):
    method = String(required=True)
    count = WholeNumber(required=True, metadata={"description": "Paid payments taken in the range"})
    amount = Money(required=True, metadata={"description": "Paid (change given back excluded)"})
    refunds = Money(required=True, metadata={"description": "Given back by this method in the range"})
    net = Money(required=True, allow_negative=True)


class OutletFigures(SalesFigures):
    outlet_id = WholeNumber(required=True)
    code = String(required=True)
    name = String(required=True)
    median_prep_minutes = Float(allow_none=True, required=True, metadata=MINUTES)


class PrepTimesOut(Schema):
    orders = WholeNumber(required=True, metadata={"description": "Orders timed from confirmed to ready"})
    median_minutes = Float(allow_none=True, required=True, metadata=MINUTES)
    average_minutes = Float(allow_none=True, required=True, metadata=MINUTES)
    p90_minutes = Float(allow_none=True, required=True, metadata=MINUTES)


class DashboardOut(Schema):
    tenant = Nested(TenantRef, required=True)
    period = Nested(PeriodOut, required=True)
    metrics = Nested(SalesFigures, required=True)
    previous = Nested(SalesFigures, required=True, metadata={"description": "The same figures, previous period"})
    trends = Nested(TrendsOut, required=True)
    top_products = List(Nested(ProductFigures), required=True)
    status_distribution = Nested(StatusCounts, required=True)
    payment_methods = List(Nested(PaymentMethodFigures), required=True)
    per_outlet = List(Nested(OutletFigures), required=True)
    prep_times = Nested(PrepTimesOut, required=True)


class RevenueBucket(Schema):
    bucket = String(required=True, metadata={"description": "2026-11-02, 2026-W45 or 2026-11"})
    start = Date(required=True, metadata={"description": "First day of the bucket inside the range"})
    end = Date(required=True, metadata={"description": "Last day of the bucket inside the range"})
    orders = WholeNumber(required=True)
    gross_sales = Money(required=True)
    refunds = Money(required=True)
    revenue = Money(required=True, allow_negative=True)
    avg_value = Money(required=True, allow_negative=True)
    methods = Dict(keys=String(), values=Money(allow_negative=True), required=True, metadata={
        "description": "The revenue by payment method, net of refunds: {cash, card, qris, ewallet}"})


class RevenueTotals(Schema):
    total_orders = WholeNumber(required=True)
    total_revenue = Money(required=True, allow_negative=True)
    gross_sales = Money(required=True)
    refunds_total = Money(required=True)
    avg_order_value = Money(required=True, allow_negative=True)
    avg_revenue_per_bucket = Money(required=True, allow_negative=True)
    buckets = WholeNumber(required=True)
    methods = Dict(keys=String(), values=Money(allow_negative=True), required=True)


class RevenueOut(Schema):
    tenant = Nested(TenantRef, required=True)
    period = String(required=True)
    range = Nested(PeriodOut, required=True)
    data = List(Nested(RevenueBucket), required=True)
    totals = Nested(RevenueTotals, required=True)


class ProductsOut(Schema):
    count = WholeNumber(required=True)
    next = String(allow_none=True, required=True)
    previous = String(allow_none=True, required=True)
    results = List(Nested(ProductFigures), required=True)
    tenant = Nested(TenantRef, required=True)
    period = Nested(PeriodOut, required=True)
    total_revenue = Money(required=True, metadata={"description": "All products' revenue: what share is of"})


class TopCustomer(Schema):
    customer_id = WholeNumber(required=True)
    name = String(required=True)
    phone = String(required=True)
    membership_tier = String(required=True)
    points = WholeNumber(required=True)
    orders = WholeNumber(required=True)
    total_spent = Money(required=True, allow_negative=True)
    avg_order_value = Money(required=True, allow_negative=True)


class TierCounts(Schema):
    regular = WholeNumber(required=True)
    silver = WholeNumber(required=True)
    gold = WholeNumber(required=True)
    platinum = WholeNumber(required=True)


class CustomersOut(Schema):
    tenant = Nested(TenantRef, required=True)
    period = Nested(PeriodOut, required=True)
    total_customers = WholeNumber(required=True)
    customers_served = WholeNumber(required=True)
    new_customers = WholeNumber(required=True)
    returning_customers = WholeNumber(required=True)
    repeat_customers = WholeNumber(required=True)
    tiers = Nested(TierCounts, required=True)
    points_outstanding = WholeNumber(required=True)
    top_customers = List(Nested(TopCustomer), required=True)


MARGIN_PERCENT = {"description": "margin / net_sales x 100, two decimals rounded half up, as text; null without "
                                 "net sales", "example": "62.50"}


class MarginFigures(Schema):
    quantity = WholeNumber(required=True, metadata={"description": "Units sold and kept (less voids and refunds)"})
    revenue = Money(required=True, metadata={"description": "The products report's revenue (service and tax in)"})
    net_sales = Money(required=True, metadata={"description": "The kept units' share of the lines' net price "
                                                              "(after discounts, before service and tax)"})
    cogs = Money(required=True, metadata={"description": "Kept units x recipe use x stock item cost"})
    margin = Money(required=True, allow_negative=True, metadata={"description": "net_sales - cogs"})
    margin_percent = String(required=True, allow_none=True, metadata=MARGIN_PERCENT)


class ProductMargin(MarginFigures):
    product_id = WholeNumber(required=True)
    name = String(required=True)
    sku = String(required=True)
    has_recipe = Boolean(required=True, metadata={"description": "false: the product has no recipe of its own, "
                                                                 "its cost is only its modifiers' (often 0)"})


class MarginsOut(Schema):
    tenant = Nested(TenantRef, required=True)
    period = Nested(PeriodOut, required=True)
    totals = Nested(MarginFigures, required=True)
    results = List(Nested(ProductMargin), required=True)
