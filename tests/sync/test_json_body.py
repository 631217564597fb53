"""How deeply a JSON body nests, counted without parsing it (brackets inside strings do
not count), so the apps can refuse `[[[[…]]]]` before Python's decoder recurses."""
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.web.json_body import MAX_DEPTH, nesting_depth, too_deep

JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                           max_leaves=20)


def depth_of(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    return 0


@settings(max_examples=200, derandomize=True, database=None)
@given(JSON_VALUES)
def test_the_count_matches_the_parsed_structure(value):
    assert nesting_depth(json.dumps(value).encode()) == depth_of(value)


def test_brackets_and_escaped_quotes_inside_strings_do_not_count():
    text = json.dumps({"note": '[[[{{{ \\" ]]] "quoted" [[['}).encode()
    assert nesting_depth(text) == 1


def test_a_thousand_levels_is_too_deep_and_the_limit_is_not():
    assert too_deep(b"[" * 1000 + b"]" * 1000)
    assert not too_deep(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
    assert too_deep(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
