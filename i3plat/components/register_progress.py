"""Pure builders of the wizard's live part: is the Cluster there, is it Ready, what changed when.

Input is the history kept by `collector.registration.record_observation` (plain dicts): the latest
look and every change seen since the guide was shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from i3plat.components.register_steps import format_moment
from i3plat.i18n import N_, Translator

STATUS_COLORS = {"True": "success", "False": "danger", "Unknown": "secondary"}
COLUMNS = (N_("Type"), N_("Status"), N_("Reason"), N_("Message"), N_("Last transition"))


def phase_of(history: Mapping[str, Any] | None) -> str:
    """``waiting`` (no good look yet or not registered), ``registered`` (not Ready yet), ``ready``."""
    changes = (history or {}).get("changes") or []
    if not changes or not changes[-1].get("present"):
        return "waiting"
    return "ready" if changes[-1].get("ready") == "True" else "registered"


def _clock(at: float | None, t: Translator) -> str:
    if at is None:
        return "—"
    return t.moment(at, "medium")


def status_badge(status: str) -> dbc.Badge:
    return dbc.Badge(status, color=STATUS_COLORS.get(status, "secondary"), className="register-cond-status")


def conditions_table(conditions: list[Mapping[str, Any]], t: Translator) -> Any:
    if not conditions:
        return html.P(t("Karmada has not reported any condition yet."), className="text-body-secondary")
    header = html.Thead(html.Tr([html.Th(t(x)) for x in COLUMNS]))
    rows = [
        html.Tr(
            [
                html.Td(c["type"]),
                html.Td(status_badge(str(c["status"]))),
                html.Td(c.get("reason") or "—"),
                html.Td(c.get("message") or "—"),
                html.Td(format_moment(c.get("since"), t)),
            ],
            **{"data-type": c["type"], "data-status": c["status"]},
        )
        for c in conditions
    ]
    return dbc.Table(
        [header, html.Tbody(rows)], size="sm", bordered=False, hover=True, id="register-conditions"
    )


def describe_change(entry: Mapping[str, Any], previous: Mapping[str, Any] | None, t: Translator) -> str:
    """One line of the change log: appeared / each condition whose status or reason changed."""
    if not entry.get("present"):
        return t("Not registered in Karmada yet")
    parts: list[str] = []
    if previous is None or not previous.get("present"):
        parts.append(
            t(
                "Registered in Karmada ({mode}, endpoint {endpoint})",
                mode=entry.get("sync_mode") or "—",
                endpoint=entry.get("api_endpoint") or "—",
            )
        )
    before = {c["type"]: c for c in (previous or {}).get("conditions") or []}
    for condition in entry.get("conditions") or []:
        old = before.get(condition["type"])
        if old is None or (old["status"], old["reason"]) != (condition["status"], condition["reason"]):
            parts.append(f"{condition['type']}: {condition['status']} ({condition.get('reason') or '—'})")
    return "; ".join(parts) or t("Condition details changed")


def changes_list(history: Mapping[str, Any], t: Translator) -> html.Ol:
    changes = list(history.get("changes") or [])
    items = []
    previous: Mapping[str, Any] | None = None
    for entry in changes:
        items.append(
            html.Li(
                [
                    html.Span(_clock(entry.get("at"), t), className="text-body-secondary me-2"),
                    describe_change(entry, previous, t),
                ]
            )
        )
        previous = entry
    return html.Ol(items, id="register-changes", className="register-changes small")


def _status_line(phase: str, site: str, token_expired: bool, t: Translator) -> Any:
    if phase == "ready":
        return dbc.Alert(
            t("“{site}” is registered and Ready.", site=site), color="success", id="register-status"
        )
    if phase == "registered":
        text = t("“{site}” is registered; waiting for it to become Ready.", site=site)
        return dbc.Alert(
            [dbc.Spinner(size="sm", spinner_class_name="me-2"), text], color="info", id="register-status"
        )
    if token_expired:
        text = t(
            "The bootstrap token has expired before “{site}” registered. Start again for a new token.",
            site=site,
        )
        return dbc.Alert(text, color="warning", id="register-status")
    text = t("Waiting for “{site}” to appear in Karmada. Run the commands above on the site.", site=site)
    return dbc.Alert(
        [dbc.Spinner(size="sm", spinner_class_name="me-2"), text], color="info", id="register-status"
    )


def progress_view(
    history: Mapping[str, Any] | None, plan: Mapping[str, Any], t: Translator, now: float
) -> html.Div:
    """Status, the conditions Karmada reports now, links once Ready, and the change log."""
    site = str(plan.get("site") or "")
    phase = phase_of(history)
    expires = plan.get("expires")
    expired = False
    if expires:
        try:
            expired = datetime.strptime(str(expires), "%Y-%m-%dT%H:%M:%S%z").timestamp() < now
        except ValueError:
            expired = False
    children: list[Any] = [
        html.H4(t("Waiting for the site"), className="mb-3"),
        _status_line(phase, site, expired, t),
    ]
    latest = (history or {}).get("latest") or {}
    if latest.get("error"):
        children.append(
            html.Div(
                t("Could not read the cluster from Karmada: {detail}", detail=latest["error"][1]),
                className="alert alert-danger py-2 small",
                id="register-read-error",
            )
        )
    changes = (history or {}).get("changes") or []
    shown = changes[-1] if changes else {}
    if shown.get("present"):
        children.append(conditions_table(list(shown.get("conditions") or []), t))
    if phase == "ready":
        children.append(
            html.Div(
                [
                    dcc.Link(
                        t("Open the site page"),
                        href=f"/sites/{site}",
                        className="btn btn-primary me-2",
                        id="register-site-link",
                    ),
                    dcc.Link(
                        t("Run the site doctor"),
                        href=f"/sites/{site}/doctor",
                        className="btn btn-outline-primary",
                        id="register-doctor-link",
                    ),
                ],
                className="mb-3",
            )
        )
    if history:
        children.append(html.H6(t("Changes seen"), className="mt-3"))
        children.append(changes_list(history, t))
        children.append(
            html.Div(
                t("Last checked {time}", time=_clock(latest.get("at"), t)),
                className="small text-body-secondary",
                id="register-checked",
            )
        )
    attrs: dict[str, Any] = {"data-phase": phase}
    return html.Div(children, className="register-progress", **attrs)
