"""The fast JSON writer (``io.writer.dumps_json``) gives exactly the bytes of the standard encoder."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.io import writer
from compliance.io.writer import _orjson_safe, dumps_json


def reference(value):
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


# odd text: every control character, U+2028/U+2029, BOM, non-BMP, quotes and backslashes
odd_text = st.text(st.one_of(st.characters(max_codepoint=0x20), st.sampled_from("\u2028\u2029\ufeff\u00e9\u20ac\U0001f600\"\\/\x7f"),
                             st.characters(blacklist_categories=("Cs",))), max_size=12)
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
                    st.floats(allow_nan=True, allow_infinity=True), odd_text)
documents = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(odd_text, inner, max_size=4)), max_leaves=25)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_same_bytes_as_json_dumps(doc):
    assert dumps_json(doc) == reference(doc)


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_the_fast_path_accepts_are_written_identically(x):
    # the guard's claim, checked against orjson itself: every float it lets through is written as repr() would
    if _orjson_safe(x) and writer.orjson is not None:
        assert writer.orjson.dumps(x).decode() == json.dumps(x)


def test_guard_sends_the_differing_values_to_the_standard_encoder():
    for value in (float("nan"), float("inf"), 1e-05, -6.2e-9, ("tuple",)):
        assert not _orjson_safe({"v": [value]})
    for key in (1, True, None, 2.5):  # keys are not walked: orjson refuses a key that is not text, the standard encoder writes it
        doc = {"v": [{key: "a key that is not text"}]}
        assert dumps_json(doc) == reference(doc) and dumps_json(doc, indent=False) == json.dumps(
            doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert _orjson_safe({"a": [1, 2.5, 1e16, 0.0001, 0.0, None, True, "x"]})
    big = {"n": 2 ** 65}  # passes the guard; orjson refuses it and the standard encoder writes it
    assert _orjson_safe(big) and dumps_json(big) == reference(big)
    assert math.isnan(json.loads(dumps_json({"v": float("nan")}))["v"])


@settings(max_examples=300, deadline=None)
@given(documents)
def test_compact_lines_same_bytes_as_json_dumps(doc):
    assert dumps_json(doc, indent=False) == json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
