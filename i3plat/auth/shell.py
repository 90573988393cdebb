"""What the app shell shows about sign-in: the "off" banner and the signed-in user's menu."""

from __future__ import annotations

from typing import Any

import flask

from i3plat.auth.csrf import csrf_value
from i3plat.auth.roles import Role
from i3plat.auth.web import auth_context, current_principal
from i3plat.components.auth_widgets import auth_off_banner, user_menu
from i3plat.i18n import Translator


def shell_notice(t: Translator, *, chromeless: bool) -> Any:
    if auth_context().settings.auth == "off":
        return auth_off_banner(t, compact=chromeless)
    return None


def shell_user(t: Translator) -> Any:
    principal = current_principal()
    if principal.role is None or not flask.has_request_context():
        return None
    return user_menu(
        t,
        principal.name,
        t(principal.role.label),
        csrf_value(flask.session),
        can_sign_out=principal.kind == "user",
        admin=principal.at_least(Role.ADMIN),
    )


def shell_links(t: Translator) -> list[tuple[str, str, str]]:
    """Navigation entries beyond the overview, as (label, href, id), for the viewer's role."""
    if not flask.has_request_context() or not current_principal().at_least(Role.ADMIN):
        return []
    return [(t("Register a site"), "/sites/register", "nav-register")]
