"""The navigation offers an administrator's pages only to administrators (the server refuses anyway)."""

from __future__ import annotations

import json

import pytest

from tests.integration.auth.conftest import ROLES, Console

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("who", ["anonymous", *ROLES])
def test_register_link_only_for_admins(console: Console, who: str) -> None:
    layout = console.client(who).get("/_dash-layout")
    if who == "anonymous":
        assert b"nav-register" not in layout.data
        return
    assert layout.status_code == 200
    text = json.dumps(layout.get_json())
    assert ('"nav-register"' in text) == (who == "admin"), who
    assert ('"/sites/register"' in text) == (who == "admin"), who
