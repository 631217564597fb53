"""Test data for the cloud, built through the services (so versions and hashes are real)."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_jwt_extended import create_access_token

from cloud.extensions import db
from cloud.models import User
from cloud.models.user import ROLES
from cloud.services import auth, catalog, tenants
from cloud.services.actor import Actor

PASSWORD = "password123"


@dataclass
class TenantWorld:
    tenant_id: int
    outlet_id: int
    other_outlet_id: int
    users: dict = field(default_factory=dict)  # role -> user id
    tokens: dict = field(default_factory=dict)  # role -> access token
    category_id: int = 0
    product_id: int = 0


@dataclass
class World:
    a: TenantWorld
    b: TenantWorld
    admin_token: str
    super_token: str

    def headers(self, role: str, tenant: str = "a") -> dict:
        if role == "super_admin":
            return {"Authorization": f"Bearer {self.super_token}",
                    "X-Tenant-ID": str(getattr(self, tenant).tenant_id)}
        if role == "admin":
            return {"Authorization": f"Bearer {self.admin_token}",
                    "X-Tenant-ID": str(getattr(self, tenant).tenant_id)}
        return {"Authorization": f"Bearer {getattr(self, tenant).tokens[role]}"}


def make_user(role: str, username: str, tenant_id=None, outlet_id=None, pin=None) -> User:
    user = User(username=username, role=role, tenant_id=tenant_id, outlet_id=outlet_id)
    auth.set_password(user, PASSWORD)
    user.tokens_valid_after = None
    if pin:
        auth.set_pin(user, pin)
    db.session.add(user)
    db.session.flush()
    return user


def token(user: User) -> str:
    return auth.issue_tokens(user)["access"]


def _tenant(prefix: str) -> TenantWorld:
    tenant = tenants.create_tenant(db.session, {"name": f"{prefix} Foods", "slug": f"{prefix.lower()}-foods"})
    outlet = tenants.create_outlet(db.session, tenant.id, {"code": f"{prefix}1", "name": f"{prefix} One"})
    other = tenants.create_outlet(db.session, tenant.id, {"code": f"{prefix}2", "name": f"{prefix} Two"})
    world = TenantWorld(tenant.id, outlet.id, other.id)
    for role in ROLES:
        if role in ("super_admin", "admin"):
            continue
        outlet_id = outlet.id if role in ("cashier", "kitchen") else None
        user = make_user(role, f"{prefix.lower()}_{role}", tenant.id, outlet_id)
        world.users[role] = user.id
        world.tokens[role] = token(user)
    owner = Actor(world.users["tenant_owner"], "owner", "tenant_owner", tenant.id, None)
    category = catalog.create_category(db.session, owner, {"name": "Pizza", "station": "oven"})
    product = catalog.create_product(db.session, owner, {
        "sku": f"{prefix}-PZ", "name": "Margherita", "category_id": category.id, "price": 9_500_000,
        "modifier_groups": [{"name": "Size", "required": True, "min_choices": 1, "max_choices": 1,
                             "modifiers": [{"name": "Regular", "price": 0}, {"name": "Large", "price": 1_500_000}]}],
    })
    world.category_id, world.product_id = category.id, product.id
    return world


def build_world(app) -> World:
    with app.app_context():
        a, b = _tenant("AA"), _tenant("BB")
        admin = make_user("admin", "support_admin")
        root = make_user("super_admin", "root_admin")
        db.session.commit()
        return World(a, b, token(admin), token(root))


def access_token_for(app, user_id: int) -> str:
    with app.app_context():
        return create_access_token(identity=str(user_id))
