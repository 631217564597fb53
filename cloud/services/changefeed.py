"""Pull: the master data an outlet mirrors, paged by tenant change version.

Each Syncable row carries the version of its last change; deletes leave tombstones.
A page holds the rows with `since < version <= V` (V: the tenant's version read first,
so every row up to V is committed and visible), oldest first. Rows an outlet must not
see (another outlet's staff, an unpublished product) travel as deletes, so an edge
drops whatever stopped being visible to it. A cursor older than the kept tombstones
gets `must_refetch` and a full snapshot instead.
"""
from __future__ import annotations

import heapq
from collections import defaultdict

from sqlalchemy import func, or_, select

from cloud.models import (
    Category,
    Customer,
    Device,
    Outlet,
    OutletProduct,
    Product,
    Promotion,
    PromotionAllowance,
    PromotionUsage,
    Recipe,
    StockItem,
    Tenant,
    TenantVersion,
    Tombstone,
    Transfer,
    User,
)
from sync.errors import Conflict
from sync.roles import OUTLET_ROLES
from sync.schemas import pull as wire

MODELS = (Tenant, Outlet, Category, Product, OutletProduct, Promotion, PromotionAllowance, User, Customer, StockItem,
          Recipe, Transfer)


class MustRefetch(Conflict):
    def __init__(self, snapshot: dict):
        super().__init__("The cursor is older than the kept change history; replace the mirror with this snapshot",
                         "must_refetch", extra={"snapshot": snapshot})


def _rows_since(session, model, device: Device, since: int, upto: int, limit: int):
    tenant_column = model.id if model is Tenant else model.tenant_id
    stmt = (select(model).where(tenant_column == device.tenant_id, model.sync_version > since,
                                model.sync_version <= upto)
            .order_by(model.sync_version).limit(limit))
    if model is Outlet:
        stmt = stmt.where(Outlet.id == device.outlet_id)
    elif model in (OutletProduct, PromotionAllowance):
        stmt = stmt.where(model.outlet_id == device.outlet_id)
    elif model is Transfer:  # the receiving outlet's: what is on its way to it
        stmt = stmt.where(Transfer.to_outlet_id == device.outlet_id)
    return session.execute(stmt).scalars().all()


def _visible(entity: str, obj, device: Device) -> bool:
    if entity == "product":
        return obj.is_published
    if entity == "user":
        return obj.role in OUTLET_ROLES and obj.outlet_id in (None, device.outlet_id)
    return True


def _customer_usage(session, customers) -> dict[str, dict[str, int]]:
    uuids = [c.uuid for c in customers]
    if not uuids:
        return {}
    usage: dict[str, dict[str, int]] = defaultdict(dict)
    rows = session.execute(
        select(PromotionUsage.customer_uuid, PromotionUsage.promotion_id, func.sum(PromotionUsage.count))
        .where(PromotionUsage.customer_uuid.in_(uuids))
        .group_by(PromotionUsage.customer_uuid, PromotionUsage.promotion_id)
    ).all()
    for customer_uuid, promotion_id, count in rows:
        usage[customer_uuid][str(promotion_id)] = int(count)
    return usage


def _serialise(session, items, device: Device) -> list[dict]:
    usage = _customer_usage(session, [obj for entity, obj, _ in items if entity == "customer"])
    changes = []
    for entity, obj, version in items:
        if entity == "tombstone":
            changes.append({"entity": obj.entity, "op": "delete", "id": obj.entity_id, "version": version,
                            "data": None})
        elif not _visible(entity, obj, device):
            changes.append({"entity": entity, "op": "delete", "id": obj.id, "version": version, "data": None})
        else:
            data = wire.dump(entity, obj)
            if entity == "customer":
                data["promotion_usage"] = usage.get(obj.uuid, {})
                data["applied_seq"] = (obj.applied_seqs or {}).get(str(device.outlet_id), 0)
            changes.append({"entity": entity, "op": "upsert", "id": obj.id, "version": version, "data": data})
    return changes


def _page(session, device: Device, since: int, upto: int, limit: int, with_tombstones: bool):
    streams = []
    for model in MODELS:
        rows = _rows_since(session, model, device, since, upto, limit + 1)
        streams.append([(row.sync_version, model.__sync_entity__, row) for row in rows])
    if with_tombstones:
        tombstones = session.execute(
            select(Tombstone).where(
                Tombstone.tenant_id == device.tenant_id, Tombstone.sync_version > since,
                Tombstone.sync_version <= upto,
                or_(Tombstone.outlet_id.is_(None), Tombstone.outlet_id == device.outlet_id),
            ).order_by(Tombstone.sync_version).limit(limit + 1)
        ).scalars().all()
        streams.append([(t.sync_version, "tombstone", t) for t in tombstones])
    merged = list(heapq.merge(*streams, key=lambda item: item[0]))
    has_more = len(merged) > limit
    taken = merged[:limit]
    items = [(entity, obj, version) for version, entity, obj in taken]
    cursor = taken[-1][0] if has_more else upto
    return items, cursor, has_more


def current_version(session, tenant_id: int) -> TenantVersion:
    return session.get(TenantVersion, tenant_id)


def pull(session, device: Device, since: int, limit: int) -> dict:
    counter = current_version(session, device.tenant_id)
    upto = counter.version
    if since > upto or (0 < since < counter.tombstone_floor):
        raise MustRefetch(snapshot(session, device))
    items, cursor, has_more = _page(session, device, since, upto, limit, with_tombstones=since > 0)
    return {"changes": _serialise(session, items, device), "cursor": cursor, "has_more": has_more}


def snapshot(session, device: Device) -> dict:
    """Everything the outlet should hold now, as upserts (and deletes for invisible rows)."""
    upto = current_version(session, device.tenant_id).version
    items, _, _ = _page(session, device, 0, upto, limit=10**9, with_tombstones=False)
    return {"changes": _serialise(session, items, device), "cursor": upto, "has_more": False}


def prune_tombstones(session, before) -> int:
    """Drop tombstones deleted before `before`; edges behind them must refetch."""
    pruned = 0
    floors = session.execute(
        select(Tombstone.tenant_id, func.max(Tombstone.sync_version))
        .where(Tombstone.deleted_at < before).group_by(Tombstone.tenant_id)
    ).all()
    for tenant_id, floor in floors:
        counter = session.get(TenantVersion, tenant_id)
        counter.tombstone_floor = max(counter.tombstone_floor, floor)
        pruned += session.query(Tombstone).filter(Tombstone.tenant_id == tenant_id,
                                                  Tombstone.sync_version <= floor).delete()
    session.flush()
    return pruned
