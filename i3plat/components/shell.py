"""The frame around every page: brand, navigation and the language switch.

Kiosk screens (`?kiosk=1`) and embedded panels (`/embed/…`) get no chrome at all. The shell
also holds what must survive page swaps: the kiosk's rotation clock and its `callback-nav`
location, so a TV cycles through the site pages without a single full reload.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

import dash_bootstrap_components as dbc
from dash import dcc, html

from i3plat.i18n import Translator, language_names

TRUTHY = frozenset({"1", "true", "yes", "on"})


def is_kiosk(query: str) -> bool:
    values = parse_qs(query).get("kiosk", [])
    return bool(values) and values[-1].strip().lower() in TRUTHY


def is_chromeless(path: str, query: str = "") -> bool:
    """`path` relative to the app's prefix (leading slash optional): embed pages and kiosk mode."""
    return ("/" + path.lstrip("/")).startswith("/embed/") or is_kiosk(query)


def chromeless_url(url: str | None, prefix: str = "/") -> bool:
    """Decide from a full page URL (the Referer of Dash's layout request); unknown → with chrome."""
    if not url:
        return False
    parts = urlsplit(url)
    path = parts.path
    if prefix != "/" and path.startswith(prefix.rstrip("/")):
        path = path[len(prefix.rstrip("/")) :]
    return is_chromeless(path, parts.query)


def language_switch(t: Translator) -> html.Div:
    links = [
        html.A(
            name,
            href=f"?lang={code}",
            id=f"lang-{code}",
            className="lang-link" + (" active" if code == t.locale else ""),
            lang=code,
        )
        for code, name in language_names()
    ]
    return html.Div(links, className="lang-switch", id="lang-switch")


def navbar(t: Translator, user: Any = None, links: Sequence[tuple[str, str, str]] = ()) -> dbc.Navbar:
    """`links`: further (label, href, id) entries after the overview, those the viewer may use."""
    items = [dbc.NavItem(dbc.NavLink(t("Overview"), href="/", id="nav-overview"))]
    items += [dbc.NavItem(dbc.NavLink(label, href=href, id=ident)) for label, href, ident in links]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(t("I3Plat console"), href="/", id="brand"),
                dbc.Nav(
                    items,
                    className="me-auto",
                    navbar=True,
                ),
                language_switch(t),
                *([user] if user is not None else []),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3",
        id="app-navbar",
    )


def kiosk_machinery() -> list[Any]:
    """Rotation state that must outlive page swaps (see assets/kiosk.js `rotate*`)."""
    return [
        dcc.Location(id="kiosk-nav", refresh="callback-nav"),
        dcc.Store(id="kiosk-pages", data=[]),
        dcc.Interval(id="kiosk-rotate", interval=30_000, disabled=True),
    ]


def shell(
    t: Translator,
    content: Any,
    *,
    chromeless: bool = False,
    notice: Any = None,
    user: Any = None,
    links: Sequence[tuple[str, str, str]] = (),
) -> html.Div:
    """`notice`: a banner every page shows (e.g. sign-in off); `user`: the navbar's user menu."""
    frame: list[Any] = [*kiosk_machinery()]
    if notice is not None:
        frame.append(notice)
    if not chromeless:
        frame.append(navbar(t, user, links))
    frame.append(dbc.Container(content, fluid=True, id="page"))
    return html.Div(
        frame,
        id="app-shell",
        className="app-shell chromeless" if chromeless else "app-shell",
        lang=t.locale.replace("_", "-"),
    )
