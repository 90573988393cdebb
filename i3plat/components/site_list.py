"""The fleet's site list: one row per site with Karmada's Ready state and the console's own view."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from i3plat.collector.freshness import FleetStatus, is_unreachable, nodes_not_ready
from i3plat.collector.records import SiteRecord
from i3plat.i18n import N_, Translator

READY_STYLES: dict[str, tuple[str, str]] = {
    "True": ("success", N_("Ready")),
    "False": ("danger", N_("Not ready")),
    "Unknown": ("warning", N_("Unknown")),
    "Unreachable": ("danger", N_("Unreachable")),
}
SYNC_MODES = {"Push": N_("Push"), "Pull": N_("Pull")}


def display_state(record: SiteRecord | None) -> str:
    """Karmada's Ready status, overridden when the console itself cannot reach the site."""
    if record is None:
        return "Unknown"
    return "Unreachable" if is_unreachable(record) else (record.ready_state or "Unknown")


def ready_badge(state: str, t: Translator) -> dbc.Badge:
    color, label = READY_STYLES.get(state, READY_STYLES["Unknown"])
    return dbc.Badge(t(label), color=color, className="ready-badge", pill=True)


def format_count(value: float | None, t: Translator) -> str:
    return "–" if value is None else t.number(value)


def reason_text(record: SiteRecord | None, t: Translator) -> str:
    if record is None:
        return t("Not polled yet")
    if is_unreachable(record) and record.failure is not None:
        return record.failure.message
    return record.reason


def since_text(record: SiteRecord | None, t: Translator, now: float) -> str:
    if record is None or record.unreachable_since is None:
        return ""
    return t(
        "since {time} ({age} ago)",
        time=t.moment(record.unreachable_since, "short"),
        age=t.timedelta(now - record.unreachable_since),
    )


NODES_DOWN_CLASS = "site-nodes-down text-warning-emphasis fw-bold"
"""Karmada counts nodes that are not Ready: the count stands out like a warning."""


def site_row(name: str, record: SiteRecord | None, t: Translator, now: float) -> html.Tr:
    state = display_state(record)
    nodes = gpus = "–"
    mode = version = "–"
    if record is not None:
        nodes = f"{format_count(record.nodes_ready, t)} / {format_count(record.nodes_total, t)}"
        gpus = f"{format_count(record.gpus_allocated, t)} / {format_count(record.gpus_allocatable, t)}"
        mode = t(SYNC_MODES[record.sync_mode]) if record.sync_mode in SYNC_MODES else record.sync_mode or "–"
        version = record.kubernetes_version or "–"
    return html.Tr(
        [
            html.Td(html.Strong(name), className="site-name"),
            html.Td(ready_badge(state, t), className="site-ready"),
            html.Td(mode),
            html.Td(version),
            html.Td(
                nodes,
                className=NODES_DOWN_CLASS
                if record and nodes_not_ready(record.nodes_ready, record.nodes_total)
                else "",
            ),
            html.Td(gpus),
            html.Td(
                [
                    html.Div(reason_text(record, t)),
                    html.Small(since_text(record, t, now), className="text-muted"),
                ],
                className="site-reason",
            ),
        ],
        id={"type": "site-row", "site": name},
        className=f"site-row ready-{state.lower()}",
    )


def site_table(fleet: FleetStatus, t: Translator, now: float) -> Any:
    """The table, or a plain note when the site list has not been fetched yet or is empty."""
    if fleet.fetched_at is None:
        return dbc.Alert(t("Waiting for the site list from Karmada…"), color="secondary", id="sites-empty")
    if not fleet.sites:
        return dbc.Alert(t("Karmada has no registered sites."), color="secondary", id="sites-empty")
    headers = [t("Site"), t("Ready"), t("Sync mode"), t("Kubernetes"), t("Nodes ready"),
               t("GPUs allocated"), t("Reason")]  # fmt: skip
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in headers])),
         html.Tbody([site_row(name, record, t, now) for name, record in fleet.sites])],
        id="site-table", hover=True, responsive=True, className="align-middle",
    )  # fmt: skip


def fleet_banner(fleet: FleetStatus, t: Translator, now: float) -> Any:
    """Say plainly when the list is old because Karmada could not be reached."""
    if fleet.failure is None:
        return None
    text = t("Karmada could not be reached: {error}", error=fleet.failure.message)
    if fleet.fetched_at:
        text += " " + t("Showing the list from {age} ago.", age=t.timedelta(now - fleet.fetched_at))
    return dbc.Alert(text, color="warning", id="fleet-error")


def fleet_summary(fleet: FleetStatus, t: Translator) -> str:
    return t("{ready} of {total} sites ready", ready=fleet.ready_count, total=len(fleet.sites))
