"""Identifiers made where the record is born (the edge, offline)."""
import hashlib
import json
import re
import uuid


def new_uuid() -> str:
    return str(uuid.uuid4())


UUID_FORM = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_uuid(value: object) -> bool:
    """A UUID in its canonical 8-4-4-4-12 form (what the API documents; uuid.UUID()
    alone would also take braces, a urn: prefix or dashes anywhere)."""
    return isinstance(value, str) and UUID_FORM.fullmatch(value) is not None


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
