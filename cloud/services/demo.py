"""The demo tenant of CONTRACT.md section 7 (Pizza Palace, outlet Mall Yogya).

Idempotent: a second run finds what exists and only issues a fresh enrollment key.
Demo passwords are for the demo only; `pos cloud run` never creates them.
"""
from __future__ import annotations

from sqlalchemy import select

from cloud.models import (
    AutomationRule,
    Category,
    Customer,
    NotificationTemplate,
    Outlet,
    Product,
    Promotion,
    StockItem,
    Tenant,
    User,
)
from cloud.notifications.catalogue import template_type
from cloud.services import (
    auth,
    automation_rules,
    catalog,
    customers,
    enrollment,
    gateway_accounts,
    notification_templates,
    stock,
    tenants,
)
from cloud.services.actor import Actor

USERS = (  # username, password, role, PIN, bound to the outlet
    ("admin", "admin123", "super_admin", None, False),
    ("owner", "owner123", "tenant_owner", None, False),
    ("manager", "manager123", "manager", "5678", True),
    ("cashier", "cashier123", "cashier", "1234", True),
    ("kitchen", "kitchen123", "kitchen", None, True),
    ("stock", "stock123", "stockkeeper", "2468", True),
)

# The demo's gateway accounts: the credentials `pos gateway-sim` accepts by default
# (simulators.gateway.core, which the cloud may not import; a test keeps them equal).
# Midtrans is the demo tenant's primary gateway.
DEMO_GATEWAYS = (
    ("midtrans", {"server_key": "SB-Mid-server-SIMULATOR-demo-key"}, True),
    ("xendit", {"secret_key": "xnd_development_SIMULATOR_demo_key",
                "callback_token": "simulator-demo-callback-token"}, False),
)

CATEGORIES = (  # name, kitchen station, sort order
    ("Pizza", "oven", 1), ("Pasta", "kitchen", 2), ("Drinks", "bar", 3), ("Desserts", "kitchen", 4),
)

SIZE = {"name": "Size", "type": "size", "required": True, "min_choices": 1, "max_choices": 1,
        "modifiers": [{"name": "Regular", "price": 0}, {"name": "Large", "price": 1_500_000}]}
TOPPINGS = {"name": "Extra toppings", "type": "topping", "required": False, "min_choices": 0, "max_choices": 3,
            "modifiers": [{"name": "Extra cheese", "price": 1_000_000}, {"name": "Mushrooms", "price": 800_000},
                          {"name": "Jalapeños", "price": 500_000}, {"name": "Beef pepperoni", "price": 1_200_000}]}
SPICE = {"name": "Spice level", "type": "option", "required": True, "min_choices": 1, "max_choices": 1,
         "modifiers": [{"name": "Mild", "price": 0}, {"name": "Medium", "price": 0}, {"name": "Hot", "price": 0}]}
ICE = {"name": "Ice", "type": "option", "required": False, "min_choices": 0, "max_choices": 1,
       "modifiers": [{"name": "Less ice", "price": 0}, {"name": "No ice", "price": 0}]}
EXTRA_SHOT = {"name": "Extras", "type": "extra", "required": False, "min_choices": 0, "max_choices": 2,
              "modifiers": [{"name": "Extra shot", "price": 800_000}, {"name": "Oat milk", "price": 700_000}]}
SCOOP = {"name": "Topping", "type": "topping", "required": False, "min_choices": 0, "max_choices": 1,
         "modifiers": [{"name": "Extra scoop ice cream", "price": 1_000_000}]}

