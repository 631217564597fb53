"""QRIS payloads as a dynamic QR carries them: EMVCo merchant-presented TLV fields closed
by a CRC-16/CCITT-FALSE checksum (tag 63), so any QRIS reader accepts the simulator's QR."""
from __future__ import annotations


def crc16(text: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) as four upper-case hex digits."""
    crc = 0xFFFF
    for byte in text.encode("ascii"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return f"{crc:04X}"


def _field(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"QRIS field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def dynamic_qris(*, acquirer_domain: str, merchant_pan: str, amount: int, reference: str,
                 merchant_name: str = "GATEWAY SIMULATOR", city: str = "JAKARTA") -> str:
    """A dynamic (one-time, point of initiation 12) QRIS for `amount` whole rupiah."""
    account = _field("00", acquirer_domain) + _field("01", merchant_pan) + _field("03", "UMI")
    national = _field("00", "ID.CO.QRIS.WWW") + _field("02", "ID1020000000001") + _field("03", "UMI")
    body = (_field("00", "01") + _field("01", "12") + _field("26", account) + _field("51", national)
            + _field("52", "5814") + _field("53", "360") + _field("54", f"{amount}.00") + _field("58", "ID")
            + _field("59", merchant_name[:25]) + _field("60", city[:15]) + _field("62", _field("05", reference[:25]))
            + "6304")
    return body + crc16(body)
