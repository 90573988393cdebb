"""Pure builders for the sign-in pieces of the UI: the "sign-in off" banner, the user menu,
and what a page shows instead of itself when the policy refuses it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import dash_bootstrap_components as dbc
from dash import dcc, html

from i3plat.i18n import Translator


def auth_off_banner(t: Translator, *, compact: bool = False) -> html.Div:
    """Visible on every page while I3PLAT_AUTH=off; compact (a corner badge) on kiosk/embed."""
    text = t("Authentication is off: anyone who can reach this console is an administrator.")
    if compact:
        return html.Div(t("Authentication off"), id="auth-off-banner", className="auth-off-badge", title=text)
    return html.Div(text, id="auth-off-banner", className="auth-off-banner", role="alert")


def user_menu(
    t: Translator, name: str, role_label: str, csrf: str, *, can_sign_out: bool, admin: bool = False
) -> html.Div:
    """Who is signed in, as which role; sign-out is a real form POST carrying the CSRF value."""
    parts: list[Any] = [
        html.Span(name, id="user-name", className="user-name"),
        html.Span(role_label, id="user-role", className="user-role badge text-bg-secondary ms-2"),
    ]
    if admin:
        parts.append(
            dcc.Link(t("Access tokens"), href="/admin/tokens", id="nav-tokens", className="ms-3 lang-link")
        )
        parts.append(dcc.Link(t("Users"), href="/admin/users", id="nav-users", className="ms-3 lang-link"))
    if can_sign_out:
        parts.append(
            html.Form(
                [
                    dcc.Input(type="hidden", name="csrf_token", value=csrf),
                    html.Button(
                        t("Sign out"),
                        type="submit",
                        id="sign-out",
                        className="btn btn-sm btn-outline-light ms-2",
                    ),
                ],
                action="/logout",
                method="POST",
                className="d-inline",
            )
        )
    return html.Div(parts, id="user-menu", className="user-menu d-flex align-items-center ms-3")


def login_url(page_url: str | None) -> str:
    return "/login?next=" + quote(page_url or "/", safe="")


def refusal_panel(t: Translator, status: int, page_url: str | None, *, redirect: bool) -> html.Div:
    """A refused page: to sign-in (401, when a sign-in page exists) or a plain "not allowed"."""
    if status == 401 and redirect:
        return html.Div(
            [dcc.Location(id="auth-redirect", href=login_url(page_url), refresh=True), t("Sign-in required")],
            id="auth-refused",
            className="auth-refused",
        )
    attrs: dict[str, Any] = {"data-status": str(status)}
    message = t("Sign-in required") if status == 401 else t("Your role does not allow this page.")
    return html.Div(
        dbc.Alert(
            [html.Div(message), dcc.Link(t("Back to the overview"), href="/")],
            color="warning",
        ),
        id="auth-refused",
        className="auth-refused",
        **attrs,
    )
