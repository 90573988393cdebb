"""Pure builders for the token admin page: the form, the link a TV or portal uses, and the
token table."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import html

from i3plat.auth.principal import TokenScope
from i3plat.auth.tokens import TokenInfo
from i3plat.components.auth_widgets import form_field
from i3plat.i18n import N_, Translator

LIFETIMES = {"1d": 86_400, "30d": 30 * 86_400, "90d": 90 * 86_400, "365d": 365 * 86_400}
LIFETIME_LABELS = {"1d": N_("1 day"), "30d": N_("30 days"), "90d": N_("90 days"), "365d": N_("1 year")}
MAX_RANGES = {"1h": 3600, "6h": 21_600, "24h": 86_400, "7d": 604_800}
STATE_LABELS = {"active": N_("Active"), "expired": N_("Expired"), "revoked": N_("Revoked")}
ANY = "*"
"""The "any site" / "any range" choice: a real option (a select's placeholder, value "", can
not be chosen again), and never a site name (DNS-1123) or a range key."""


def chosen(value: str | None) -> str | None:
    return None if not value or value == ANY else value


def scope_from_form(
    kind: str | None, metric: str | None, site: str | None, max_range: str | None
) -> TokenScope:
    """Kiosk tokens ignore the embed-only fields, whatever the form still holds."""
    if kind != "embed":
        return TokenScope("kiosk")
    picked_range = chosen(max_range)
    return TokenScope(
        "embed", chosen(metric), chosen(site), None, MAX_RANGES.get(picked_range) if picked_range else None
    )


def form_problem(scope: TokenScope, t: Translator) -> str | None:
    """The one mistake the form allows, named in the reader's language (the token service
    checks everything again, in English, for the CLI and the log)."""
    if scope.kind == "embed" and not scope.metric:
        return t("Metric: choose the metric the embedded panel shows.")
    return None


def token_form(t: Translator, metrics: list[dict[str, str]], sites: list[str]) -> html.Div:
    """Native selects with visible labels: what a screen reader names and a keyboard reaches."""
    any_site = [{"label": t("Any site"), "value": ANY}]
    any_range = [{"label": t("Any"), "value": ANY}]
    ranges = [{"label": t.timedelta(seconds), "value": key} for key, seconds in MAX_RANGES.items()]
    fields = [
        form_field(
            t("Kind"),
            dbc.Select(
                id="token-kind",
                options=[
                    {"label": t("Kiosk (big screen)"), "value": "kiosk"},
                    {"label": t("Embed (one panel)"), "value": "embed"},
                ],
                value="kiosk",
            ),
            md=2,
        ),
        form_field(
            t("Metric"),
            dbc.Select(id="token-metric", options=metrics, placeholder=t("Choose a metric")),
            md=3,
        ),
        form_field(
            t("Site"),
            dbc.Select(
                id="token-site",
                options=any_site + [{"label": site, "value": site} for site in sites],
                value=ANY,
            ),
            md=2,
        ),
        form_field(
            t("Longest range"), dbc.Select(id="token-range", options=any_range + ranges, value=ANY), md=2
        ),
        form_field(
            t("Valid for"),
            dbc.Select(
                id="token-lifetime",
                options=[{"label": t(label), "value": key} for key, label in LIFETIME_LABELS.items()],
                value="365d",
            ),
            md=1,
        ),
        form_field(t("Where is it used?"), dbc.Input(id="token-note", maxLength=200), md=2),
    ]
    return html.Div(
        [
            dbc.Row(fields, className="g-2"),
            dbc.FormText(t("Metric, site and longest range apply to embed tokens only.")),
        ],
        className="admin-form mb-3",
        id="token-form",
    )


def token_link(base_url: str, scope: TokenScope, token: str) -> str:
    """Where to point the TV or the portal's iframe (the token is the only credential)."""
    base = base_url.rstrip("/")
    if scope.kind == "kiosk":
        return f"{base}/?{urlencode({'kiosk': '1', 'rotate': '30', 'token': token})}"
    query = {k: v for k, v in (("site", scope.site), ("node", scope.node)) if v}
    return f"{base}/embed/{scope.metric}?{urlencode({**query, 'token': token})}"


def scope_text(scope: TokenScope, t: Translator) -> str:
    if scope.kind == "kiosk":
        return t("Big screen: overview and site pages")
    parts = [str(scope.metric)]
    parts += [value for value in (scope.site, scope.node) if value]
    if scope.max_range:
        parts.append(t("up to {range}", range=t.timedelta(scope.max_range)))
    return " · ".join(parts)


def token_rows(infos: list[TokenInfo], t: Translator, now: float | None = None) -> list[Any]:
    moment = time.time() if now is None else now
    rows = []
    for info in infos:
        state = info.state(moment)
        revoke: Any = (
            dbc.Button(
                t("Revoke"),
                id={"type": "token-revoke", "id": info.id},
                size="sm",
                color="danger",
                outline=True,
            )
            if state == "active"
            else ""
        )
        rows.append(
            html.Tr(
                [
                    html.Td(html.Code(info.id)),
                    html.Td(t("Kiosk") if info.scope.kind == "kiosk" else t("Embed")),
                    html.Td(scope_text(info.scope, t)),
                    html.Td(info.note),
                    html.Td(info.created_by),
                    html.Td(t.moment(info.expires_at, "short")),
                    html.Td(t(STATE_LABELS[state]), className=f"token-state-{state}"),
                    html.Td(info.last_used_from or "—"),
                    html.Td(revoke),
                ],
                id={"type": "token-row", "id": info.id},
            )
        )
    return rows


def token_table(infos: list[TokenInfo], t: Translator, now: float | None = None) -> Any:
    if not infos:
        return html.Div(t("No tokens yet."), className="text-body-secondary", id="token-empty")
    head = [t("Id"), t("Kind"), t("Shows"), t("Note"), t("Created by"), t("Expires"), t("State"),
            t("Last used from"), ""]  # fmt: skip
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(token_rows(infos, t, now))],
        size="sm",
        hover=True,
        responsive=True,
        id="token-table",
    )
