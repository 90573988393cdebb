"""Pure builders of the registration wizard's form and its messages (refusals and warnings).

Refusals and warnings arrive as codes (`karmada_client.bootstrap.Problem` / `EndpointWarning`);
their words live here, in the message catalog, so a factory's IT operator reads them in Chinese.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from i3plat.i18n import N_, Translator
from i3plat.karmada_client.bootstrap import (
    CLUSTER_NAME_MAX,
    DEFAULT_TTL_HOURS,
    MAX_TTL_HOURS,
    MIN_TTL_HOURS,
    EndpointWarning,
    Problem,
)

FIELDS = ("site", "api_endpoint", "proxy_url", "ttl_hours", "karmada_address")
"""Form fields with inline feedback, in page order; each has input id ``register-<field>``."""

FIELD_LABELS: dict[str, str] = {
    "site": N_("Site name"),
    "sync_mode": N_("Sync mode"),
    "api_endpoint": N_("Member API endpoint"),
    "proxy_url": N_("Proxy URL"),
    "ttl_hours": N_("Token lifetime (hours)"),
    "karmada_address": N_("Karmada API address as the site sees it"),
}

PROBLEM_TEXT: dict[str, str] = {
    "required": N_("is required"),
    "too_long": N_("is too long (at most {max} characters)"),
    "not_dns_label": N_(
        "may contain only lower-case letters, digits and “-”, and must start and end with a letter or digit"
    ),
    "already_registered": N_("“{value}” is already registered in Karmada; choose another name"),
    "choice": N_("must be Pull or Push"),
    "range": N_("must be a whole number from {min} to {max}"),
    "scheme": N_("must start with {schemes}"),
    "userinfo": N_("must not contain a user name or password"),
    "query": N_("must not contain a query (“?”)"),
    "fragment": N_("must not contain a fragment (“#”)"),
    "characters": N_("contains spaces or characters that are not allowed"),
    "bad_url": N_("is not a valid address"),
    "no_host": N_("must include a host name or IP address"),
    "port": N_("has a port outside 1–65535"),
    "host": N_("has an invalid host name"),
    "path": N_("must be host or host:port, without a path"),
}

WARNING_TEXT: dict[str, str] = {
    "loopback": N_(
        "{host} is a loopback address: Karmada in the central cloud would connect to itself, not to "
        "the site. Enter the address the central cloud can reach."
    ),
    "link_local": N_("{host} is a link-local address, which is not routed beyond its own network segment."),
    "unspecified": N_("{host} is not a real destination address (0.0.0.0 or ::)."),
    "in_cluster_name": N_(
        "{host} only works inside a Kubernetes cluster; from the central cloud it is unknown or "
        "points to another cluster."
    ),
    "unresolvable": N_(
        "{host} cannot be resolved from the central cloud (DNS). Check the name, or enter an IP address."
    ),
}

_SCHEMES = {"api_endpoint": "https://", "proxy_url": "http:// · https:// · socks5://", "karmada_address": ""}
_MAX = {"site": CLUSTER_NAME_MAX, "ttl_hours": MAX_TTL_HOURS}


def problem_text(problem: Problem, t: Translator) -> str:
    """``<field label>: <what is wrong>``, in the viewer's language."""
    template = PROBLEM_TEXT.get(problem.code)
    label = t(FIELD_LABELS.get(problem.field, problem.field))
    if template is None:
        return t("{label}: {problem}", label=label, problem=problem.message)
    values = {
        "value": problem.value,
        "max": _MAX.get(problem.field, 2048),
        "min": MIN_TTL_HOURS,
        "schemes": _SCHEMES.get(problem.field, "https://"),
    }
    return t("{label}: {problem}", label=label, problem=t(template, **values))


def warning_text(warning: EndpointWarning, t: Translator) -> str:
    template = WARNING_TEXT.get(warning.code)
    text = t(template, host=warning.host) if template else warning.message
    if warning.address:
        text += " " + t("({host} resolves to {address})", host=warning.host, address=warning.address)
    return text


def field_feedback(problems: Iterable[Problem], t: Translator) -> dict[str, str]:
    """The first problem of each field, as text (fields without one are absent)."""
    feedback: dict[str, str] = {}
    for problem in problems:
        feedback.setdefault(problem.field, problem_text(problem, t))
    return feedback


