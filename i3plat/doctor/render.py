"""Reports as text for a terminal and as JSON for scripts (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from i3plat.doctor.model import Check, Evidence, SiteReport, Status, Translate

SYMBOLS = {Status.OK: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.SKIPPED: "-"}
INDENT = "      "


def evidence_lines(evidence: Evidence, t: Translate) -> list[str]:
    """`HTTP 500 · our note · upstream message`, then the request on its own line."""
    parts = []
    if evidence.http_status is not None:
        parts.append(f"HTTP {evidence.http_status}")
    if evidence.note is not None:
        parts.append(evidence.note.render(t))
    if evidence.message:
        parts.append(evidence.message)
    lines = [" · ".join(parts)] if parts else []
    if evidence.request:
        lines.append(f"  {evidence.request}")
    return lines


def check_lines(check: Check, t: Translate) -> list[str]:
    lines = [f"  {SYMBOLS[check.status]} {t(check.title)}"]
    for evidence in check.evidence:
        lines.extend(INDENT + line for line in evidence_lines(evidence, t))
    if check.fix is not None and check.status in (Status.WARN, Status.FAIL):
        lines.append(INDENT + t("Fix: {fix}", fix=check.fix.render(t)))
    return lines


def site_heading(report: SiteReport, t: Translate) -> str:
    counts = report.counts()
    summary = t(
        "passed {ok} · warnings {warn} · failed {fail} · skipped {skipped}",
        ok=counts["ok"],
        warn=counts["warn"],
        fail=counts["fail"],
        skipped=counts["skipped"],
    )
    return f"{SYMBOLS[report.worst]} {report.site}  ({summary}; {report.seconds:.1f} s)"


def render_text(reports: Sequence[SiteReport], t: Translate) -> str:
    """One block per site: a heading, then one line per check with evidence and fix indented."""
    blocks = []
    for report in reports:
        lines = [site_heading(report, t)]
        for check in report.checks:
            lines.extend(check_lines(check, t))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def to_json(reports: Sequence[SiteReport], t: Translate) -> dict[str, Any]:
    """`{"sites": [...], "summary": {"sites", "failed", "ok", "warn", "fail", "skipped"}}`."""
    totals = {s.value: 0 for s in Status}
    for report in reports:
        for key, value in report.counts().items():
            totals[key] += value
    return {
        "sites": [r.to_plain(t) for r in reports],
        "summary": {"sites": len(reports), "failed": sum(1 for r in reports if r.failed), **totals},
    }
