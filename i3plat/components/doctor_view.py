"""The site doctor's checklist as Dash components (pure: a report in, components out)."""

from __future__ import annotations

from typing import Any

from dash import html

from i3plat.doctor import CHECKS, Check, Evidence, SiteReport, Status
from i3plat.i18n import N_, Translator

ICONS = {Status.OK: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.SKIPPED: "–"}
STATUS_NAMES = {
    Status.OK: N_("passed"),
    Status.WARN: N_("warning"),
    Status.FAIL: N_("failed"),
    Status.SKIPPED: N_("skipped"),
}
PENDING = "pending"


def attrs(**values: str) -> dict[str, Any]:
    """`data-*` / `aria-*` attributes (`data_check` → `data-check`), typed loosely as Dash takes them."""
    return {name.replace("_", "-"): value for name, value in values.items()}


def check_dom_id(check_id: str) -> str:
    """`proxy.version` → `doctor-check-proxy-version` (ids usable in CSS selectors and tests)."""
    return "doctor-check-" + check_id.replace(".", "-").replace("_", "-")


def icon(status: Status | None, t: Translator) -> html.Span:
    name = status.value if status else PENDING
    label = t(STATUS_NAMES[status]) if status else t("not run yet")
    return html.Span(
        ICONS[status] if status else "○",
        className=f"doctor-icon doctor-{name}",
        title=label,
        role="img",
        **attrs(aria_label=label),
    )


def evidence_block(evidence: Evidence, t: Translator) -> html.Div:
    parts: list[Any] = []
    if evidence.http_status is not None:
        parts.append(html.Span(f"HTTP {evidence.http_status}", className="doctor-http badge text-bg-light"))
    if evidence.note is not None:
        parts.append(html.Span(evidence.note.render(t), className="doctor-note"))
    if evidence.message:
        parts.append(html.Code(evidence.message, className="doctor-message"))
    if evidence.request:
        parts.append(html.Div(evidence.request, className="doctor-request"))
    return html.Div(parts, className="doctor-evidence")


def check_item(check: Check, t: Translator) -> html.Li:
    body: list[Any] = [html.Div(t(check.title), className="doctor-title")]
    body.extend(evidence_block(e, t) for e in check.evidence)
    if check.fix is not None and check.status in (Status.WARN, Status.FAIL):
        body.append(
            html.Div(
                [html.Strong(t("How to fix") + ": "), check.fix.render(t)],
                className=f"doctor-fix doctor-fix-{check.status.value}",
            )
        )
    return html.Li(
        [icon(check.status, t), html.Div(body, className="doctor-body")],
        className=f"doctor-check doctor-check-{check.status.value}",
        id=check_dom_id(check.id),
        **attrs(data_status=check.status.value, data_check=check.id),
    )


def checklist(report: SiteReport | None, t: Translator) -> html.Ol:
    """The report's checks, or every check still to run when there is no report yet."""
    if report is None:
        items = [
            html.Li(
                [
                    icon(None, t),
                    html.Div(html.Div(t(spec.title), className="doctor-title"), className="doctor-body"),
                ],
                className="doctor-check doctor-check-pending",
                id=check_dom_id(spec.id),
                **attrs(data_status=PENDING, data_check=spec.id),
            )
            for spec in CHECKS
        ]
    else:
        items = [check_item(check, t) for check in report.checks]
    return html.Ol(items, className="doctor-checklist list-unstyled", id="doctor-checklist")


def summary(report: SiteReport, t: Translator) -> html.Div:
    counts = report.counts()
    badges = [
        html.Span(
            f"{t(STATUS_NAMES[status])} {counts[status.value]}",
            className=f"badge doctor-badge doctor-badge-{status.value}",
        )
        for status in (Status.OK, Status.WARN, Status.FAIL, Status.SKIPPED)
        if counts[status.value]
    ]
    verdict = {
        Status.FAIL: t("Some checks failed: start with the first ✗ below."),
        Status.WARN: t("Everything needed works; the warnings below are worth a look."),
    }.get(report.worst, t("Every check passed."))
    return html.Div(
        [
            html.Span(verdict, className="doctor-verdict"),
            *badges,
            html.Span(
                t("Checked in {seconds} s", seconds=t.number(report.seconds, 1)), className="doctor-duration"
            ),
        ],
        className=f"doctor-summary doctor-summary-{report.worst.value}",
        id="doctor-summary-line",
        **attrs(data_status=report.worst.value),
    )
