"""The six roles and their order, as both apps enforce them ("manager+" = manager and up)."""
ROLES = ("super_admin", "admin", "tenant_owner", "manager", "cashier", "kitchen")
ROLE_RANK = {"kitchen": 1, "cashier": 2, "manager": 3, "tenant_owner": 4, "admin": 5, "super_admin": 6}
PLATFORM_ROLES = ("super_admin", "admin")  # not bound to a tenant
OUTLET_ROLES = ("tenant_owner", "manager", "cashier", "kitchen")  # who can log in at an outlet


def at_least(role: str, minimum: str) -> bool:
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[minimum]
