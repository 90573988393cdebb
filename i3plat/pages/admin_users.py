"""`/admin/users` — console users (系统管理员 only: auth.policy.PAGES).

Wiring only: checks and components are in `components.auth_users`, storage in
`auth.users.UserStore` (via `auth.web.auth_context().users`). Every change, and every change
the store refuses, is audit-logged under the same action names as the `i3plat users` CLI.
Deleting asks first, in a dialog that names the user. Disabling (and enabling) is one click per
row: it is undone as easily, and the admin's own row has no such button.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html

from i3plat.auth.users import UserError
from i3plat.auth.web import audit_action, auth_context, current_principal
from i3plat.components.auth_users import (
    STATE_BUTTON,
    FormError,
    delete_question,
    parse_form_role,
    parse_new_password,
    parse_new_user,
    parse_state_click,
    password_input,
    result_alert,
    role_options,
    self_disable_text,
    state_result_text,
    store_refusal,
    user_editor,
    user_table,
)
from i3plat.components.auth_widgets import form_field, sign_in_mode_note
from i3plat.webctx import request_translator

dash.register_page(__name__, path="/admin/users", name="Users", title="I3Plat", order=81)

NO = dash.no_update


def layout(**_query: Any) -> Any:
    t = request_translator()
    form = dbc.Row(
        [
            form_field(t("User name"), dbc.Input(id="user-new-name", maxLength=128), md=3),
            form_field(
                t("Role"), dbc.Select(id="user-new-role", options=role_options(t), value="viewer"), md=2
            ),
            form_field(t("Initial password"), password_input("user-new-password"), md=3),
            form_field(t("Repeat password"), password_input("user-new-repeat"), md=2),
            dbc.Col(dbc.Button(t("Create user"), id="user-create", color="primary"), md=2),
        ],
        className="admin-form g-2 mb-3 align-items-end",
    )
    confirm = dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(t("Delete user"))),
            dbc.ModalBody(id="user-delete-text"),
            dbc.ModalFooter(
                [
                    dbc.Button(t("Cancel"), id="user-delete-cancel", color="secondary"),
                    dbc.Button(t("Delete"), id="user-delete-confirm", color="danger"),
                ]
            ),
        ],
        id="user-delete-modal",
        is_open=False,
    )
    return html.Div(
        [
            html.H2(t("Users"), id="users-title", className="mb-3"),
            html.P(t("Who may sign in to this console, and with which role.")),
            sign_in_mode_note(t, auth_context().settings, "users"),
            form,
            html.Div(id="user-result"),
            html.Div(id="user-edit"),
            html.Div(id="user-list"),
            confirm,
            dcc.Store(id="user-changed", data=0),
            dcc.Store(id="user-selected", data=None),
            dcc.Store(id="user-delete-target", data=None),
        ],
        className="admin-users",
    )


def _bump(changed: int | None) -> int:
    return (changed or 0) + 1


def _refusal(exc: UserError, action: str, name: str) -> html.Div:
    audit_action(action, name, outcome="refused", reason=type(exc).__name__)
    return store_refusal(exc, request_translator(), name, actor=current_principal().name)


@dash.callback(
    Output("user-result", "children"),
    Output("user-changed", "data"),
    Output("user-new-name", "value"),
    Output("user-new-password", "value"),
    Output("user-new-repeat", "value"),
    Input("user-create", "n_clicks"),
    State("user-new-name", "value"),
    State("user-new-role", "value"),
    State("user-new-password", "value"),
    State("user-new-repeat", "value"),
    State("user-changed", "data"),
    prevent_initial_call=True,
)
def create_user(
    n: int | None, name: str | None, role: str | None, password: str | None, repeat: str | None,
    changed: int | None,
) -> tuple[Any, ...]:  # fmt: skip
    if not n:
        raise dash.exceptions.PreventUpdate
    t = request_translator()
    try:
        new = parse_new_user(name, role, password, repeat)
    except FormError as exc:
        return result_alert(exc.translated(t), ok=False, field=exc.field), NO, NO, NO, NO
    try:
        info = auth_context().users.create(new.name, new.role, new.password)
    except UserError as exc:
        return _refusal(exc, "user.create", new.name), NO, NO, NO, NO
    audit_action("user.create", info.name, role=info.role.name)
    text = t("Created {name} as {role}.", name=info.name, role=t(info.role.label))
    return result_alert(text, ok=True), _bump(changed), "", "", ""


@dash.callback(Output("user-list", "children"), Input("user-changed", "data"))
def list_users(_changed: int | None) -> Any:
    return user_table(auth_context().users.list(), request_translator(), current_principal().name)


@dash.callback(
    Output("user-selected", "data"),
    Input({"type": "user-manage", "name": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def select_user(clicks: list[int | None]) -> Any:
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks):
        raise dash.exceptions.PreventUpdate
    return str(trigger["name"])


@dash.callback(Output("user-edit", "children"), Input("user-selected", "data"), Input("user-changed", "data"))
def show_editor(selected: str | None, _changed: int | None) -> Any:
    info = auth_context().users.get(selected) if isinstance(selected, str) and selected else None
    return user_editor(info, request_translator())


@dash.callback(
    Output("user-result", "children", allow_duplicate=True),
    Output("user-changed", "data", allow_duplicate=True),
    Input("user-role-save", "n_clicks"),
    State("user-selected", "data"),
    State("user-edit-role", "value"),
    State("user-changed", "data"),
    prevent_initial_call=True,
)
def change_role(
    n: int | None, selected: str | None, role: str | None, changed: int | None
) -> tuple[Any, Any]:
    if not n or not isinstance(selected, str) or not selected:
        raise dash.exceptions.PreventUpdate
    t = request_translator()
    try:
        wanted = parse_form_role(role)
    except FormError as exc:
        return result_alert(exc.translated(t), ok=False, field=exc.field), NO
    users = auth_context().users
    before = users.get(selected)
    if before is not None and before.role == wanted:
        return result_alert(t("{name} already is {role}.", name=selected, role=t(wanted.label)), ok=True), NO
    try:
        info = users.set_role(selected, wanted)
    except UserError as exc:
        return _refusal(exc, "user.set-role", selected), NO
    previous = before.role.name if before is not None else ""
    audit_action("user.set-role", info.name, role=info.role.name, previous_role=previous)
    text = t("{name} is now {role}; their sessions have ended.", name=info.name, role=t(info.role.label))
    return result_alert(text, ok=True), _bump(changed)


@dash.callback(
    Output("user-result", "children", allow_duplicate=True),
    Output("user-changed", "data", allow_duplicate=True),
    Output("user-reset-password", "value"),
    Output("user-reset-repeat", "value"),
    Input("user-password-save", "n_clicks"),
    State("user-selected", "data"),
    State("user-reset-password", "value"),
    State("user-reset-repeat", "value"),
    State("user-changed", "data"),
    prevent_initial_call=True,
)
def reset_password(
    n: int | None, selected: str | None, password: str | None, repeat: str | None, changed: int | None
) -> tuple[Any, ...]:
    if not n or not isinstance(selected, str) or not selected:
        raise dash.exceptions.PreventUpdate
    t = request_translator()
    try:
        checked = parse_new_password(selected, password, repeat)
    except FormError as exc:
        return result_alert(exc.translated(t), ok=False, field=exc.field), NO, NO, NO
    try:
        info = auth_context().users.set_password(selected, checked)
    except UserError as exc:
        return _refusal(exc, "user.set-password", selected), NO, NO, NO
    audit_action("user.set-password", info.name)
    text = t("New password set for {name}; their sessions have ended.", name=info.name)
    return result_alert(text, ok=True), _bump(changed), "", ""


@dash.callback(
    Output("user-result", "children", allow_duplicate=True),
    Output("user-changed", "data", allow_duplicate=True),
    Input({"type": STATE_BUTTON, "name": ALL, "action": ALL}, "n_clicks"),
    State("user-changed", "data"),
    prevent_initial_call=True,
)
def change_state(_clicks: list[int | None], changed: int | None) -> tuple[Any, Any]:
    """Disable or enable the user of the clicked row (never the admin's own account)."""
    clicked = parse_state_click(ctx.triggered_id, ctx.triggered[0].get("value") if ctx.triggered else None)
    if clicked is None:
        raise dash.exceptions.PreventUpdate
    name, action = clicked
    t = request_translator()
    if action == "disable" and name == current_principal().name:
        audit_action("user.disable", name, outcome="refused", reason="self")
        return result_alert(self_disable_text(name, t), ok=False), NO
    users = auth_context().users
    before = users.get(name)
    if before is not None and before.disabled is (action == "disable"):
        return result_alert(state_result_text(before, t, changed=False), ok=True), NO
    try:
        info = users.disable(name) if action == "disable" else users.enable(name)
    except UserError as exc:
        return _refusal(exc, f"user.{action}", name), NO
    audit_action(f"user.{action}", info.name)
    return result_alert(state_result_text(info, t, changed=True), ok=True), _bump(changed)


@dash.callback(
    Output("user-delete-modal", "is_open"),
    Output("user-delete-text", "children"),
    Output("user-delete-target", "data"),
    Input("user-delete", "n_clicks"),
    State("user-selected", "data"),
    prevent_initial_call=True,
)
def ask_delete(n: int | None, selected: str | None) -> tuple[Any, ...]:
    """Step one of two: the dialog names the user; the target is fixed until it closes."""
    if not n or not isinstance(selected, str) or not selected:
        raise dash.exceptions.PreventUpdate
    return True, delete_question(selected, request_translator()), selected


@dash.callback(
    Output("user-delete-modal", "is_open", allow_duplicate=True),
    Output("user-delete-target", "data", allow_duplicate=True),
    Input("user-delete-cancel", "n_clicks"),
    prevent_initial_call=True,
)
def cancel_delete(n: int | None) -> tuple[Any, Any]:
    if not n:
        raise dash.exceptions.PreventUpdate
    return False, None


@dash.callback(
    Output("user-result", "children", allow_duplicate=True),
    Output("user-changed", "data", allow_duplicate=True),
    Output("user-delete-modal", "is_open", allow_duplicate=True),
    Output("user-delete-target", "data", allow_duplicate=True),
    Output("user-selected", "data", allow_duplicate=True),
    Input("user-delete-confirm", "n_clicks"),
    State("user-delete-target", "data"),
    State("user-changed", "data"),
    prevent_initial_call=True,
)
def confirm_delete(n: int | None, target: str | None, changed: int | None) -> tuple[Any, ...]:
    if not n or not isinstance(target, str) or not target:
        raise dash.exceptions.PreventUpdate
    try:
        auth_context().users.delete(target)
    except UserError as exc:
        return _refusal(exc, "user.delete", target), NO, False, None, NO
    audit_action("user.delete", target)
    t = request_translator()
    return result_alert(t("Deleted {name}.", name=target), ok=True), _bump(changed), False, None, None