PRODUCTS = (  # sku, name, category, price (minor units), modifier groups, description
    ("PZ-MARG", "Margherita Pizza", "Pizza", 8_500_000, (SIZE, TOPPINGS), "Tomato, mozzarella, basil"),
    ("PZ-PEPP", "Pepperoni Pizza", "Pizza", 9_500_000, (SIZE, TOPPINGS), "Classic beef pepperoni"),
    ("PZ-HAWA", "Hawaiian Pizza", "Pizza", 9_000_000, (SIZE, TOPPINGS), "Smoked beef and pineapple"),
    ("PZ-VEGI", "Garden Veggie Pizza", "Pizza", 8_800_000, (SIZE, TOPPINGS), "Peppers, olives, mushrooms"),
    ("PS-CARB", "Spaghetti Carbonara", "Pasta", 7_500_000, (SPICE,), "Creamy sauce, smoked beef"),
    ("PS-BOLO", "Spaghetti Bolognese", "Pasta", 7_000_000, (SPICE,), "Slow-cooked beef ragù"),
    ("PS-AGLI", "Aglio e Olio", "Pasta", 6_500_000, (SPICE,), "Garlic, chili, olive oil"),
    ("DR-COLA", "Iced Cola", "Drinks", 1_800_000, (ICE,), "330 ml"),
    ("DR-LTEA", "Iced Lemon Tea", "Drinks", 2_000_000, (ICE,), "House-brewed"),
    ("DR-LATT", "Caffè Latte", "Drinks", 3_200_000, (ICE, EXTRA_SHOT), "Double shot, fresh milk"),
    ("DS-TIRA", "Tiramisu", "Desserts", 4_500_000, (), "Mascarpone, espresso, cocoa"),
    ("DS-PANN", "Panna Cotta", "Desserts", 3_800_000, (SCOOP,), "Vanilla, berry coulis"),
)


def _ensure_users(session, tenant: Tenant, outlet: Outlet) -> None:
    for username, password, role, pin, bound in USERS:
        if auth.find_user_by_username(session, username) is not None:
            continue
        platform = role == "super_admin"
        user = User(username=username, role=role, tenant_id=None if platform else tenant.id,
                    outlet_id=outlet.id if bound else None, first_name=username.capitalize())
        auth.set_password(user, password, "password")
        user.tokens_valid_after = None
        if pin:
            auth.set_pin(user, pin)
        session.add(user)
    session.flush()


def _ensure_catalog(session, owner: Actor) -> dict[str, Product]:
    categories = {c.name: c for c in session.execute(
        select(Category).where(Category.tenant_id == owner.tenant_id)).scalars()}
    for name, station, order in CATEGORIES:
        if name not in categories:
            categories[name] = catalog.create_category(session, owner, {"name": name, "station": station,
                                                                       "sort_order": order})
    products = {p.sku: p for p in session.execute(
        select(Product).where(Product.tenant_id == owner.tenant_id)).scalars()}
    for order, (sku, name, category, price, groups, description) in enumerate(PRODUCTS):
        if sku not in products:
            products[sku] = catalog.create_product(session, owner, {
                "sku": sku, "name": name, "category_id": categories[category].id, "price": price,
                "description": description, "sort_order": order, "modifier_groups": [dict(g) for g in groups],
            })
    return products


STOCK_ITEMS = (  # name, base unit, cost per base unit (minor units), purchase units
    ("Dough", "g", 1_000, [{"name": "batch (10 kg)", "multiple": 10_000}]),
    ("Mozzarella", "g", 15_000, [{"name": "block (2.5 kg)", "multiple": 2_500}]),
    ("Cola can", "pcs", 600_000, [{"name": "case of 24", "multiple": 24}]),
)
PIZZA_RECIPE = {"Dough": 200, "Mozzarella": 100}  # a Regular pizza
MODIFIER_RECIPES = {"Large": {"Dough": 100, "Mozzarella": 50}, "Extra cheese": {"Mozzarella": 40}}  # on top


def _ensure_stock(session, owner: Actor, products: dict[str, Product]) -> None:
    """Dough and Mozzarella for every pizza (a Large uses more, extra cheese adds some) and a
    can for the cola, which is sold as it is."""

    if session.execute(select(StockItem.id).where(StockItem.tenant_id == owner.tenant_id).limit(1)).first():
        return
    items = {name: stock.create_item(session, owner, {"name": name, "unit": unit, "cost": cost,
                                                       "purchase_units": units})
             for name, unit, cost, units in STOCK_ITEMS}
    wanted: list[dict] = [{"product_id": products["DR-COLA"].id, "stock_item_id": items["Cola can"].id,
                           "quantity": 1}]
    for sku in ("PZ-MARG", "PZ-PEPP", "PZ-HAWA", "PZ-VEGI"):
        product = products[sku]
        wanted += [{"product_id": product.id, "stock_item_id": items[name].id, "quantity": quantity}
                   for name, quantity in PIZZA_RECIPE.items()]
        for group in product.modifier_groups:
            for modifier in group.modifiers:
                wanted += [{"modifier_id": modifier.id, "stock_item_id": items[name].id, "quantity": quantity}
                           for name, quantity in MODIFIER_RECIPES.get(modifier.name, {}).items()]
    for recipe in wanted:
        stock.create_recipe(session, owner, recipe)


