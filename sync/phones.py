"""Phone numbers normalised the same way at the edge and in the cloud, so that a
customer's phone is one key everywhere (unique per tenant).

Indonesian numbers are kept in their national form: "+62 812-3456-789", "62812...",
"0062 812..." and "+62 (0)812..." all become "0812...". Other countries keep "+" and
their country code. Only ASCII digits count."""
from __future__ import annotations

import re

_TRUNK = re.compile(r"\(0\)")
_SEPARATORS = re.compile(r"[ .\-()/]")  # what people type between digits (the API documents exactly these)
CHARACTERS = r"^[0-9+ .()/-]{1,40}$"  # every phone that can be taken is made of these
_LOCAL = re.compile(r"^0[0-9]{7,14}$")
_INTERNATIONAL = re.compile(r"^\+[1-9][0-9]{7,14}$")


class PhoneError(ValueError):
    pass


def normalize(raw: str) -> str:
    phone = _SEPARATORS.sub("", _TRUNK.sub("", raw or ""))
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if phone.startswith("+62"):
        phone = "0" + phone[3:]
    elif phone.startswith("62") and len(phone) >= 10:
        phone = "0" + phone[2:]
    if _LOCAL.match(phone) or _INTERNATIONAL.match(phone):
        return phone
    raise PhoneError("Phone must be 8 to 15 digits, e.g. 08123456789 or +6581234567")
