"""The roles and their order, as both apps enforce them ("manager+" = manager and up), and
the roles a route grants by name beside the order (the stockkeeper's stock routes)."""
from sync.vocab import OUTLET_ROLES, PLATFORM_ROLES, ROLE_RANK, ROLES, STOCK_ROLES  # noqa: F401  (re-exported)


def at_least(role: str, minimum: str) -> bool:
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[minimum]


def allows(role: str, minimum: str, also: tuple[str, ...] = ()) -> bool:
    """`minimum` or above on the ladder, or one of the roles granted the route by name
    (`also`: the stock routes' STOCK_ROLES)."""
    return at_least(role, minimum) or role in also
