"""Pure builders for the sign-in pieces of the UI: the "sign-in off" banner, the user menu,
what a page shows instead of itself when the policy refuses it, and the admin pages' note on
the sign-in mode (so an empty user list or a token nobody needs is explained, not a puzzle)."""

from __future__ import annotations

import shlex
from typing import Any, Literal
from urllib.parse import quote

import dash_bootstrap_components as dbc
from dash import dcc, html

from i3plat.auth.roles import parse_role
from i3plat.i18n import N_, Translator
from i3plat.settings import Settings

AdminPage = Literal["users", "tokens"]


def auth_off_banner(t: Translator, *, compact: bool = False) -> html.Div:
    """Visible on every page while I3PLAT_AUTH=off; compact (a thin bar, assets/auth.css) on
    kiosk/embed: the short text, or the whole warning where the screen is wide enough."""
    text = t("Authentication is off: anyone who can reach this console is an administrator.")
    if compact:
        return html.Div(
            [
                html.Span(t("Authentication off"), className="auth-off-short"),
                html.Span(text, className="auth-off-long"),
            ],
            id="auth-off-banner",
            className="auth-off-badge",
            title=text,
            role="status",
        )
    return html.Div(text, id="auth-off-banner", className="auth-off-banner", role="alert")


def form_field(label: str, control: Any, **col: Any) -> dbc.Col:
    """A form control with its visible label above it (placeholders vanish once typed in)."""
    return dbc.Col([dbc.Label(label, html_for=control.id), control], **col)


def first_admin_command(data_dir: str, t: Translator) -> str:
    """The CLI line that makes the first administrator in this console's own data directory."""
    name = t("NAME")  # not inside the f-string: the catalog extractor would not see it
    return f"I3PLAT_DATA_DIR={shlex.quote(data_dir)} i3plat users create --admin {name}"


def sign_in_steps(t: Translator, data_dir: str) -> html.Ol:
    return html.Ol(
        [
            html.Li(
                [
                    t(
                        "Create the first system administrator: with the form below (role: System "
                        "administrator), or on the console's machine with this command (it asks for "
                        "the password):"
                    ),
                    html.Pre(html.Code(first_admin_command(data_dir, t)), id="auth-first-admin"),
                ]
            ),
            html.Li(
                t(
                    "Set I3PLAT_AUTH to local (user names and passwords, as made here), oidc (the "
                    "company sign-in) or header (a reverse proxy signs people in), and restart the "
                    "console."
                )
            ),
            html.Li(
                t(
                    "Only then may the console listen on addresses other people can reach "
                    "(i3plat serve --host 0.0.0.0)."
                )
            ),
        ]
    )


def _off_note(t: Translator, settings: Settings, page: AdminPage) -> list[Any]:
    if page == "tokens":
        return [
            html.P(
                t(
                    "This console runs with I3PLAT_AUTH=off, so every page and panel opens without a "
                    "token now. Tokens made here are kept and their links keep working once sign-in "
                    "is on; then a page opened without a token asks for a sign-in."
                )
            ),
            html.P(
                [
                    t("How to turn sign-in on:"),
                    " ",
                    dcc.Link(t("Users"), href="/admin/users", id="auth-mode-users-link"),
                ],
                className="mb-0",
            ),
        ]
    return [
        html.P(
            t(
                "This console runs with I3PLAT_AUTH=off: nobody is asked to sign in, and everyone who "
                "can open it acts as a system administrator. That is allowed only while it listens "
                "on this machine alone (127.0.0.1). Users listed here are kept, but nobody signs in "
                "with them until sign-in is on."
            )
        ),
        html.P(t("To turn sign-in on:"), className="mb-1"),
        sign_in_steps(t, str(settings.data_dir)),
    ]


def _header_note(t: Translator, settings: Settings) -> list[Any]:
    text = t(
        "This console runs with I3PLAT_AUTH=header: the reverse proxy in front of it signs people "
        "in and sends the user name in the {header} header. Nobody needs to be listed here to use "
        "the console; everyone the proxy lets through is at least {role}.",
        header=settings.auth_header,
        role=t(parse_role(settings.auth_default_role).label),
    )
    parts = [html.P(text)]
    if settings.auth_role_header:
        parts.append(
            html.P(t("The {header} header can give a higher role.", header=settings.auth_role_header))
        )
    parts.append(
        html.P(
            t(
                "A user listed here counts when the proxy sends the same name: a higher role given "
                "here applies, and disabling the user shuts them out. Passwords are not used in this "
                "mode."
            ),
            className="mb-0",
        )
    )
    return parts


def _oidc_note(t: Translator, settings: Settings) -> list[Any]:
    return [
        html.P(
            t(
                "This console runs with I3PLAT_AUTH=oidc: people sign in through the company sign-in "
                "and appear here after their first sign-in. Their role comes from the {claim} claim "
                "at every sign-in, so change it there rather than here. Users made here with a "
                "password can also sign in on the console's own sign-in page.",
                claim=settings.oidc_role_claim,
            ),
            className="mb-0",
        )
    ]


NOTE_TITLES = {
    "off": N_("Sign-in is off"),
    "header": N_("Sign-in by the reverse proxy"),
    "oidc": N_("Sign-in through the company sign-in (OIDC)"),
}


def sign_in_mode_note(t: Translator, settings: Settings, page: AdminPage) -> html.Div | None:
    """What the sign-in mode means for this admin page; None where the page speaks for itself
    (local sign-in; the token page in any mode but `off`)."""
    mode = settings.auth
    body: list[Any]
    if mode == "off":
        body = _off_note(t, settings, page)
    elif page == "users" and mode == "header":
        body = _header_note(t, settings)
    elif page == "users" and mode == "oidc":
        body = _oidc_note(t, settings)
    else:
        return None
    attrs: dict[str, Any] = {"data-mode": mode}
    return html.Div(
        dbc.Alert(
            [html.H5(t(NOTE_TITLES[mode]), className="alert-heading"), *body],
            color="warning" if mode == "off" else "info",
        ),
        id="auth-mode-note",
        className="auth-mode-note",
        **attrs,
    )


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
