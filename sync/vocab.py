"""The closed lists both apps speak, each defined once with what belongs to each value.

Models (and their CHECK constraints), schemas, services, the cloud's analytics, the
printers' labels and the pages read these; nothing else spells a status or a method out
as a list. Adding a value is an entry here, a migration for the CHECK constraints, and
the places where its behaviour really differs (docs/vocabulary.md). Framework-free.
"""
from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------------------------- orders


@dataclass(frozen=True)
class OrderStatus:
    name: str
    next: tuple[str, ...]      # where it may move from here
    timestamp: str | None      # the order column stamped on arrival
    editable: bool = False     # the cart can still change (lines, customer, codes)
    in_kitchen: bool = False   # open on the kitchen screen
    kitchen_sets: bool = False  # the kitchen (screen or socket) may move an order here
    sold: bool = True          # counted in sales, shift figures and analytics
    cancel_needs_manager: bool = False  # the kitchen knows it: cancelling takes a manager

    @property
    def label(self) -> str:
        return self.name.capitalize()

    @property
    def closed(self) -> bool:
        """Nothing follows: no more payments, refunds or changes."""
        return not self.next


ORDER_STATUS_LIST = (
    OrderStatus("draft", ("pending", "confirmed", "cancelled"), None, editable=True),
    OrderStatus("pending", ("confirmed", "cancelled"), None, editable=True),
    OrderStatus("confirmed", ("preparing", "ready", "cancelled"), "confirmed_at", in_kitchen=True,
                cancel_needs_manager=True),
    OrderStatus("preparing", ("ready", "cancelled"), "preparing_at", in_kitchen=True, kitchen_sets=True,
                cancel_needs_manager=True),
    OrderStatus("ready", ("served", "completed", "cancelled"), "ready_at", in_kitchen=True, kitchen_sets=True,
                cancel_needs_manager=True),
    OrderStatus("served", ("completed", "cancelled"), "served_at", kitchen_sets=True, cancel_needs_manager=True),
    OrderStatus("completed", (), "completed_at"),
    OrderStatus("cancelled", (), "cancelled_at", sold=False),
)
ORDER_STATUS = {s.name: s for s in ORDER_STATUS_LIST}
ORDER_STATUSES = tuple(ORDER_STATUS)
TRANSITIONS = {s.name: frozenset(s.next) for s in ORDER_STATUS_LIST}
TIMESTAMP_OF = {s.name: s.timestamp for s in ORDER_STATUS_LIST if s.timestamp}
EDITABLE_STATUSES = tuple(s.name for s in ORDER_STATUS_LIST if s.editable)
KITCHEN_OPEN_STATUSES = tuple(s.name for s in ORDER_STATUS_LIST if s.in_kitchen)
KITCHEN_SET_STATUSES = tuple(s.name for s in ORDER_STATUS_LIST if s.kitchen_sets)
CLOSED_STATUSES = tuple(s.name for s in ORDER_STATUS_LIST if s.closed)
NOT_SOLD_STATUSES = tuple(s.name for s in ORDER_STATUS_LIST if not s.sold)
MANAGER_CANCELS = tuple(s.name for s in ORDER_STATUS_LIST if s.cancel_needs_manager)

# What a line in the kitchen goes through; "voided" lines are out of the count.
PREP_STATUSES = ("queued", "preparing", "ready", "served", "voided")
PREP_SET_BY_KITCHEN = ("queued", "preparing", "ready")  # what a station may set a line to
ORDER_SOURCES = ("kiosk", "pos", "self")  # where an order was taken

# -------------------------------------------------------------------------------- payments


@dataclass(frozen=True)
class PaymentMethod:
    name: str
    label: str                 # as printed on receipts and shown on pages
    cash_like: bool = False    # tendered and change, cash drawer, rounded refunds
    gateway: bool = False      # charged through the cloud's payment gateway (needs the internet)
    needs_reference: bool = False  # the terminal's reference is required
    # the outlet's printed merchant QR: taken offline, recorded unverified, and matched later at
    # the cloud against the provider's settlement report (only where the outlet has one configured)
    static_qr: bool = False