def warnings_list(warnings: Iterable[EndpointWarning], t: Translator) -> list[Any]:
    items = [html.Li(warning_text(w, t)) for w in warnings]
    return [html.Ul(items, className="mb-0 ps-3")] if items else []


def _text_field(field: str, t: Translator, help_text: str, **input_kw: Any) -> dbc.Row:
    input_id = f"register-{field.replace('_', '-')}"
    return dbc.Row(
        [
            dbc.Label(t(FIELD_LABELS[field]), html_for=input_id, width=12, lg=3),
            dbc.Col(
                [
                    dbc.Input(id=input_id, debounce=True, **input_kw),
                    dbc.FormFeedback(id=f"{input_id}-feedback", type="invalid"),
                    dbc.FormText(help_text),
                ],
                width=12,
                lg=9,
            ),
        ],
        className="mb-3",
    )


def registration_form(t: Translator, *, karmada_address: str = "", ttl_hours: int = DEFAULT_TTL_HOURS) -> Any:
    """The form card; inputs are ``register-site``, ``-sync-mode``, ``-api-endpoint``, ``-proxy-url``,
    ``-ttl-hours``, ``-karmada-address``; the button is ``register-submit``."""
    mode = dbc.Row(
        [
            dbc.Label(t(FIELD_LABELS["sync_mode"]), html_for="register-sync-mode", width=12, lg=3),
            dbc.Col(
                [
                    dbc.RadioItems(
                        id="register-sync-mode",
                        options=[
                            {
                                "label": t("Pull (recommended): the site connects to the central cloud"),
                                "value": "Pull",
                            },
                            {"label": t("Push: the central cloud connects to the site"), "value": "Push"},
                        ],
                        value="Pull",
                    ),
                ],
                width=12,
                lg=9,
            ),
        ],
        className="mb-3",
    )
    advanced = html.Details(
        [
            html.Summary(t("Advanced"), className="mb-2"),
            _text_field(
                "ttl_hours",
                t,
                t(
                    "How long the site may use the token to register: {min} to {max} hours.",
                    min=MIN_TTL_HOURS,
                    max=MAX_TTL_HOURS,
                ),
                type="number",
                min=MIN_TTL_HOURS,
                max=MAX_TTL_HOURS,
                step=1,
                value=ttl_hours,
            ),
            _text_field(
                "karmada_address",
                t,
                t(
                    "host:port of the Karmada API server, as the site's machines reach it. "
                    "Defaults to the console's own connection."
                ),
                value=karmada_address,
                placeholder="karmada.example.com:5443",
            ),
        ],
        className="mb-3",
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H5(t("Site details"), className="card-title mb-3"),
                _text_field(
                    "site",
                    t,
                    t(
                        "Lower-case letters, digits and “-”, at most {max} characters, e.g. fab-wuxi.",
                        max=CLUSTER_NAME_MAX,
                    ),
                    placeholder="fab-wuxi",
                    autoComplete="off",
                ),
                mode,
                _text_field(
                    "api_endpoint",
                    t,
                    t(
                        "The site's Kubernetes API server as the central cloud reaches it, e.g. "
                        "https://10.20.9.5:6443. Not 127.0.0.1: Karmada connects to this address."
                    ),
                    placeholder="https://10.20.9.5:6443",
                    autoComplete="off",
                ),
                _text_field(
                    "proxy_url",
                    t,
                    t(
                        "Optional. Only when the central cloud reaches the site through a proxy "
                        "(e.g. apiserver-network-proxy)."
                    ),
                    placeholder="http://proxy.example.com:8088",
                    autoComplete="off",
                ),
                advanced,
                html.Div(id="register-warnings", className="alert alert-warning", hidden=True),
                html.Div(
                    dbc.Checkbox(
                        id="register-accept",
                        label=t("I have checked the address; continue anyway"),
                        value=False,
                    ),
                    id="register-accept-box",
                    hidden=True,
                    className="mb-3",
                ),
                html.Div(id="register-alert"),
                dbc.Button(t("Create the token and show the steps"), id="register-submit", color="primary"),
            ]
        ),
        id="register-form-card",
        className="mb-4",
    )


def feedback_outputs(feedback: Mapping[str, str]) -> list[Any]:
    """(invalid, text) per field of FIELDS, flattened in that order, for the page's callback."""
    values: list[Any] = []
    for field in FIELDS:
        text = feedback.get(field)
        values += [text is not None, text or ""]
    return values
