"""The frame around every page: brand, navigation and the language switch."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from i3plat.i18n import Translator, language_names


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


def shell(t: Translator, content: Any) -> html.Div:
    navbar = dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(t("I3Plat console"), href="/", id="brand"),
                dbc.Nav(
                    [dbc.NavItem(dbc.NavLink(t("Overview"), href="/", id="nav-overview"))],
                    className="me-auto",
                    navbar=True,
                ),
                language_switch(t),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )
    return html.Div([navbar, dbc.Container(content, fluid=True, id="page")], lang=t.locale.replace("_", "-"))