PAYMENT_METHOD_LIST = (
    PaymentMethod("cash", "Cash", cash_like=True),
    PaymentMethod("card", "Card", needs_reference=True),
    PaymentMethod("qris", "QRIS", gateway=True),
    PaymentMethod("ewallet", "E-wallet", gateway=True),
    PaymentMethod("static_qr", "Static QRIS", needs_reference=True, static_qr=True),
)
PAYMENT_METHOD = {m.name: m for m in PAYMENT_METHOD_LIST}
PAYMENT_METHODS = tuple(PAYMENT_METHOD)
GATEWAY_METHODS = tuple(m.name for m in PAYMENT_METHOD_LIST if m.gateway)
CASH = next(m.name for m in PAYMENT_METHOD_LIST if m.cash_like)  # what a refund without a method went back as
STATIC_QR_METHODS = tuple(m.name for m in PAYMENT_METHOD_LIST if m.static_qr)
METHOD_LABELS = {m.name: m.label for m in PAYMENT_METHOD_LIST}


def cash_like(method: str | None) -> bool:
    """Tendered with change, opens the drawer, refunds rounded; a refund without a method is cash."""
    return method is None or (method in PAYMENT_METHOD and PAYMENT_METHOD[method].cash_like)


def needs_reference(method: str) -> bool:
    return method in PAYMENT_METHOD and PAYMENT_METHOD[method].needs_reference


def method_label(method: str | None) -> str:
    return METHOD_LABELS.get(method or CASH, method or CASH)

PENDING, PAID = "pending", "paid"
# Cash and card are recorded once taken (paid); a QRIS / e-wallet payment waits (pending)
# for the gateway, then is paid or ends: failed, cancelled by the cashier, or expired.
PAYMENT_ENDED = ("failed", "cancelled", "expired")
PAYMENT_STATUSES = (PENDING, PAID, *PAYMENT_ENDED)
REFUND_KINDS = ("void", "refund")
# Static QRIS payments checked against a provider's settlement report (cloud import): the
# reports it reads, and what each line (or each payment the report lacks) came out as
SETTLEMENT_PROVIDERS = ("midtrans", "xendit")
# (a `gateway_charge` line is a dynamic QRIS / e-wallet charge, which the webhooks already settled)
SETTLEMENT_OUTCOMES = ("matched", "amount_mismatch", "reference_not_found", "already_verified", "not_settled",
                       "gateway_charge", "missing_from_settlement")
# the differences a manager must look at; nothing is changed for them
SETTLEMENT_FLAGS = ("amount_mismatch", "reference_not_found", "missing_from_settlement")

# ------------------------------------------------------------------------------ promotions
PROMO_TYPES = ("percentage", "fixed_amount", "buy_x_get_y", "bundle")
PROMO_PRODUCT_ROLES = ("buy", "get", "both")

# -------------------------------------------------------------------------------- printers
PRINTER_KINDS = ("serial", "usb", "network", "file")
PRINTER_ROLES = ("receipt", "kitchen")
PRINT_JOB_STATES = ("queued", "sending", "done", "failed", "expired", "cancelled")

# ----------------------------------------------------------------------------------- stock
STOCK_UNITS = ("g", "ml", "pcs")  # base units, counted as integers: no fractions of a gram
# what moved an outlet's stock: a sale used it, a void/refund (restocked)/cancel gave it
# back, a delivery was received, something was thrown away, a stocktake's count put the
# figure right, a transfer left for another outlet or arrived from one
STOCK_MOVEMENT_KINDS = ("sale", "void", "refund", "cancel", "receive", "waste", "count", "transfer_out",
                        "transfer_in")
STOCK_KIND_LENGTH = max(len(kind) for kind in STOCK_MOVEMENT_KINDS)  # the kind columns' width
# the kinds someone records by hand (not a sale's consequence): audited as `stock_adjustment`
STOCK_ADJUSTMENT_KINDS = ("receive", "waste", "count", "transfer_out", "transfer_in")
# a count sheet: being counted, posted as count adjustments, or dropped unposted
STOCKTAKE_STATUSES = ("open", "posted", "cancelled")
# a transfer between outlets: sent (stock out at the sender), then received (in at the receiver)
TRANSFER_STATUSES = ("in_transit", "received")
# what a manager may mark sold out ("86") at the till: a product or one modifier
SOLD_OUT_TARGETS = ("product", "modifier")


