"""JSON request bodies are read once, here, before any view or schema sees them.

A body nested deeper than `MAX_DEPTH` is refused before it is parsed: Python's JSON
decoder and every recursive walk after it (schemas, text checks) would otherwise run
out of stack on `[[[[…]]]]` and answer a 500. A body that is not JSON at all is refused
with the same code, so a client learns one thing: `INVALID_JSON`.
"""
from __future__ import annotations

import re
from itertools import accumulate

from flask import request
from werkzeug.exceptions import BadRequest

from sync.web.errors import ValidationFailed

MAX_DEPTH = 32  # the deepest body the apps take (a sync push) nests 7 levels
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def nesting_depth(data: bytes) -> int:
    """How deeply the arrays and objects of a JSON text nest (brackets in strings do not count)."""
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def too_deep(data: bytes, limit: int = MAX_DEPTH) -> bool:
    if data.count(b"[") + data.count(b"{") <= limit:
        return False  # cannot nest deeper than it has brackets: the common, free case
    return nesting_depth(data) > limit


def check_json_body() -> None:
    """A `before_request` hook: refuse deep or malformed JSON bodies with INVALID_JSON."""
    if not request.is_json:
        return
    data = request.get_data(cache=True)
    if not data.strip():
        return  # no body: the view's schema says what is missing
    if too_deep(data):
        raise ValidationFailed(f"The JSON body nests deeper than {MAX_DEPTH} levels", "INVALID_JSON")
    try:
        request.get_json()  # parsed once and kept: later readers get the same value
    except BadRequest:
        raise ValidationFailed("The request body is not valid JSON", "INVALID_JSON") from None


def install_json_guard(app) -> None:
    """Run the check before every other hook of the app."""
    app.before_request_funcs.setdefault(None, []).insert(0, check_json_body)


def bounded_socketio_packet():
    """A Socket.IO packet class (`serializer=` of the server) that drops a packet nested
    deeper than MAX_DEPTH, with one warning, instead of a RecursionError traceback in the
    decoder: the packet becomes an event no handler listens to."""
    import logging

    from socketio import packet

    log = logging.getLogger(__name__)

    class BoundedPacket(packet.Packet):
        def decode(self, encoded_packet):
            if isinstance(encoded_packet, str) and too_deep(encoded_packet.encode("utf-8", "replace")):
                log.warning("dropped a Socket.IO packet nested deeper than %d levels", MAX_DEPTH)
                encoded_packet = '2["__dropped__"]'
            return super().decode(encoded_packet)

    return BoundedPacket
