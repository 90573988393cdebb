"""Several catalog queries in one request: `or` of tagged sub-queries, split again by the tag.

The poller asks every site for ~30 metrics per interval. Sent one by one, that is 30 trips
through Karmada's cluster proxy and the member's service proxy per site; 200 sites make 6,000
requests every 15 s, and both the member API servers and the poller's own CPU pay per request.
Tagging each sub-query with `label_replace(q, TAG, "<i>", "", "")` (an empty source label
matches the empty regex, so every series gets the tag) keeps the label sets of different
sub-queries apart, so `or` keeps every series of every sub-query; the answer is split by the
tag. Prometheus evaluates the same expressions either way.
"""

from __future__ import annotations

from collections.abc import Sequence

from i3plat.promql.prom_errors import UnexpectedResponse
from i3plat.promql.results import Series

BATCH_LABEL = "i3plat_batch_index"
"""A label no exporter writes; removed again before anyone sees a series."""


def combine_queries(exprs: Sequence[str]) -> str:
    """One PromQL expression returning the series of every expression in `exprs`, tagged.

    A single expression is sent as it is.
    """
    if not exprs:
        raise ValueError("combine_queries needs at least one expression")
    if len(exprs) == 1:
        return exprs[0]
    return " or ".join(
        f'label_replace({expr}, "{BATCH_LABEL}", "{i}", "", "")' for i, expr in enumerate(exprs)
    )


def split_series(series: Sequence[Series], count: int) -> list[tuple[Series, ...]]:
    """The series of each sub-query, in order, with the tag removed."""
    if count == 1:
        return [tuple(series)]
    parts: list[list[Series]] = [[] for _ in range(count)]
    for one in series:
        tag = one.labels.get(BATCH_LABEL)
        if tag is None or not tag.isdigit() or int(tag) >= count:
            raise UnexpectedResponse(
                f"a series of a combined query carries no valid {BATCH_LABEL}: {tag!r}",
                field=f"data.result[].metric.{BATCH_LABEL}",
                content_type="application/json",
            )
        labels = {k: v for k, v in one.labels.items() if k != BATCH_LABEL}
        parts[int(tag)].append(Series(labels=labels, timestamps=one.timestamps, values=one.values))
    return [tuple(part) for part in parts]