@dataclass(frozen=True)
class ZeroStockRule:
    """What the till does with a tracked product (one with a recipe) while one of the stock
    items it uses is at or below zero at the outlet. Counts are often wrong, so only
    `block` stops a sale; the default sells on."""

    name: str
    label: str
    sells: bool    # the order service takes it (False: 409 OUT_OF_STOCK)
    warns: bool    # the till shows it as out of stock (a warning, or sold out when it does not sell)


ZERO_STOCK_RULE_LIST = (
    ZeroStockRule("allow", "Sell on silently", sells=True, warns=False),
    ZeroStockRule("warn", "Sell, but warn at the till", sells=True, warns=True),
    ZeroStockRule("block", "Show sold out, refuse the sale", sells=False, warns=True),
)
ZERO_STOCK_RULE = {r.name: r for r in ZERO_STOCK_RULE_LIST}
ZERO_STOCK_RULES = tuple(ZERO_STOCK_RULE)
ZERO_STOCK_DEFAULT = "allow"  # selling never stops on stock unless the outlet says so
ZERO_STOCK_LENGTH = max(len(rule) for rule in ZERO_STOCK_RULES)

# ----------------------------------------------------------------------------------- audit
# What the audit trail records (snake case; the cloud's GET /api/audit/?action= filters on
# them). At the till: logins, voids, refunds, cancels after confirm, cash in/out, the drawer
# opened with no sale, shifts, reprints, printer changes. At the cloud: logins, staff and
# role changes, prices, availability, promotions, devices, exports.
EDGE_AUDIT_ACTIONS = ("login", "login_failed", "login_locked", "void", "refund", "cancel", "cash_in", "cash_out",
                      "drawer_open", "shift_open", "shift_close", "reprint", "printer_change", "sold_out",
                      "back_in_stock", "stock_adjustment", "user_unlock",
                      "discount")
CLOUD_AUDIT_ACTIONS = ("login", "login_failed", "user_create", "user_change", "role_change", "password_reset",
                       "user_unlock", "price_change", "sold_out", "back_in_stock", "promotion_change",
                       "device_enrol", "device_revoke", "export", "gateway_key_change", "settings_change",
                       "password_change", "login_locked")
AUDIT_ACTIONS = tuple(dict.fromkeys(EDGE_AUDIT_ACTIONS + CLOUD_AUDIT_ACTIONS))
# ------------------------------------------------------------------------------ automation
# what an automation rule watches. States, fired once per episode: an outlet's on-hand of a
# stock item below a threshold, an outlet silent (no push, no pull) past some minutes, a
# shift open past some hours, an event the cloud refused (dead-lettered), a daily moment at
# outlet time. Events, fired once per synced event: a payment taken, an order cancelled,
# refunded, or bumped ready by the kitchen.
AUTOMATION_STATE_TRIGGERS = ("stock_low", "outlet_offline", "shift_not_closed", "sync_dead_letter", "schedule")
AUTOMATION_EVENT_TRIGGERS = ("payment_received", "order_cancelled", "order_refunded", "order_ready")
AUTOMATION_TRIGGERS = AUTOMATION_STATE_TRIGGERS + AUTOMATION_EVENT_TRIGGERS
NOTIFY_CHANNELS = ("whatsapp", "email")  # how the cloud sends messages (an e-receipt asked for at the till too)
# notify: a message through the notification outbox; webhook: a signed POST the worker
# delivers; alert: a security alert the tenant's owner sees (and acknowledges)
AUTOMATION_ACTIONS = ("notify", "webhook", "alert")
CONDITION_OPERATORS = ("==", "!=", ">", ">=", "<", "<=", "in", "not_in")
WEBHOOK_DELIVERY_STATUSES = ("queued", "delivered", "failed")

