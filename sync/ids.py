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
    return canonical_json_and_sha256(value)[1]


def canonical_json_and_sha256(value: object) -> tuple[str, str]:
    """The canonical form and its hash, serialised once (an outbox row stores both)."""
    text = canonical_json(value)
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()
