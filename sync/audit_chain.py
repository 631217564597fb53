"""The hash chain of a device's audit records, computed alike at the edge and the cloud.

Each record names the hash of the device's record before it (`prev_hash`; the first
names `GENESIS`) and carries its own hash, the SHA-256 of the canonical JSON of its
chained fields. A record deleted or edited afterwards breaks the chain at a place that
`find_break` names: the next record's `prev_hash` no longer matches, or the edited
record's own hash no longer matches its fields."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sync.ids import sha256_hex

GENESIS = "0" * 64

# What the hash covers: every field of the record but its own hash and local row id.
CHAINED_FIELDS = ("uuid", "device_id", "seq", "outlet_id", "terminal", "actor_id", "actor_username", "actor_role",
                  "action", "object_type", "object_id", "before", "after", "at", "at_local", "prev_hash")


def record_hash(record: Mapping) -> str:
    """The hash a record must carry, from its chained fields (missing ones count as null)."""
    return sha256_hex({name: record.get(name) for name in CHAINED_FIELDS})


@dataclass(frozen=True)
class ChainBreak:
    """Where a device's chain stops holding, and why."""

    device_id: int | None
    seq: int
    record_uuid: str | None
    # "missing" (a gap before seq), "prev_hash" (links to another record), "hash" (fields edited),
    # "duplicate" (two records claim the seq: the last one was deleted and its seq used again)
    problem: str
    expected: str
    found: str

    def to_dict(self) -> dict:
        return {"device_id": self.device_id, "seq": self.seq, "record_uuid": self.record_uuid,
                "problem": self.problem, "expected": self.expected, "found": self.found}


def check_link(record: Mapping, previous: Mapping | None) -> ChainBreak | None:
    """Whether `record` follows `previous` (the device's record with the seq before, or
    None when there is none) and its own hash matches its fields."""
    seq = record["seq"]
    own = record_hash(record)
    if own != record["hash"]:
        return ChainBreak(record.get("device_id"), seq, record.get("uuid"), "hash", own, record["hash"])
    if previous is None and seq != 1:
        return ChainBreak(record.get("device_id"), seq, record.get("uuid"), "missing",
                          f"seq {seq - 1}", "nothing")
    if previous is not None and previous["seq"] == seq:
        return ChainBreak(record.get("device_id"), seq, record.get("uuid"), "duplicate",
                          f"one record at seq {seq}", f"another record at seq {seq}: {previous.get('uuid')}")
    expected = GENESIS if previous is None else previous["hash"]
    if previous is not None and previous["seq"] != seq - 1:
        return ChainBreak(record.get("device_id"), seq, record.get("uuid"), "missing",
                          f"seq {seq - 1}", f"seq {previous['seq']}")
    if record["prev_hash"] != expected:
        return ChainBreak(record.get("device_id"), seq, record.get("uuid"), "prev_hash", expected, record["prev_hash"])
    return None


def find_break(records: Iterable[Mapping]) -> ChainBreak | None:
    """The first break in one device's records, given in seq order (None: it holds)."""
    previous = None
    for record in records:
        found = check_link(record, previous)
        if found is not None:
            return found
        previous = record
    return None