# ----------------------------------------------------------------------------------- users
ROLES = ("super_admin", "admin", "tenant_owner", "manager", "cashier", "kitchen", "stockkeeper")
# The rank is the selling ladder ("manager+" = manager and up). A stockkeeper stands beside
# it at the kitchen's rank (signs in, reads its own account, at the edge the menu and the
# kitchen's screens: never a cashier's rights, so it cannot sell, refund or manage staff)
# and is granted the stock routes by name (STOCK_ROLES), whatever their minimum.
ROLE_RANK = {"kitchen": 1, "stockkeeper": 1, "cashier": 2, "manager": 3, "tenant_owner": 4, "admin": 5,
             "super_admin": 6}
PLATFORM_ROLES = ("super_admin", "admin")  # not bound to a tenant
ROLE_LABELS = {"super_admin": "Platform admin", "admin": "Support admin", "tenant_owner": "Owner",
               "manager": "Manager", "cashier": "Cashier", "kitchen": "Kitchen", "stockkeeper": "Stockkeeper"}
OUTLET_ROLES = ("tenant_owner", "manager", "cashier", "kitchen", "stockkeeper")  # who can log in at an outlet
STOCK_ROLES = ("stockkeeper",)  # manage stock items, recipes, receiving, waste, counts, transfers; see stock figures
# The head-office dashboard's groups of cards and who sees each, as (minimum rank, roles
# granted by name): the same as the API routes behind the cards, so the page asks for
# nothing it would be refused. sales: revenue, products, payments, prep, statuses, outlets,
# customers, margins; stock: on-hand and its value, reorder list, stock usage, stocktakes;
# audit: the audit trail; alerts: security alerts; notifications: the templates page.
# A role that sees no group is turned away at the dashboard's sign-in.
DASHBOARD_SECTIONS = {"sales": ("manager", ()), "stock": ("manager", STOCK_ROLES), "audit": ("manager", ()),
                      "alerts": ("tenant_owner", ()), "notifications": ("manager", ())}


def dashboard_sections(role: str) -> list[str]:
    """The groups of dashboard cards `role` sees (empty: not a dashboard user)."""
    return [name for name, (minimum, also) in DASHBOARD_SECTIONS.items()
            if ROLE_RANK.get(role, 0) >= ROLE_RANK[minimum] or role in also]


# ------------------------------------------------------------------------ security alerts
# failed sign-ins in a burst per username / per address, a lockout, an outlet no device of
# which has been heard from, refunds and voids above their share of an outlet's day
SECURITY_ALERT_KINDS = ("failed_logins_user", "failed_logins_address", "account_locked", "outlet_silent",
                        "refund_share", "drawer_opens", "audit_chain_broken", "automation")


def check_in(column: str, values: tuple[str, ...], nullable: bool = False) -> str:
    """The SQL of a CHECK constraint keeping `column` inside a closed list."""
    listed = ", ".join(f"'{value}'" for value in values)
    return f"{column} IS NULL OR {column} IN ({listed})" if nullable else f"{column} IN ({listed})"


def for_pages() -> dict:
    """What the pages need of the vocabulary, as JSON (embedded in their templates)."""
    return {
        "order_statuses": [{"name": s.name, "label": s.label, "next": list(s.next), "editable": s.editable,
                            "in_kitchen": s.in_kitchen, "sold": s.sold, "closed": s.closed} for s in ORDER_STATUS_LIST],
        "payment_methods": [{"name": m.name, "label": m.label, "cash_like": m.cash_like, "gateway": m.gateway,
                             "needs_reference": m.needs_reference, "static_qr": m.static_qr}
                            for m in PAYMENT_METHOD_LIST],
        "printer_roles": list(PRINTER_ROLES),
        "audit_actions": list(AUDIT_ACTIONS),
        "roles": [{"name": role, "label": ROLE_LABELS[role], "rank": ROLE_RANK[role],
                   "platform": role in PLATFORM_ROLES, "dashboard": dashboard_sections(role)} for role in ROLES],
        "zero_stock_rules": [{"name": r.name, "label": r.label, "sells": r.sells, "warns": r.warns}
                             for r in ZERO_STOCK_RULE_LIST],
    }
