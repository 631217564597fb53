"""Marshmallow fields for the wire formats: money, rates, UTC times."""
from __future__ import annotations

import numbers
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import ClassVar

from marshmallow import ValidationError, fields, validate

from sync import money
from sync.patterns import WEB_URL_MESSAGE, WEB_URL_PATTERN  # noqa: F401  (re-exported)
from sync.timeutil import isoformat, parse_iso


class WholeNumber(fields.Integer):
    """An integer that is never truncated: marshmallow's Integer turns 1.5 into 1 and
    2.9 into 2, which on a till sells the wrong quantity without a word. 2 and 2.0 are
    2; 1.5, "1.5" and true are refused."""

    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Not a whole number."}

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        if not isinstance(value, numbers.Integral):
            try:
                number = Decimal(str(value).strip())
            except (InvalidOperation, ValueError):
                raise self.make_error("invalid", input=value) from None
            if not number.is_finite() or number != number.to_integral_value():
                raise self.make_error("invalid", input=value)
            value = int(number)
        return super()._validated(value)


class JsonBoolean(fields.Boolean):
    """true or false, as JSON says them: marshmallow's Boolean also takes 0, 1, "yes" and
    "off", and a body's switch that meant something else must be refused, not guessed."""

    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Not true or false."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Pattern(validate.Regexp):
    """A `Regexp` that must match the whole value, as JSON Schema's anchored `pattern`
    does (Python's `$` would also let a trailing newline through). The document shows
    the pattern, so it says exactly what the field takes."""

    def __call__(self, value):
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


# Secrets, with the rules of sync/passwords.py in the document's own terms.
PASSWORD_PATTERN = r"^(?![0-9]+$)[\s\S]{8,128}$"
PASSWORD_RULE = "8 to 128 characters, not only digits"
PIN_PATTERN = r"^(?!([0-9])\1+$)[0-9]{4,6}$"
PIN_RULE = "PIN must be 4 to 6 digits, not one digit repeated"
USERNAME_PATTERN = r"^[A-Za-z0-9_.@-]{3,80}$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


# Links the pages put in <img src> or <a href>: web addresses only, never `javascript:` or
# `data:` (empty: none).

NOT_A_STRING = "Amounts must be decimal strings such as '95000.00', not numbers"
# up to money.MAX_AMOUNT (10^15) major units, exactly: the pattern is the whole rule
_AMOUNT = r"([0-9]{1,15}(\.[0-9]{1,2})?|1000000000000000(\.0{1,2})?)"
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
    """Naive-UTC datetimes in Python, RFC 3339 on the wire ("2026-11-23T10:00:00Z" or
    with an offset), years 1970 to 9998: the pattern the document shows is the rule."""

    PATTERN = (r"^(19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-[0-9]{2}-[0-9]{2}[Tt]"
               r"[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$")

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"type": "string", "format": "date-time", "pattern": self.PATTERN, **kwargs["metadata"]}
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat(value) if isinstance(value, datetime) else value

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 40 or not re.fullmatch(self.PATTERN, value):
            raise ValidationError("Not a valid RFC 3339 date-time (such as 2026-11-23T10:00:00Z).")
        text = re.sub(r"(\.[0-9]{6})[0-9]+", r"\1", value)  # Python keeps microseconds
        try:
            return parse_iso(text.upper())
        except ValueError:
            raise ValidationError("Not a valid RFC 3339 date-time (such as 2026-11-23T10:00:00Z).") from None


class Day(fields.Date):
    """A calendar date as "YYYY-MM-DD" and nothing else (Python would also read
    "20261123" or "2026-W47-1"); `years` bounds it, and the pattern shows both."""

    def __init__(self, years: tuple[int, int] = (1, 9999), **kwargs):
        first, last = years
        self.years = years
        year = _year_pattern(first, last)
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"pattern": rf"^{year}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", **kwargs["metadata"]}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(self.metadata["pattern"], value):
            raise ValidationError(f"Use a date such as 2026-11-23, from year {self.years[0]} to {self.years[1]}.")
        return super()._deserialize(value, attr, data, **kwargs)


def _year_pattern(first: int, last: int) -> str:
    """A regex for the four-digit years first..last (only the ranges the apps use)."""
    if (first, last) == (2000, 2100):
        return "(20[0-9]{2}|2100)"
    if (first, last) == (1900, 2100):
        return "(19[0-9]{2}|20[0-9]{2}|2100)"
    return "(?!0000)[0-9]{4}"  # years 1 to 9999, as Python's dates
