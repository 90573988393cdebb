"""Pure builders for the token admin page: the link a TV or portal uses, and the token table."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import html

from i3plat.auth.principal import TokenScope
from i3plat.auth.tokens import TokenInfo
from i3plat.i18n import N_, Translator

LIFETIMES = {"1d": 86_400, "30d": 30 * 86_400, "90d": 90 * 86_400, "365d": 365 * 86_400}
LIFETIME_LABELS = {"1d": N_("1 day"), "30d": N_("30 days"), "90d": N_("90 days"), "365d": N_("1 year")}
MAX_RANGES = {"1h": 3600, "6h": 21_600, "24h": 86_400, "7d": 604_800}
STATE_LABELS = {"active": N_("Active"), "expired": N_("Expired"), "revoked": N_("Revoked")}


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
