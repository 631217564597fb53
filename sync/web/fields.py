"""Marshmallow fields for the wire formats: money, rates, UTC times."""
from __future__ import annotations

from datetime import datetime

from marshmallow import ValidationError, fields

from sync import money
from sync.timeutil import isoformat, parse_iso


class Money(fields.Field):
    """Minor units in Python, "95000.00" on the wire (numbers are accepted on input)."""

    def __init__(self, *, min_value: int | None = None, allow_negative: bool = False,
                 min_message: str | None = None, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$",
                              "example": "95000.00", **kwargs["metadata"]}
        super().__init__(**kwargs)
        self.min_value = 0 if (min_value is None and not allow_negative) else min_value
        self.min_message = min_message

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return money.format_amount(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float):
            # JSON numbers arrive as float when they have a fraction: take their text.
            if value != value or value in (float("inf"), float("-inf")):
                raise ValidationError("Not a valid amount.")
            value = repr(value)
            if "e" in value.lower():
                raise ValidationError("Amounts must be decimal strings such as '95000.00'")
        try:
            minor = money.parse_amount(value)
        except money.MoneyFormatError as error:
            raise ValidationError(str(error)) from None
        if self.min_value is not None and minor < self.min_value:
            raise ValidationError(self.min_message or f"Must be at least {money.format_amount(self.min_value)}")
        return minor


class Rate(fields.Field):
    """Basis points in Python, "10.00" (percent) on the wire."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"type": "string", "pattern": r"^\d{1,3}(\.\d{1,2})?$", "example": "10.00",
                              **kwargs["metadata"]}
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return money.format_rate(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
            value = repr(value)
            if "e" in value.lower():
                raise ValidationError("Rates must be percentages such as '10.00'")
        try:
            return money.parse_rate(value)
        except money.MoneyFormatError as error:
            raise ValidationError(str(error)) from None


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
