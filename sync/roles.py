"""The six roles and their order, as both apps enforce them ("manager+" = manager and up)."""
from sync.vocab import OUTLET_ROLES, PLATFORM_ROLES, ROLE_RANK, ROLES  # noqa: F401  (re-exported)


def at_least(role: str, minimum: str) -> bool:
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[minimum]
