"""Pure builders and form checks for the user admin page (`/admin/users`).

Form input is checked here first, so a bad field gets a message in the reader's language that
names the field and nothing is changed; `auth.users.UserStore` checks again and stays the
authority (the last-administrator rule is decided inside its transaction). Store errors are
mapped to messages here too, so the page only wires.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import dash_bootstrap_components as dbc
from dash import html

from i3plat.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, check_new_password
from i3plat.auth.roles import Role, UnknownRole, parse_role, role_name
from i3plat.auth.users import (
    InvalidUserName,
    LastAdmin,
    NoSuchUser,
    UserError,
    UserExists,
    UserInfo,
    check_user_name,
)
from i3plat.components.auth_widgets import form_field
from i3plat.i18n import N_, Translator

FormField = Literal["name", "role", "password", "repeat"]
SOURCE_LABELS = {
    "local": N_("Password (local)"),
    "oidc": N_("Company sign-in (OIDC)"),
    "header": N_("Reverse proxy"),
}
SOURCE_NOTES = {
    "oidc": N_(
        "Signs in through the company sign-in: the role it sends replaces this one at the next sign-in."
    ),
    "header": N_("Signs in through the reverse proxy: the proxy's groups can give a higher role."),
}
StateAction = Literal["disable", "enable"]
STATE_BUTTON = "user-state"
"""Pattern-matching id type of the per-row Disable/Enable buttons: {type, name, action}."""


class FormError(ValueError):
    """A form field the page refuses; `message` is a catalog msgid naming the field."""

    def __init__(self, field: FormField, message: str, **values: object) -> None:
        super().__init__(message.format(**values))
        self.field = field
        self.message = message
        self.values = values

    def translated(self, t: Translator) -> str:
        return t(self.message, **self.values)


@dataclass(frozen=True)
class NewUser:
    name: str
    role: Role
    password: str


# ---------------------------------------------------------------------------- form checks


def parse_user_name(raw: str | None) -> str:
    """Surrounding blanks are a typing slip, not part of the name."""
    name = (raw or "").strip()
    if not name:
        raise FormError("name", N_("User name: required."))
    try:
        return check_user_name(name)
    except InvalidUserName:
        raise FormError(
            "name",
            N_("User name: use 1 to 128 letters, digits and . _ @ + - (starting with a letter or digit)."),
        ) from None


def parse_form_role(raw: str | None) -> Role:
    if not raw:
        raise FormError("role", N_("Role: choose a role."))
    try:
        return parse_role(raw)
    except UnknownRole:
        raise FormError("role", N_("Role: {value} is not a role."), value=raw[:40]) from None


def parse_new_password(name: str, password: str | None, repeat: str | None) -> str:
    """The same rules as `auth.passwords.check_new_password`, with a translatable message each."""
    given = password or ""
    if not given:
        raise FormError("password", N_("Password: required."))
    if len(given) < MIN_PASSWORD_LENGTH:
        raise FormError("password", N_("Password: at least {count} characters."), count=MIN_PASSWORD_LENGTH)
    if len(given) > MAX_PASSWORD_LENGTH:
        raise FormError("password", N_("Password: at most {count} characters."), count=MAX_PASSWORD_LENGTH)
    if given.strip().lower() == name.strip().lower():
        raise FormError("password", N_("Password: must not be the user name."))
    if given != (repeat or ""):
        raise FormError("repeat", N_("Repeat password: the two entries differ."))
    check_new_password(name, given)  # the store's own rule: must agree with the checks above
    return given


def parse_new_user(name: str | None, role: str | None, password: str | None, repeat: str | None) -> NewUser:
    """Fields are checked in form order; the first bad one is reported."""
    checked = parse_user_name(name)
    return NewUser(checked, parse_form_role(role), parse_new_password(checked, password, repeat))


def store_error_text(exc: UserError, t: Translator, name: str, *, actor: str) -> str:
    """A refusal from `UserStore` in the reader's language, naming the user and the reason."""
    if isinstance(exc, LastAdmin):
        if name == actor:
            return t(
                "You ({name}) are the last system administrator: make another user a system "
                "administrator first.",
                name=name,
            )
        return t(
            "{name} is the last system administrator: make another user a system administrator first.",
            name=name,
        )
    if isinstance(exc, UserExists):
        return t("User name: a user named {name} already exists.", name=name)
    if isinstance(exc, NoSuchUser):
        return t("There is no user named {name} (any more).", name=name)
    if isinstance(exc, InvalidUserName):
        return t("User name: {name} is not a valid user name.", name=name[:40])
    return t("{name} does not sign in with a password here, so there is none to set.", name=name)


# ---------------------------------------------------------------------------- components


def role_options(t: Translator) -> list[dict[str, str]]:
    return [{"label": t(role.label), "value": role_name(role)} for role in Role]


def format_moment(moment: float | None, t: Translator) -> str:
    if moment is None:
        return t("never")
    return t.moment(moment, "short")


def result_alert(text: str, *, ok: bool, field: str | None = None) -> html.Div:
    """The answer to the last action; `data-field` names the refused field for tests and styling."""
    attrs: dict[str, Any] = {"data-field": field} if field else {}
    return html.Div(
        dbc.Alert(text, color="success" if ok else "warning", className="mb-2"),
        id="user-result-alert",
        className="user-result-ok" if ok else "user-result-refused",
        **attrs,
    )


def user_state(info: UserInfo, t: Translator) -> list[Any]:
    if info.disabled_at is None:
        return [html.Span(t("Active"), className="badge text-bg-success user-state-active")]
    return [
        html.Span(t("Disabled"), className="badge text-bg-secondary user-state-disabled"),
        html.Small(" " + format_moment(info.disabled_at, t), className="text-body-secondary"),
    ]


