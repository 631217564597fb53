"""A printed merchant QR's payload as QRIS readers take it (static: point of initiation 11)."""
from cloud.services.qris_payload import crc16


def field(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def static_payload(merchant: str = "PIZZA PALACE YOGYA", initiation: str = "11") -> str:
    account = field("00", "ID.CO.QRIS.WWW") + field("01", "936009143490526303") + field("03", "UMI")
    body = (field("00", "01") + field("01", initiation) + field("26", account) + field("52", "5814")
            + field("53", "360") + field("58", "ID") + field("59", merchant) + field("60", "YOGYAKARTA") + "6304")
    return body + crc16(body)
