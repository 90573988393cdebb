"""`/sites/register` — register a factory's cluster with Karmada, step by step (administrators).

Every server-side action of the wizard is a callback in this one module, so access control can
gate them together: `check_form` (pure checks while typing), `submit` (creates the bootstrap
token), `show_feedback` (renders both) and `poll_cluster` (reads the new Cluster through the
collector). Rendering is pure (components/
register_*); Karmada is reached only through `collector.registration` and the shared client.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

import dash
from dash import Input, Output, State, dcc, html

from i3plat.collector.registration import (
    default_karmada_address,
    observe_cluster,
    record_observation,
    start_registration,
)
from i3plat.components.register_form import (
    FIELDS,
    feedback_outputs,
    field_feedback,
    registration_form,
    warnings_list,
)
from i3plat.components.register_progress import phase_of, progress_view
from i3plat.components.register_steps import steps_view
from i3plat.karmada_client import KarmadaError
from i3plat.karmada_client.bootstrap import (
    DEFAULT_TTL_HOURS,
    EndpointWarning,
    Problem,
    RegistrationRefused,
    RegistrationRequest,
    check_registration,
)
from i3plat.webctx import current_services, request_translator

POLL_MS = 2000

# order < 90: "/sites/<site>" (order=90) would otherwise match "/sites/register" first.
dash.register_page(__name__, path="/sites/register", name="Register a site", title="I3Plat", order=10)


def layout(**_query: Any) -> Any:
    t = request_translator()
    try:
        address = default_karmada_address(current_services().access)
    except (KarmadaError, OSError):
        address = ""
    return html.Div(
        [
            html.H2(t("Register a site"), className="mb-2"),
            html.P(
                t(
                    "Connect a factory's Kubernetes cluster to the central Karmada. Fill in the form; the "
                    "console then creates a one-time token and shows the commands to run at the site, "
                    "and follows the registration until the cluster is Ready."
                ),
                className="text-body-secondary",
            ),
            registration_form(t, karmada_address=address, ttl_hours=DEFAULT_TTL_HOURS),
            html.Div(id="register-steps"),
            html.Div(id="register-progress"),
            dcc.Store(id="register-check"),
            dcc.Store(id="register-outcome"),
            dcc.Store(id="register-plan"),
            dcc.Store(id="register-history"),
            dcc.Interval(id="register-tick", interval=POLL_MS, disabled=True),
        ],
        className="register-page",
    )


def _ttl(value: Any) -> Any:
    """Whole numbers from the number input become int; anything else is passed on to be refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def build_request(
    site: Any, mode: Any, endpoint: Any, proxy: Any, ttl: Any, address: Any
) -> RegistrationRequest:
    return RegistrationRequest(
        site=(site or "").strip() if isinstance(site, str) else site,
        api_endpoint=(endpoint or "").strip() if isinstance(endpoint, str) else endpoint,
        sync_mode=mode or "Pull",
        proxy_url=(proxy or "").strip() or None if isinstance(proxy, str) else None,
        ttl_hours=_ttl(ttl),
        karmada_address=(address or "").strip() or None if isinstance(address, str) else None,
    )


_FORM_STATES = [
    State("register-site", "value"),
    State("register-sync-mode", "value"),
    State("register-api-endpoint", "value"),
    State("register-proxy-url", "value"),
    State("register-ttl-hours", "value"),
    State("register-karmada-address", "value"),
]
_FEEDBACK_OUTPUTS = [
    output
    for field in FIELDS
    for output in (
        Output(f"register-{field.replace('_', '-')}", "invalid"),
        Output(f"register-{field.replace('_', '-')}-feedback", "children"),
    )
]


def form_values(*values: Any) -> dict[str, Any]:
    """The form as a comparable dict (what a submit outcome was computed for)."""
    return asdict(build_request(*values))


def _as_dicts(items: Any) -> list[dict[str, Any]]:
    return [asdict(item) for item in items]


@dash.callback(
    Output("register-check", "data"),
    Input("register-site", "value"),
    Input("register-sync-mode", "value"),
    Input("register-api-endpoint", "value"),
    Input("register-proxy-url", "value"),
    Input("register-ttl-hours", "value"),
    Input("register-karmada-address", "value"),
    prevent_initial_call=True,
)
def check_form(*values: Any) -> dict[str, Any]:
    """Checks while typing: no lookups, nothing created; an empty field is not an error yet."""
    try:
        warnings = check_registration(build_request(*values), resolve=None)
    except RegistrationRefused as refused:
        problems = [p for p in refused.problems if p.code != "required"]
        return {"problems": _as_dicts(problems), "warnings": _as_dicts(refused.warnings)}
    return {"problems": [], "warnings": _as_dicts(warnings)}


