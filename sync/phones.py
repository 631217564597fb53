"""Phone numbers normalised the same way at the edge and in the cloud, so that a
customer's phone is one key everywhere (unique per tenant)."""
from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s.\-()/]")
_LOCAL = re.compile(r"^0\d{7,14}$")
_INTERNATIONAL = re.compile(r"^\+\d{8,15}$")


class PhoneError(ValueError):
    pass


def normalize(raw: str) -> str:
    """'+62 812-3456-789' -> '08123456789'; other countries keep their '+'."""
    phone = _SEPARATORS.sub("", raw or "")
    if phone.startswith("+62"):
        phone = "0" + phone[3:]
    elif phone.startswith("62") and len(phone) >= 10:
        phone = "0" + phone[2:]
    if _LOCAL.match(phone) or _INTERNATIONAL.match(phone):
        return phone
    raise PhoneError("Phone must be 8 to 15 digits, e.g. 08123456789 or +6281234567890")
