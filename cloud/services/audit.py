"""Who did what, at head office: the tills' audit records as they arrive (their hash
chain checked on the way in and on demand) and the cloud's own sensitive actions.

A till's records are kept exactly as it chained them, so `verify` can recompute every
hash: a record deleted or edited at the till before it synced shows as a gap or a
mismatch, named by device and seq."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select

from cloud.models import AuditEntry, Outlet
from cloud.services import spreadsheets
from cloud.services.actor import Actor
from sync import audit_chain
from sync.errors import NotFound
from sync.ids import canonical_json, new_uuid
from sync.timeutil import isoformat, parse_iso, utcnow
from sync.vocab import CLOUD_AUDIT_ACTIONS


def _local(session, outlet_id: int | None, moment: datetime) -> str:
    zone_name = session.execute(select(Outlet.timezone).where(Outlet.id == outlet_id)).scalar() if outlet_id else None
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.replace(tzinfo=UTC).astimezone(zone).isoformat()


def _plain(values: dict | None) -> dict | None:
    """Values a JSON record can hold: dates and other objects as their text."""
    if values is None:
        return None
    return {key: value if value is None or isinstance(value, (str, int, bool, list, dict)) else str(value)
            for key, value in values.items()}


def record(session, actor: Actor | None, action: str, *, tenant_id: int, outlet_id: int | None = None,
           object_type: str = "", object_id: object = "", before: dict | None = None, after: dict | None = None,
           username: str | None = None) -> AuditEntry:
    """A sensitive action done through the cloud, in the caller's transaction."""
    if action not in CLOUD_AUDIT_ACTIONS:
        raise ValueError(f"{action!r} is not an audit action of the cloud (sync.vocab.CLOUD_AUDIT_ACTIONS)")
    now = utcnow()
    entry = AuditEntry(
        tenant_id=tenant_id, outlet_id=outlet_id, source="cloud", uuid=new_uuid(), device_id=None, seq=None,
        terminal=None, actor_id=actor.user_id if actor else None,
        actor_username=actor.username if actor else (username or ""), actor_role=actor.role if actor else "",
        action=action, object_type=object_type, object_id="" if object_id is None else str(object_id),
        before=None if before is None else canonical_json(_plain(before)),
        after=None if after is None else canonical_json(_plain(after)),
        at=now.isoformat(timespec="microseconds") + "Z", at_local=_local(session, outlet_id, now), occurred_at=now,
        prev_hash=None, hash=None, chain_ok=True, chain_problem=None, received_at=now)
    session.add(entry)
    return entry


def record_export(session, actor: Actor, what: str, filters: dict) -> AuditEntry:
    """Who took `what` (a report, the catalog, the trail) out of the system, with its filters."""
    return record(session, actor, "export", tenant_id=actor.require_tenant(), outlet_id=actor.outlet_id,
                  object_type=what, after={k: str(v) for k, v in filters.items()})


def _chained(entry: AuditEntry) -> dict:
    return {**{name: getattr(entry, name) for name in audit_chain.CHAINED_FIELDS}, "hash": entry.hash}


def ingest(session, tenant_id: int, outlet_id: int, data: dict, now) -> None:
    """Keep a till's record (once: its uuid is unique, and the event itself is applied
    once), flagged when it does not follow the device's record before it."""
    if session.execute(select(AuditEntry.id).where(AuditEntry.uuid == data["uuid"])).first() is not None:
        return
    previous = session.execute(
        select(AuditEntry).where(AuditEntry.source == "edge", AuditEntry.device_id == data.get("device_id"),
                                 AuditEntry.seq <= data["seq"])
        .order_by(AuditEntry.seq.desc(), AuditEntry.id.desc()).limit(1)).scalar_one_or_none()
    found = audit_chain.check_link(data, None if previous is None else _chained(previous))
    values = {name: data.get(name) for name in audit_chain.CHAINED_FIELDS}
    values["outlet_id"] = outlet_id  # the sending device's outlet, whatever the record says
    session.add(AuditEntry(
        **values, tenant_id=tenant_id, source="edge", hash=data["hash"], occurred_at=parse_iso(data["at"]),
        chain_ok=found is None, chain_problem=None if found is None else json.dumps(found.to_dict()),
        received_at=now))