def _ensure_promotions(session, owner: Actor, products: dict[str, Product]) -> None:
    from cloud.services import promotions

    existing = {p.name for p in session.execute(
        select(Promotion).where(Promotion.tenant_id == owner.tenant_id)).scalars()}
    pizzas = [products[sku].id for sku in ("PZ-MARG", "PZ-PEPP", "PZ-HAWA", "PZ-VEGI")]
    drinks = [products[sku].id for sku in ("DR-COLA", "DR-LTEA")]
    wanted = [
        {"name": "Weekend Flash Sale", "promo_type": "percentage", "discount_percent_bp": 3000, "code": "WEEKEND30",
         "description": "30% off pizzas with code WEEKEND30 (demo: valid every day)", "auto_apply": False,
         "is_stackable": False, "priority": 10,
         "products": [{"product_id": pid, "role": "both", "quantity": 1} for pid in pizzas]},
        {"name": "Rp 20.000 off above Rp 250.000", "promo_type": "fixed_amount", "discount_amount": 2_000_000,
         "min_purchase": 25_000_000, "auto_apply": True, "is_stackable": True, "priority": 1, "usage_limit": 500,
         "description": "Automatic discount on big orders, limited to 500 uses"},
        {"name": "Buy 2 drinks, get 1 free", "promo_type": "buy_x_get_y", "buy_quantity": 2, "get_quantity": 1,
         "discount_percent_bp": 10000, "auto_apply": True, "is_stackable": True, "priority": 5,
         "products": [{"product_id": pid, "role": "both", "quantity": 1} for pid in drinks]},
        {"name": "Pizza + Tiramisu combo", "promo_type": "bundle", "bundle_price": 11_500_000,
         "auto_apply": True, "is_stackable": True, "priority": 3,
         "description": "A Margherita and a Tiramisu for Rp 115.000",
         "products": [{"product_id": products["PZ-MARG"].id, "role": "both", "quantity": 1},
                      {"product_id": products["DS-TIRA"].id, "role": "both", "quantity": 1}]},
    ]
    for data in wanted:
        if data["name"] in existing:
            continue
        promotion = promotions.create_promotion(session, owner, data)
        promotions.activate(session, owner, promotion)


DEMO_MANAGER_PHONE, DEMO_MANAGER_EMAIL = "081311112222", "manager@pizzapalace.example"
DEMO_RULES = (  # name, trigger, condition, actions (`pos demo` receives 2 kg of Dough at its edge)
    ("Dough running low", "stock_low", {"threshold": 1_000},
     [{"channel": "whatsapp", "recipient": DEMO_MANAGER_PHONE}]),
    ("Outlet offline", "outlet_offline", {"offline_minutes": 2},
     [{"channel": "whatsapp", "recipient": DEMO_MANAGER_PHONE}, {"channel": "email", "recipient": DEMO_MANAGER_EMAIL}]),
)

DEMO_CUSTOMER = {"name": "Budi Santoso", "phone": "081298765432", "email": "budi@example.com",
                 "marketing_consent": True}


# the simulator's approved payment_received ("Halo {{1}}, pembayaran {{2}} untuk pesanan {{3}} ...")
DEMO_WHATSAPP_TEMPLATE = {"name": "payment_received", "language": "id",
                          "variables": ["customer_name", "amount", "order_code"]}


