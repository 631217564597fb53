"""Who did what at this till: one append-only, hash-chained record per sensitive action.

Services call `record(session, ...)` inside the transaction of the action itself, so the
action and its record are on disk together or not at all; the record also goes into the
outbox (`audit.recorded`) to reach head office exactly once, like a sale. Each device's
records chain by hash (sync/audit_chain.py): a row deleted or edited by hand afterwards
shows as a break that `verify` names."""
from __future__ import annotations

from datetime import UTC

from sqlalchemy import select

from edge.models import AuditHead, AuditRecord, SyncState, User
from edge.services.syncing import mirror_cache, outbox
from edge.services.syncing import outlet as outlet_settings
from sync import audit_chain
from sync.errors import Unavailable
from sync.ids import canonical_json, new_uuid
from sync.timeutil import utcnow
from sync.vocab import EDGE_AUDIT_ACTIONS


def _staff_member(session, user_id: int | None) -> tuple[str, str]:
    if user_id is None:
        return "", ""
    staff = mirror_cache.get("audit-staff", lambda: {
        u.id: (u.username, u.role) for u in session.execute(select(User)).scalars()})
    return staff.get(user_id) or ("", "")


def _outlet_id(session) -> int | None:
    try:
        return outlet_settings.outlet(session).id
    except Unavailable:  # not enrolled yet: the record still stands, without an outlet
        return None


def _json(value: dict | None) -> str | None:
    return None if value is None else canonical_json(value)


def record(session, action: str, *, user_id: int | None, terminal: int | None = None, object_type: str = "",
           object_id: object = "", before: dict | None = None, after: dict | None = None,
           username: str | None = None) -> AuditRecord:
    """Append the record of `action` by `user_id` (or, for a failed login, a bare
    `username`) to this device's chain, in the caller's transaction."""
    if action not in EDGE_AUDIT_ACTIONS:
        raise ValueError(f"{action!r} is not an audit action of the till (sync.vocab.EDGE_AUDIT_ACTIONS)")
    device_id = session.execute(select(SyncState.device_id).where(SyncState.id == 1)).scalar()
    last = session.get(AuditHead, device_id or 0)
    known_name, role = _staff_member(session, user_id)
    now = utcnow()
    values = {
        "uuid": new_uuid(), "device_id": device_id, "seq": (last.seq + 1) if last else 1,
        "outlet_id": _outlet_id(session), "terminal": terminal, "actor_id": user_id,
        "actor_username": known_name or (username or ""), "actor_role": role, "action": action,
        "object_type": object_type, "object_id": "" if object_id is None else str(object_id),
        "before": _json(before), "after": _json(after),
        "at": now.isoformat(timespec="microseconds") + "Z",
        "at_local": now.replace(tzinfo=UTC).astimezone(outlet_settings.timezone(session)).isoformat(),
        "prev_hash": last.hash if last else audit_chain.GENESIS,
    }
    values["hash"] = audit_chain.record_hash(values)
    row = AuditRecord(**values)
    session.add(row)
    if last is None:
        session.add(AuditHead(device_id=device_id or 0, seq=values["seq"], hash=values["hash"]))
    else:
        last.seq, last.hash = values["seq"], values["hash"]
    session.flush()
    outbox.append(session, "audit.recorded", values["uuid"], values)
    return row


def as_dict(row: AuditRecord) -> dict:
    return {name: getattr(row, name) for name in (*audit_chain.CHAINED_FIELDS, "hash")}


def verify(session) -> dict:
    """Walk every device's chain in this database: where it first breaks, if anywhere."""
    rows = session.execute(select(AuditRecord).order_by(AuditRecord.device_id, AuditRecord.seq)).scalars().all()
    chains: dict[int | None, list[dict]] = {}
    for row in rows:
        chains.setdefault(row.device_id, []).append(as_dict(row))
    heads = {head.device_id: head for head in session.execute(select(AuditHead)).scalars()}
    breaks = []
    for device_id in sorted(set(chains) | {h or None for h in heads}, key=lambda d: d or 0):
        chain = chains.get(device_id, [])
        found = audit_chain.find_break(chain) or _tail_missing(device_id, chain, heads.get(device_id or 0))
        if found is not None:
            breaks.append(found.to_dict())
    return {"ok": not breaks, "records": len(rows), "breaks": breaks}


def _tail_missing(device_id, chain: list[dict], head: AuditHead | None) -> audit_chain.ChainBreak | None:
    """The chain's last records deleted: the head remembers a later seq than the last row."""
    last_seq, last_hash = (chain[-1]["seq"], chain[-1]["hash"]) if chain else (0, audit_chain.GENESIS)
    if head is None or (head.seq == last_seq and head.hash == last_hash):
        return None
    return audit_chain.ChainBreak(device_id, head.seq, None, "missing", f"seq {head.seq} ({head.hash[:12]})",
                                  f"seq {last_seq}")