def entries_query(actor: Actor, filters: dict):
    stmt = select(AuditEntry).where(AuditEntry.tenant_id == actor.require_tenant())
    if actor.outlet_id is not None:
        stmt = stmt.where(AuditEntry.outlet_id == actor.outlet_id)
    if filters.get("outlet_id"):
        stmt = stmt.where(AuditEntry.outlet_id == filters["outlet_id"])
    for name in ("action", "object_type", "object_id"):
        if filters.get(name):
            stmt = stmt.where(getattr(AuditEntry, name) == filters[name])
    if filters.get("actor"):
        stmt = stmt.where(func.lower(AuditEntry.actor_username) == filters["actor"].strip().lower())
    if filters.get("date_from"):
        stmt = stmt.where(AuditEntry.occurred_at >= datetime.combine(filters["date_from"], datetime.min.time()))
    if filters.get("date_to"):
        stmt = stmt.where(AuditEntry.occurred_at < datetime.combine(filters["date_to"], datetime.max.time()))
    return stmt.order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())


def as_dict(entry: AuditEntry) -> dict:
    return {
        "id": entry.id, "uuid": entry.uuid, "source": entry.source, "action": entry.action,
        "actor": {"id": entry.actor_id, "username": entry.actor_username, "role": entry.actor_role},
        "outlet_id": entry.outlet_id, "device_id": entry.device_id, "seq": entry.seq, "terminal": entry.terminal,
        "object_type": entry.object_type, "object_id": entry.object_id,
        "before": json.loads(entry.before) if entry.before else None,
        "after": json.loads(entry.after) if entry.after else None,
        "at": isoformat(entry.occurred_at), "at_local": entry.at_local, "chain_ok": entry.chain_ok,
    }


def verify(session, actor: Actor, outlet_id: int) -> dict:
    """Walk every device's chain of `outlet_id` as the cloud holds it: where it breaks."""
    outlet = session.get(Outlet, outlet_id)
    if outlet is None or outlet.tenant_id != actor.require_tenant() or not actor.can_see_outlet(outlet_id):
        raise NotFound("Outlet")
    rows = session.execute(select(AuditEntry).where(AuditEntry.outlet_id == outlet_id, AuditEntry.source == "edge")
                           .order_by(AuditEntry.device_id, AuditEntry.seq, AuditEntry.id)).scalars().all()
    chains: dict[int | None, list[dict]] = {}
    for row in rows:
        chains.setdefault(row.device_id, []).append(_chained(row))
    breaks = [found.to_dict() for found in (audit_chain.find_break(chain) for chain in chains.values()) if found]
    return {"outlet_id": outlet_id, "ok": not breaks, "records": len(rows), "devices": len(chains),
            "breaks": breaks}


EXPORT_COLUMNS = ("at", "at_local", "outlet_id", "terminal", "username", "role", "action", "object_type",
                  "object_id", "before", "after", "source", "device_id", "seq", "chain_ok")


def export(session, stmt, fmt: str) -> tuple[bytes, str, str]:
    """The filtered trail as CSV or Excel (text cells never run as formulas)."""
    rows = [[isoformat(e.occurred_at), e.at_local, e.outlet_id, e.terminal, e.actor_username, e.actor_role, e.action,
             e.object_type, e.object_id, e.before or "", e.after or "", e.source, e.device_id, e.seq, e.chain_ok]
            for e in session.execute(stmt).scalars()]
    if fmt == "xlsx":
        return spreadsheets.xlsx_bytes("audit", EXPORT_COLUMNS, rows, bold_header=True), spreadsheets.XLSX_MIME, \
            "audit.xlsx"
    return spreadsheets.csv_bytes(EXPORT_COLUMNS, rows), "text/csv", "audit.csv"
