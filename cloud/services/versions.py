"""Assigns tenant change versions to master data in the transaction that changes it.

A session `after_flush` hook finds every new, changed or deleted `Syncable` row, takes
that many versions from the tenant's counter (an UPDATE, whose row lock is held to
commit, so versions become visible in commit order) and stamps them on the rows, or
records a tombstone for a deleted one. No service can forget to bump the version.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import event, insert, update
from sqlalchemy.orm.attributes import set_committed_value

from cloud.models import Tenant, TenantVersion, Tombstone
from cloud.models.base import Syncable
from sync.timeutil import utcnow


def _tenant_of(obj) -> int | None:
    return obj.id if isinstance(obj, Tenant) else getattr(obj, "tenant_id", None)


def _collect(session) -> dict[int, list[tuple[object, bool]]]:
    deleted_tenants = {obj.id for obj in session.deleted if isinstance(obj, Tenant)}
    changes: dict[int, list[tuple[object, bool]]] = defaultdict(list)
    for obj in session.new:
        if isinstance(obj, Syncable):
            changes[_tenant_of(obj)].append((obj, False))
    for obj in session.dirty:
        if isinstance(obj, Syncable) and session.is_modified(obj, include_collections=False):
            changes[_tenant_of(obj)].append((obj, False))
    for obj in session.deleted:
        if isinstance(obj, Syncable) and _tenant_of(obj) not in deleted_tenants:
            changes[_tenant_of(obj)].append((obj, True))
    changes.pop(None, None)  # platform users belong to no tenant and sync nowhere
    for tenant_id in deleted_tenants:
        changes.pop(tenant_id, None)
    return changes


def next_versions(connection, tenant_id: int, count: int) -> range:
    top = connection.execute(
        update(TenantVersion)
        .where(TenantVersion.tenant_id == tenant_id)
        .values(version=TenantVersion.version + count)
        .returning(TenantVersion.version)
    ).scalar_one()
    return range(top - count + 1, top + 1)


def _stamp(session, flush_context) -> None:
    changes = _collect(session)
    if not changes:
        return
    connection = session.connection()
    now = utcnow()
    for tenant_id, items in sorted(changes.items()):
        for (obj, deleted), version in zip(items, next_versions(connection, tenant_id, len(items)), strict=True):
            table = obj.__table__
            if deleted:
                connection.execute(insert(Tombstone).values(
                    tenant_id=tenant_id, entity=obj.__sync_entity__, entity_id=obj.id,
                    outlet_id=getattr(obj, "outlet_id", None), sync_version=version, deleted_at=now,
                ))
            else:
                connection.execute(update(table).where(table.c.id == obj.id).values(sync_version=version))
                set_committed_value(obj, "sync_version", version)


def install(session) -> None:
    """Attach the hook to the app's (scoped) session."""
    if not event.contains(session, "after_flush", _stamp):
        event.listen(session, "after_flush", _stamp)
