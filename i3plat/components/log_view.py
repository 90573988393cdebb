"""Pure builders for the logs page and its panels: picker options, notes, named failures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from dash import html

from i3plat.collector.logs import MAX_BYTES, MAX_LINES, TAIL_CHOICES, LogLine, PodList, PodLog
from i3plat.collector.records import Failure
from i3plat.i18n import N_, Translator

CAUSE_TEXT: dict[str, str] = {
    "unreachable": N_("the site is unreachable"),
    "forbidden": N_("access is forbidden"),
    "no_endpoints": N_("the service has no ready endpoints"),
    "query_error": N_("the site could not answer this request"),
    "timeout": N_("the site did not answer in time"),
    "internal": N_("internal error"),
}
RANGE_TEXT: dict[str, str] = {
    "15m": N_("last 15 minutes"),
    "1h": N_("last hour"),
    "6h": N_("last 6 hours"),
    "24h": N_("last 24 hours"),
    "7d": N_("last 7 days"),
}
ALL_RETAINED = "all"
SINCE_CHOICES: dict[str, tuple[int | None, str]] = {
    ALL_RETAINED: (None, N_("All retained")),
    "5m": (300, N_("last 5 minutes")),
    "15m": (900, N_("last 15 minutes")),
    "1h": (3600, N_("last hour")),
    "6h": (21_600, N_("last 6 hours")),
    "24h": (86_400, N_("last 24 hours")),
}


def cause_text(failure: Failure, t: Translator) -> str:
    if failure.code == "not_found":
        return t("not found")
    return t(CAUSE_TEXT.get(failure.cause, CAUSE_TEXT["internal"]))


def failure_alert(failure: Failure, what: str, t: Translator) -> html.Div:
    """What failed and why, in words, with the site's own message for the expert."""
    detail = failure.upstream_message or failure.message
    return html.Div(
        [
            html.Strong(t("Could not read {what}: {cause}", what=what, cause=cause_text(failure, t))),
            html.Div(detail, className="small text-body-secondary log-error-detail"),
        ],
        className="alert alert-danger py-2 mb-2 log-error",
        role="alert",
    )


def log_failure_alert(record: PodLog, t: Translator) -> html.Div:
    """A log that could not be read; a missing previous container is said as what it is.

    The member answers 400 ("previous terminated container … not found") when the container
    never restarted: not a refusal, just nothing to show.
    """
    failure = record.failure
    assert failure is not None
    if record.previous and failure.cause == "query_error":
        return html.Div(
            [
                html.Strong(t("No log from before a restart")),
                html.Div(
                    t("This container has not restarted, so there is no previous container to read."),
                    className="small",
                ),
            ],
            className="alert alert-info py-2 mb-2 log-error",
            role="status",
        )
    return failure_alert(failure, t("the log"), t)


def options(values: list[str], current: str | None = None) -> list[dict[str, str]]:
    """Dropdown options; a current value the site no longer lists stays selectable."""
    names = list(values)
    if current and current not in names:
        names.insert(0, current)
    return [{"label": name, "value": name} for name in names]


def container_options(pods: PodList, pod: str | None, t: Translator) -> list[dict[str, str]]:
    found = pods.pod(pod)
    if found is None:
        return []
    main = [{"label": name, "value": name} for name in found.containers]
    init = [{"label": t("{name} (init)", name=name), "value": name} for name in found.init_containers]
    return main + init


def pod_options(pods: PodList, t: Translator) -> list[dict[str, str]]:
    return [{"label": f"{p.name} · {t(p.phase) if p.phase else '?'}", "value": p.name} for p in pods.pods]


PHASES = (N_("Running"), N_("Pending"), N_("Succeeded"), N_("Failed"), N_("Unknown"))


def tail_options(t: Translator) -> list[dict[str, Any]]:
    return [{"label": t("last {n} lines", n=t.number(n)), "value": n} for n in TAIL_CHOICES]


def since_options(t: Translator) -> list[dict[str, str]]:
    return [{"label": t(label), "value": key} for key, (_, label) in SINCE_CHOICES.items()]


def logs_search(query: Mapping[str, Any]) -> str:
    """The URL query string of a logs view; empty values are left out."""
    keep = {k: v for k, v in query.items() if v not in (None, "", False, 0)}
    flags = {k: "1" for k, v in keep.items() if v is True}
    return "?" + urlencode({**keep, **flags}) if keep else ""


def render_lines(lines: list[LogLine], with_timestamps: bool, t: Translator) -> str:
    """One text block (one DOM node per poll, not per line): cheap for thousands of lines.

    Timestamps are in the viewer's zone (`t.zone`), fixed width so the lines stay aligned.
    """
    if with_timestamps:
        return "".join(f"{_stamp(line.ts_ns, t)} {line.text}\n" for line in lines)
    return "".join(f"{line.text}\n" for line in lines)


def _stamp(ts_ns: int | None, t: Translator) -> str:
    if ts_ns is None:
        return " " * 23
    return t.moment(ts_ns // 1_000_000 / 1000, "precise")


def log_notes(record: PodLog, t: Translator) -> list[str]:
    """Say plainly what is not shown."""
    notes = []
    if record.more_before:
        notes.append(
            t(
                "Showing the newest {n} lines; older lines are not shown (at most {max} lines or {mib} MiB).",
                n=t.number(len(record.lines)),
                max=t.number(MAX_LINES),
                mib=t.number(MAX_BYTES / 2**20),
            )
        )
    if record.cut_by_site:
        notes.append(t("The log is very large; the site stopped sending before the newest lines."))
    if record.long_lines:
        notes.append(t("{n} very long lines were shortened.", n=t.number(record.long_lines)))
    return notes


def fetched_text(moment: float | None, t: Translator) -> str:
    if moment is None:
        return ""
    return t("Read at {time}", time=t.moment(moment, "medium"))
