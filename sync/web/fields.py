"""Marshmallow fields for the wire formats: money, rates, UTC times."""
from __future__ import annotations

import re
from datetime import datetime

from marshmallow import ValidationError, fields

from sync import money
from sync.timeutil import isoformat, parse_iso

# Links the pages put in <img src> or <a href>: web addresses only, never `javascript:` or
# `data:` (empty: none).
WEB_URL_PATTERN = r"^(https?://[^\s]+)?$"
WEB_URL_MESSAGE = "Must be an http:// or https:// address"

NOT_A_STRING = "Amounts must be decimal strings such as '95000.00', not numbers"
WHOLE_DIGITS = 15  # up to 999999999999999.99: inside money.MAX_AMOUNT, so the pattern is the whole rule
_AMOUNT = rf"[0-9]{{1,{WHOLE_DIGITS}}}(\.[0-9]{{1,2}})?"
_NOT_ZERO = r"(?!0*(\.0*)?$)"


class Money(fields.Field):
    """Minor units in Python, "95000.00" on the wire.

    The wire form is exactly the documented pattern: ASCII digits, at most two decimals,
    a minus sign only where negatives are allowed. JSON numbers are refused (a float has
    already lost the amount it carried), and so are other scripts' digits ("١٢٣").
    `positive` refuses 0.00 as well (product prices), with `min_message`."""

    def __init__(self, *, allow_negative: bool = False, positive: bool = False, min_message: str | None = None,
                 **kwargs):
        sign = "-?" if allow_negative else ""
        self.pattern = f"^{_NOT_ZERO if positive else ''}{sign}{_AMOUNT}$"
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"type": "string", "pattern": self.pattern, "example": "95000.00", **kwargs["metadata"]}
        super().__init__(**kwargs)
        self.allow_negative = allow_negative
        self.positive = positive
        self.min_message = min_message

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return money.format_amount(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError(NOT_A_STRING)
        negative = value.startswith("-")
        if not re.fullmatch(_AMOUNT, value[1:] if negative else value, re.ASCII):
            raise ValidationError("Amounts must be decimal strings such as '95000.00'")
        if negative and not self.allow_negative:
            raise ValidationError(self.min_message or "Must be at least 0.00")
        minor = money.parse_amount(value)
        if minor == 0 and self.positive:
            raise ValidationError(self.min_message or "Must be more than 0.00")
        return minor


class Rate(fields.Field):
    """Basis points in Python, "10.00" (percent, 0 to 100) on the wire; numbers refused."""

    PATTERN = r"^(100(\.00?)?|[0-9]{1,2}(\.[0-9]{1,2})?)$"

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"type": "string", "pattern": self.PATTERN, "example": "10.00", **kwargs["metadata"]}
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return money.format_rate(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(self.PATTERN, value, re.ASCII):
            raise ValidationError("Rates must be percentages from 0 to 100 such as '10.00'")
        return money.parse_rate(value)


class UTCDateTime(fields.Field):
    """Naive-UTC datetimes in Python, ISO 8601 with Z on the wire."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"type": "string", "format": "date-time", **kwargs["metadata"]}
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat(value) if isinstance(value, datetime) else value

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 40:
            raise ValidationError("Not a valid ISO 8601 date-time.")
        try:
            parsed = parse_iso(value)
        except ValueError:
            raise ValidationError("Not a valid ISO 8601 date-time.") from None
        if not 1970 <= parsed.year <= 9998:
            raise ValidationError("Date-time out of range.")
        return parsed
