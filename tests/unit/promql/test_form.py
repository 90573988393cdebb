"""The form encoder gives exactly urllib's bytes, remembered or not."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from i3plat.promql.form import REMEMBER_FROM_CHARS, encode_form, quote_value

texts = st.text(max_size=REMEMBER_FROM_CHARS * 2)


@given(key=texts, value=texts, repeated=st.lists(texts, max_size=3))
def test_same_bytes_as_urlencode(key: str, value: str, repeated: list[str]) -> None:
    form = {key: value, "match[]": repeated}
    assert encode_form(form) == urlencode(form, doseq=True).encode("ascii")


def test_a_long_value_is_quoted_once_and_then_reused() -> None:
    query = 'sum by (node) (rate(node_cpu_seconds_total{mode!="idle"}[1m])) or ' * 10
    assert len(query) >= REMEMBER_FROM_CHARS
    first = quote_value(query)
    assert quote_value(query) is first
    assert first == urlencode({"q": query})[2:]


def test_short_values_are_not_remembered() -> None:
    time = "1764460800.123"
    assert quote_value(time) == time
    assert quote_value(time + " x") is not quote_value(time + " x")
