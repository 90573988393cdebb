"""The four roles, ordered: each one may do everything the roles below it may.

An `IntEnum` so a check is one comparison (`role >= Role.ENGINEER`) and the policy table can
say "at least" without listing roles. Names are the stable identifiers stored in the database,
in settings and in proxy headers; the labels are for people (translated where shown).
"""

from __future__ import annotations

import enum

from i3plat.i18n import N_


class Role(enum.IntEnum):
    VIEWER = 10
    ENGINEER = 20
    OPERATOR = 30
    ADMIN = 40

    @property
    def label(self) -> str:
        """English label, a catalog msgid: translate with `t(role.label)`."""
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.VIEWER: N_("Viewer"),
    Role.ENGINEER: N_("Engineer"),
    Role.OPERATOR: N_("Resource configurator"),
    Role.ADMIN: N_("System administrator"),
}

ROLE_NAMES: tuple[str, ...] = tuple(role.name.lower() for role in Role)


class UnknownRole(ValueError):
    """A role name that is not one of viewer, engineer, operator, admin."""


def parse_role(name: str) -> Role:
    """`viewer`/`Viewer`/` ADMIN ` → Role; anything else raises UnknownRole naming the value."""
    cleaned = name.strip().upper()
    try:
        return Role[cleaned]
    except KeyError:
        raise UnknownRole(f"unknown role {name!r}; expected one of {', '.join(ROLE_NAMES)}") from None


def role_name(role: Role) -> str:
    return role.name.lower()