def state_button(info: UserInfo, t: Translator) -> dbc.Button:
    """Disable an active user, enable a disabled one; the action is in the id, so a repeated
    click repeats the same request instead of toggling back."""
    action: StateAction = "enable" if info.disabled else "disable"
    return dbc.Button(
        t("Enable") if info.disabled else t("Disable"),
        id={"type": STATE_BUTTON, "name": info.name, "action": action},
        size="sm",
        color="success" if info.disabled else "warning",
        outline=True,
        className="ms-2",
    )


def user_rows(infos: Sequence[UserInfo], t: Translator, me: str) -> list[Any]:
    """One row per user; no Disable button on the admin's own row (the page refuses it too)."""
    rows = []
    for info in infos:
        name: list[Any] = [info.name]
        if info.name == me:
            name.append(html.Span(t("you"), className="badge text-bg-info ms-2"))
        actions: list[Any] = [
            dbc.Button(
                t("Manage"),
                id={"type": "user-manage", "name": info.name},
                size="sm",
                color="secondary",
                outline=True,
            )
        ]
        if info.name != me:
            actions.append(state_button(info, t))
        rows.append(
            html.Tr(
                [
                    html.Td(name),
                    html.Td(t(info.role.label), className=f"user-role-{role_name(info.role)}"),
                    html.Td(t(SOURCE_LABELS.get(info.source, info.source))),
                    html.Td(user_state(info, t)),
                    html.Td(format_moment(info.created_at, t)),
                    html.Td(format_moment(info.last_login_at, t)),
                    html.Td(actions, className="text-nowrap"),
                ],
                id={"type": "user-row", "name": info.name},
                className="user-disabled text-body-secondary" if info.disabled else "",
            )
        )
    return rows


def user_table(infos: Sequence[UserInfo], t: Translator, me: str) -> Any:
    if not infos:
        return html.Div(t("No users yet."), className="text-body-secondary", id="user-empty")
    head = [t("User"), t("Role"), t("Signs in with"), t("Status"), t("Created"), t("Last sign-in"), ""]
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(user_rows(infos, t, me))],
        size="sm",
        hover=True,
        responsive=True,
        id="user-table",
    )


def password_input(component_id: str) -> dbc.Input:
    """Browsers must not fill in the admin's own saved password here (its label is a
    `form_field`'s, never a placeholder)."""
    return dbc.Input(
        id=component_id,
        type="password",
        autocomplete="new-password",
        maxLength=MAX_PASSWORD_LENGTH,
    )


def _password_section(t: Translator) -> html.Div:
    return html.Div(
        [
            html.H6(t("Set a new password"), className="mt-3"),
            dbc.Row(
                [
                    form_field(t("New password"), password_input("user-reset-password"), md=4),
                    form_field(t("Repeat password"), password_input("user-reset-repeat"), md=4),
                    dbc.Col(dbc.Button(t("Set password"), id="user-password-save", color="primary"), md=4),
                ],
                className="admin-form g-2 align-items-end",
            ),
            html.Small(
                t(
                    "At least {count} characters. The user is signed out everywhere.",
                    count=MIN_PASSWORD_LENGTH,
                ),
                className="text-body-secondary",
            ),
        ]
    )


def user_editor(info: UserInfo | None, t: Translator) -> Any:
    """Role, password and delete for one user; the password part only for local users."""
    if info is None:
        return html.Div(id="user-editor-empty")
    parts: list[Any] = [
        html.H5(t("Manage {name}", name=info.name), id="user-editor-title"),
        dbc.Row(
            [
                form_field(
                    t("Role"),
                    dbc.Select(id="user-edit-role", options=role_options(t), value=role_name(info.role)),
                    md=4,
                ),
                dbc.Col(dbc.Button(t("Change role"), id="user-role-save", color="primary"), md=4),
            ],
            className="admin-form g-2 align-items-end",
        ),
    ]
    note = SOURCE_NOTES.get(info.source)
    if note:
        parts.append(html.Small(t(note), className="text-body-secondary d-block"))
    if info.source == "local":
        parts.append(_password_section(t))
    parts.append(
        dbc.Button(t("Delete user…"), id="user-delete", color="danger", outline=True, className="mt-3")
    )
    return dbc.Card(dbc.CardBody(parts), id="user-editor", className="mb-3")


def store_refusal(exc: UserError, t: Translator, name: str, *, actor: str) -> html.Div:
    field = "name" if isinstance(exc, UserExists | InvalidUserName) else None
    return result_alert(store_error_text(exc, t, name, actor=actor), ok=False, field=field)


def parse_state_click(trigger: object, clicks: object) -> tuple[str, StateAction] | None:
    """(user, action) of a real click on a row's Disable/Enable button; None for anything else
    (the table re-rendering, a malformed id)."""
    if not isinstance(trigger, dict) or not clicks:
        return None
    name, action = trigger.get("name"), trigger.get("action")
    if not isinstance(name, str) or not name:
        return None
    if action == "disable":
        return name, "disable"
    if action == "enable":
        return name, "enable"
    return None


def state_result_text(info: UserInfo, t: Translator, *, changed: bool) -> str:
    if info.disabled:
        if not changed:
            return t("{name} is already disabled.", name=info.name)
        return t("{name} is disabled: their sessions have ended and they cannot sign in.", name=info.name)
    if not changed:
        return t("{name} is already active.", name=info.name)
    return t("{name} is active again and can sign in.", name=info.name)


def self_disable_text(name: str, t: Translator) -> str:
    return t("You ({name}) cannot disable your own account: ask another system administrator.", name=name)


def delete_question(name: str, t: Translator) -> str:
    return t("Delete the user {name}? Their sessions end at once; this cannot be undone.", name=name)
