"""Identifiers made where the record is born (the edge, offline)."""
import hashlib
import json
import uuid


def new_uuid() -> str:
    return str(uuid.uuid4())


def is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def canonical_json(value: object) -> str:
    """The one serialisation hashes are taken over: sorted keys, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(value: object) -> str:
    """Hash of a JSON-able value in canonical form (payload hashes, request bodies)."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
