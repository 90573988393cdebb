"""Sign-in, roles, kiosk/embed tokens, CSRF and the audit trail (docs/security.md).

Pages use `current_principal()` to adapt what they show (never as the only check: the policy
in `auth.policy` is enforced on the server for every route and callback) and `audit_action`
to record what they change. The web pieces load lazily, so the CLI and the storage modules
import without Dash.
"""

from __future__ import annotations

from typing import Any

from i3plat.auth.principal import Principal, TokenScope
from i3plat.auth.roles import Role, parse_role

_LAZY = {
    "install_auth": "i3plat.auth.install",
    "AuthConfigError": "i3plat.auth.web",
    "AuthContext": "i3plat.auth.web",
    "audit_action": "i3plat.auth.web",
    "auth_context": "i3plat.auth.web",
    "current_principal": "i3plat.auth.web",
}

__all__ = ["Principal", "Role", "TokenScope", "parse_role", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'i3plat.auth' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
