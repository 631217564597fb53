"""Who is acting, and on which tenant and outlet: what every service is scoped by."""
from __future__ import annotations

from dataclasses import dataclass

from sync.errors import Forbidden, Invalid
from sync.vocab import PLATFORM_ROLES, ROLE_RANK


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    role: str
    tenant_id: int | None  # the tenant acted on (X-Tenant-ID for platform roles)
    outlet_id: int | None  # set for outlet-bound users

    def at_least(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def is_platform(self) -> bool:
        return self.role in PLATFORM_ROLES

    def require_tenant(self) -> int:
        if self.tenant_id is None:
            raise Invalid("Choose a tenant with the X-Tenant-ID header", "TENANT_REQUIRED", "X-Tenant-ID")
        return self.tenant_id

    def require_role(self, role: str, message: str | None = None) -> None:
        if not self.at_least(role):
            raise Forbidden(message or f"This action needs the {role} role or above")

    def can_see_outlet(self, outlet_id: int | None) -> bool:
        return self.outlet_id is None or self.outlet_id == outlet_id

    def outranks(self, role: str) -> bool:
        """May manage users of `role` (strictly lower rank; super_admin manages all)."""
        return self.role == "super_admin" or ROLE_RANK[self.role] > ROLE_RANK[role]
