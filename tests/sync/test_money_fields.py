"""Money and rates on the wire: the documented pattern is the whole rule. A string the
pattern accepts loads, anything else is refused, JSON numbers and other scripts' digits
included, so the OpenAPI documents describe exactly what the apps take."""
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from sync.web.fields import Money, Rate

FIELDS = {"plain": Money(), "signed": Money(allow_negative=True), "price": Money(positive=True), "rate": Rate()}
SAMPLES = st.one_of(st.from_regex(r"^-?[0-9]{1,17}(\.[0-9]{0,3})?$", fullmatch=True), st.text(max_size=20),
                    st.sampled_from(["0", "0.00", "-0.00", "00.01", "100", "100.01", "999999999999999.99",
                                     "1000000000000000", "٣٠٠٠", "1٠.00", " 1.00", "1.00\n", "+1", "1e3"]))


def load(name, value):
    schema = Schema.from_dict({"v": FIELDS[name]})()
    return schema.load({"v": value})["v"]


@settings(max_examples=300, derandomize=True, database=None)
@given(st.sampled_from(sorted(FIELDS)), SAMPLES)
def test_a_value_loads_exactly_when_the_documented_pattern_matches_it(name, value):
    pattern = FIELDS[name].metadata["pattern"]
    try:
        load(name, value)
        accepted = True
    except ValidationError:
        accepted = False
    ecma = pattern.removesuffix("$") + r"\Z"  # JSON Schema's `$` is the end, not "before a last newline"
    assert accepted == bool(re.search(ecma, value)), (name, value, pattern)


@pytest.mark.parametrize("value", [95000, 95000.5, True, None, ["1.00"]])
def test_json_numbers_and_other_types_are_refused(value):
    with pytest.raises(ValidationError):
        load("plain", value)


def test_arabic_indic_digits_are_not_an_amount():
    with pytest.raises(ValidationError):
        load("plain", "٩٥٠٠٠.٠٠")


def test_a_price_of_zero_is_refused_with_the_price_rule():
    price = Money(positive=True, min_message="Product price must be positive")
    schema = Schema.from_dict({"price": price})()
    for value in ("0.00", "0", "-5.00"):
        with pytest.raises(ValidationError) as refused:
            schema.load({"price": value})
        assert refused.value.messages == {"price": ["Product price must be positive"]}
    assert schema.load({"price": "0.01"}) == {"price": 1}
