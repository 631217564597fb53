"""Checking an outlet's printed merchant QR before the tills offer it: a static QRIS payload
(EMVCo merchant-presented TLV fields, point of initiation 11 = static, closed by the tag-63
CRC-16/CCITT-FALSE). A typo'd or dynamic (one-time) payload would send customers' money
nowhere, so it is refused when it is set."""
from __future__ import annotations

from sync.errors import Invalid

STATIC_INITIATION = "11"  # tag 01: 11 static (reusable), 12 dynamic (one payment)


def crc16(text: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) as four upper-case hex digits."""
    crc = 0xFFFF
    for byte in text.encode("ascii"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return f"{crc:04X}"


def _fields(payload: str) -> dict[str, str]:
    """The top-level TLV fields (tag: value); raises ValueError when they do not parse."""
    fields, at = {}, 0
    while at < len(payload):
        tag, length = payload[at:at + 2], payload[at + 2:at + 4]
        if len(tag) < 2 or not length.isdigit():
            raise ValueError(at)
        value = payload[at + 4:at + 4 + int(length)]
        if len(value) != int(length):
            raise ValueError(at)
        fields[tag] = value
        at += 4 + int(length)
    return fields


def check_static(payload: str) -> str:
    """The payload as it will be stored ("" clears it), or Invalid saying what is wrong."""
    payload = payload.strip()
    if not payload:
        return ""
    if not payload.isascii() or not payload.isprintable():
        raise Invalid("The QRIS payload is plain text as the QR encodes it", "INVALID_QRIS", "static_qris")
    if not payload.startswith("000201") or payload[-8:-4] != "6304":
        raise Invalid("Not a QRIS payload: it starts with 000201 and ends with the 6304 checksum",
                      "INVALID_QRIS", "static_qris")
    if crc16(payload[:-4]) != payload[-4:].upper():
        raise Invalid("The QRIS checksum does not match: check the payload was copied whole", "INVALID_QRIS",
                      "static_qris")
    try:
        fields = _fields(payload)
    except ValueError:
        raise Invalid("The QRIS payload's fields do not parse", "INVALID_QRIS", "static_qris") from None
    if fields.get("01") != STATIC_INITIATION:
        raise Invalid("This is a one-time (dynamic) QR; the outlet's printed QR is a static one (010211)",
                      "QRIS_NOT_STATIC", "static_qris")
    return payload