@dash.callback(
    Output("register-outcome", "data"),
    Output("register-plan", "data"),
    Input("register-submit", "n_clicks"),
    *_FORM_STATES,
    State("register-accept", "value"),
    prevent_initial_call=True,
)
def submit(_clicks: int | None, *values: Any) -> tuple[Any, ...]:
    """The button: validate with DNS lookups, refuse a taken name, create the token (Pull)."""
    *fields, accepted = values
    request = build_request(*fields)
    outcome = start_registration(current_services().access, request, accept_warnings=bool(accepted))
    result: dict[str, Any] = {
        "values": asdict(request),
        "problems": _as_dicts(outcome.refused.problems if outcome.refused else ()),
        "warnings": _as_dicts(outcome.warnings),
        "alert": None,
    }
    if outcome.refused is not None:
        result["alert"] = ["refused", ""]
    elif outcome.needs_confirmation:
        result["alert"] = ["confirm", ""]
    elif outcome.failure is not None:
        result["alert"] = ["failure", outcome.failure[1]]
    plan = outcome.plan.to_dict() if outcome.plan is not None else dash.no_update
    return result, plan


def alert_view(alert: list[str] | None, t: Any) -> Any:
    if not alert:
        return None
    kind, detail = alert
    if kind == "refused":
        return html.Div(t("Please correct the fields marked in red."), className="alert alert-danger")
    if kind == "confirm":
        text = t("Check the warnings above. Nothing has been created yet.")
        return html.Div(text, className="alert alert-warning")
    text = t("Could not create the bootstrap token: {detail}", detail=detail)
    return html.Div(text, className="alert alert-danger")


@dash.callback(
    *_FEEDBACK_OUTPUTS,
    Output("register-warnings", "children"),
    Output("register-warnings", "hidden"),
    Output("register-accept-box", "hidden"),
    Output("register-alert", "children"),
    Output("register-submit", "children"),
    Input("register-check", "data"),
    Input("register-outcome", "data"),
    *_FORM_STATES,
    prevent_initial_call=True,
)
def show_feedback(
    check: dict[str, Any] | None, outcome: dict[str, Any] | None, *values: Any
) -> tuple[Any, ...]:
    """Both the live check and the last submit feed this one view, so their answers can arrive in
    any order: the submit's verdict holds while the form still has the values it judged."""
    t = request_translator()
    current = form_values(*values)
    problems = [Problem(**p) for p in (check or {}).get("problems") or []]
    warnings = [EndpointWarning(**w) for w in (check or {}).get("warnings") or []]
    alert = None
    if outcome and outcome.get("values") == current:
        problems = [Problem(**p) for p in outcome.get("problems") or []] + problems
        warnings = [EndpointWarning(**w) for w in outcome.get("warnings") or []] or warnings
        alert = outcome.get("alert")
    shown = warnings_list(dict.fromkeys(warnings), t)
    label = (
        t("Show the steps") if current["sync_mode"] == "Push" else t("Create the token and show the steps")
    )
    return (
        *feedback_outputs(field_feedback(problems, t)),
        shown,
        not shown,
        not shown,
        alert_view(alert, t),
        label,
    )


@dash.callback(
    Output("register-steps", "children"),
    Output("register-form-card", "style"),
    Output("register-progress", "children"),
    Output("register-history", "data"),
    Output("register-tick", "disabled"),
    Input("register-plan", "data"),
    prevent_initial_call=True,
)
def show_plan(plan: dict[str, Any] | None) -> tuple[Any, ...]:
    """The guide replaces the form; polling starts."""
    if not plan:
        return None, None, None, None, True
    t = request_translator()
    steps = [
        steps_view(plan, t),
        html.A(t("Register another site"), href="/sites/register", className="btn btn-link px-0 mb-3"),
    ]
    return steps, {"display": "none"}, progress_view(None, plan, t, time.time()), None, False


@dash.callback(
    Output("register-history", "data", allow_duplicate=True),
    Output("register-progress", "children", allow_duplicate=True),
    Output("register-tick", "disabled", allow_duplicate=True),
    Input("register-tick", "n_intervals"),
    State("register-plan", "data"),
    State("register-history", "data"),
    prevent_initial_call=True,
)
def poll_cluster(
    _n: int | None, plan: dict[str, Any] | None, history: dict[str, Any] | None
) -> tuple[Any, ...]:
    """One look at the Cluster per tick; stops once it is Ready."""
    if not plan or not plan.get("site"):
        return dash.no_update, dash.no_update, True
    t = request_translator()
    observation = observe_cluster(current_services().access, str(plan["site"]))
    updated = record_observation(history, observation)
    done = phase_of(updated) == "ready"
    return updated, progress_view(updated, plan, t, time.time()), done