def _ensure_notifications(session, owner: Actor, outlet: Outlet) -> None:
    """A customer with a phone and an email, and the default payment_received templates
    (WhatsApp and email), so a paid order for Budi shows on the simulator and in the mailbox;
    two automation rules telling the manager when Dough runs low or the outlet goes silent."""
    if session.execute(select(Customer).where(Customer.tenant_id == owner.tenant_id,
                                              Customer.phone == DEMO_CUSTOMER["phone"])).first() is None:
        customers.create_customer(session, owner, dict(DEMO_CUSTOMER))
    paid = template_type("payment_received")
    for channel, name in (("whatsapp", "Payment received (WhatsApp)"), ("email", "Payment received (email)")):
        if session.execute(select(NotificationTemplate).where(NotificationTemplate.tenant_id == owner.tenant_id,
                                                              NotificationTemplate.name == name)).first() is None:
            notification_templates.create_template(session, owner, {
                "name": name, "type": paid.name, "channel": channel, "is_default": True, "body": paid.default_body,
                "subject": paid.default_subject if channel == "email" else "",
                "whatsapp_template": DEMO_WHATSAPP_TEMPLATE if channel == "whatsapp" else None})
    dough = session.execute(select(StockItem.id).where(StockItem.tenant_id == owner.tenant_id,
                                                       StockItem.name == "Dough")).scalar()
    for name, trigger, condition, actions in DEMO_RULES:
        if session.execute(select(AutomationRule.id).where(AutomationRule.tenant_id == owner.tenant_id,
                                                           AutomationRule.name == name)).first() is None:
            # for the demo's outlet: its manager (bound to it) sees and may change them
            extra = {"outlet_id": outlet.id, **({"stock_item_id": dough} if trigger == "stock_low" else {})}
            automation_rules.create_rule(session, owner, {"name": name, "trigger": trigger, "actions": actions,
                                                          **condition, **extra})


def seed(session, keep_other_devices: bool = False, notifications: bool = False,
         gateway_secret: str | None = None) -> tuple[list[str], str]:
    """The demo tenant; with `notifications` also a customer and the payment_received
    templates; with `gateway_secret` (the cloud's secret, which seals them) the gateway
    simulator's credentials."""
    tenant = session.execute(select(Tenant).where(Tenant.slug == "pizza-palace")).scalar_one_or_none()
    if tenant is None:
        tenant = tenants.create_tenant(session, {
            "name": "Pizza Palace", "slug": "pizza-palace", "tax_rate_bp": 1000, "service_charge_bp": 500,
            "cash_rounding": 10_000, "currency": "IDR", "primary_color": "#FF6B35",
            "receipt_footer": "Terima kasih! Follow us @pizzapalace", "phone": "0274-123456",
        })
    outlet = session.execute(
        select(Outlet).where(Outlet.tenant_id == tenant.id, Outlet.code == "YOG")).scalar_one_or_none()
    if outlet is None:
        outlet = tenants.create_outlet(session, tenant.id, {
            "code": "YOG", "name": "Mall Yogya", "address": "Jl. Affandi No.10, Yogyakarta",
            "phone": "0274-123456", "timezone": "Asia/Jakarta",
            "opening_hours": {day: [["10:00", "22:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        })
    _ensure_users(session, tenant, outlet)
    owner_user = auth.find_user_by_username(session, "owner")
    owner = Actor(owner_user.id, owner_user.username, "tenant_owner", tenant.id, None)
    products = _ensure_catalog(session, owner)
    _ensure_promotions(session, owner, products)
    _ensure_stock(session, owner, products)
    if notifications:
        _ensure_notifications(session, owner, outlet)
    key, _ = enrollment.issue_key(session, outlet, owner_user.id, keep_other_devices)
    if gateway_secret:
        for provider, credentials, primary in DEMO_GATEWAYS:
            gateway_accounts.save(session, tenant.id, provider, credentials, is_primary=primary, secret=gateway_secret)
    summary = [
        f"tenant: {tenant.name} (id {tenant.id}, slug {tenant.slug})",
        f"outlet: {outlet.name} (id {outlet.id}, code {outlet.code})",
        "users: " + ", ".join(f"{u} / {p}" + (f" / PIN {pin}" if pin else "") for u, p, _, pin, _ in USERS),
        f"catalog: {len(CATEGORIES)} categories, {len(products)} products; 4 promotions (code WEEKEND30)",
        "stock: Dough and Mozzarella (g) in every pizza, a Cola can (pcs) per Iced Cola",
    ]
    if gateway_secret:
        summary.append("payment gateways: midtrans (primary), xendit, with `pos gateway-sim`'s demo credentials")
    if notifications:
        summary.append(f"customer: {DEMO_CUSTOMER['name']} {DEMO_CUSTOMER['phone']} {DEMO_CUSTOMER['email']}; "
                       "payment_received templates for WhatsApp and email; "
                       f"rules: Dough under 1000 g, outlet silent 2 min (WhatsApp {DEMO_MANAGER_PHONE})")
    return summary, key
