"""Pure builders of the registration guide: numbered steps, each with its commands and a copy button.

Input is the plan as stored in the browser (`RegistrationPlan.to_dict()`); commands are shown
exactly as built by `karmada_client.bootstrap`, never translated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from i3plat.i18n import N_, Translator

STEP_TITLES: dict[str, str] = {
    "install": N_("Install karmadactl"),
    "token": N_("Bootstrap token created"),
    "register": N_("Register the site with Karmada"),
    "agent": N_("Point karmada-agent at the site's API endpoint"),
    "join": N_("Join the site to Karmada"),
    "endpoint": N_("Set the address Karmada uses to reach the site"),
}

STEP_TEXT: dict[tuple[str, str], str] = {
    ("Pull", "install"): N_(
        "On a machine whose kubectl already points at the site's cluster (“kubectl get nodes” lists "
        "the site's nodes). The script downloads karmadactl and checks its checksum; without internet "
        "access, copy a karmadactl binary of the control plane's version instead."
    ),
    ("Pull", "token"): N_(
        "The console created the bootstrap token {secret} in the Karmada control plane. It is valid "
        "until {expires}; after that, start again for a new one. The token lets the site join once: "
        "keep it out of chats and tickets."
    ),
    ("Pull", "register"): N_(
        "Run on the same machine. karmadactl installs karmada-agent in the site (namespace "
        "karmada-system) and registers the cluster as “{site}”. It checks the control plane's "
        "certificate against the hash {hash}, so the token is never sent to an impostor. If the site "
        "cannot pull images from docker.io, add --karmada-agent-image with your registry's copy."
    ),
    ("Pull", "agent"): N_(
        "karmada-agent reports the address found in the site's kubeconfig, often "
        "https://127.0.0.1:6443, which the central cloud cannot reach. These commands set it to "
        "{endpoint}, wait for the agent to restart and show the new value."
    ),
    ("Push", "install"): N_(
        "Push mode needs no bootstrap token: Karmada connects to the site with the credentials in the "
        "site's kubeconfig. On a machine that has both kubeconfig files, set KARMADA_KUBECONFIG and "
        "SITE_KUBECONFIG to their paths first."
    ),
    ("Push", "join"): N_("Registers the cluster as “{site}” in Push mode."),
    ("Push", "endpoint"): N_(
        "karmadactl join copies the server address from the site's kubeconfig. This sets it to "
        "{endpoint}, the address the central cloud can reach."
    ),
}
COMMANDS_NOTE: dict[str, str] = {
    "token": N_("To withdraw the token before it expires (run against Karmada):"),
}


def format_moment(text: str | None, t: Translator) -> str:
    """An RFC 3339 UTC time in the viewer's format and time zone ("—" when absent)."""
    if not text:
        return "—"
    try:
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return text
    return t.moment(moment.timestamp(), "medium")


def command_block(block_id: str, commands: Sequence[str], t: Translator) -> html.Div:
    """Commands in a monospace block (one per line) with a copy-to-clipboard button."""
    return html.Div(
        [
            html.Pre("\n".join(commands), id=block_id, className="register-cmd mb-0"),
            dcc.Clipboard(
                target_id=block_id, title=t("Copy"), className="register-copy", id=f"{block_id}-copy"
            ),
        ],
        className="register-cmd-wrap",
    )


def step_card(number: int, step: Mapping[str, Any], plan: Mapping[str, Any], t: Translator) -> dbc.Card:
    key = str(step["key"])
    mode = str(plan.get("sync_mode") or "Pull")
    values = {
        "secret": plan.get("token_secret") or "—",
        "expires": format_moment(plan.get("expires"), t),
        "site": plan.get("site") or "",
        "hash": plan.get("ca_cert_hash") or "",
        "endpoint": plan.get("api_endpoint") or "",
    }
    body: list[Any] = [
        html.H5(
            [dbc.Badge(str(number), color="primary", className="me-2"), t(STEP_TITLES.get(key, key))],
            className="card-title",
        )
    ]
    text = STEP_TEXT.get((mode, key))
    if text:
        body.append(html.P(t(text, **values), className="register-step-text"))
    commands = list(step.get("commands") or [])
    if commands:
        note = COMMANDS_NOTE.get(key)
        if note:
            body.append(html.Div(t(note), className="small text-body-secondary mb-1"))
        body.append(command_block(f"register-cmd-{key}", commands, t))
    return dbc.Card(dbc.CardBody(body), className="mb-3 register-step", id=f"register-step-{key}")


def steps_view(plan: Mapping[str, Any], t: Translator) -> html.Div:
    """The guide: a summary line, then one card per step, numbered from 1."""
    summary = t(
        "Registering “{site}” in {mode} mode; Karmada will reach it at {endpoint}.",
        site=plan.get("site") or "",
        mode=plan.get("sync_mode") or "Pull",
        endpoint=plan.get("api_endpoint") or "",
    )
    cards = [step_card(i, step, plan, t) for i, step in enumerate(plan.get("steps") or [], start=1)]
    return html.Div(
        [html.P(summary, className="lead", id="register-summary"), *cards], className="register-steps"
    )
