"""The fleet's site list: one row per Karmada cluster with its Ready state."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from i3plat.collector.fleet import FleetSnapshot, SiteStatus
from i3plat.i18n import N_, Translator

READY_STYLES: dict[str, tuple[str, str]] = {
    "True": ("success", N_("Ready")),
    "False": ("danger", N_("Not ready")),
    "Unknown": ("warning", N_("Unknown")),
}
SYNC_MODES = {"Push": N_("Push"), "Pull": N_("Pull")}


def ready_badge(state: str, t: Translator) -> dbc.Badge:
    color, label = READY_STYLES.get(state, READY_STYLES["Unknown"])
    return dbc.Badge(t(label), color=color, className="ready-badge", pill=True)


def format_count(value: float | None, t: Translator) -> str:
    return "–" if value is None else t.number(value)


def site_row(site: SiteStatus, t: Translator) -> html.Tr:
    nodes = f"{format_count(site.nodes_ready, t)} / {format_count(site.nodes_total, t)}"
    gpus = f"{format_count(site.gpus_allocated, t)} / {format_count(site.gpus_allocatable, t)}"
    stale_note = html.Small(t("last known"), className="text-muted ms-1") if site.summaries_stale else None
    detail = " — ".join(part for part in (site.reason, site.message) if part)
    since = t.datetime(site.ready_since, "short") if site.ready_since else ""
    return html.Tr(
        [
            html.Td(html.Strong(site.name), className="site-name"),
            html.Td(ready_badge(site.ready_state, t), className="site-ready", title=detail),
            html.Td(t(SYNC_MODES[site.sync_mode]) if site.sync_mode in SYNC_MODES else site.sync_mode or "–"),
            html.Td(site.kubernetes_version or "–"),
            html.Td([nodes, stale_note]),
            html.Td([gpus, stale_note]),
            html.Td([html.Div(detail), html.Small(since, className="text-muted")], className="site-reason"),
        ],
        id={"type": "site-row", "site": site.name},
        className=f"site-row ready-{site.ready_state.lower()}",
    )


def site_table(snapshot: FleetSnapshot, t: Translator) -> Any:
    """The table, or a plain note when Karmada has not answered yet or has no sites."""
    if snapshot.fetched_at is None and not snapshot.sites:
        return dbc.Alert(t("Waiting for the site list from Karmada…"), color="secondary", id="sites-empty")
    if not snapshot.sites:
        return dbc.Alert(t("Karmada has no registered sites."), color="secondary", id="sites-empty")
    headers = [
        t("Site"),
        t("Ready"),
        t("Sync mode"),
        t("Kubernetes"),
        t("Nodes ready"),
        t("GPUs allocated"),
        t("Reason"),
    ]
    return dbc.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in headers])),
            html.Tbody([site_row(site, t) for site in snapshot.sites]),
        ],
        id="site-table",
        hover=True,
        responsive=True,
        className="align-middle",
    )


def fleet_banner(snapshot: FleetSnapshot, t: Translator, now: float) -> Any:
    """Say plainly when the list is old because Karmada could not be reached."""
    if snapshot.error is None:
        return None
    age = t.timedelta(now - snapshot.fetched_at) if snapshot.fetched_at else None
    text = t("Karmada could not be reached: {error}", error=snapshot.error)
    if age:
        text += " " + t("Showing the list from {age} ago.", age=age)
    return dbc.Alert(text, color="warning", id="fleet-error")


def fleet_summary(snapshot: FleetSnapshot, t: Translator) -> str:
    return t("{ready} of {total} sites ready", ready=snapshot.ready_count, total=len(snapshot.sites))
