"""`I3PLAT_AUTH=off` is refused on any address other people could reach."""

from __future__ import annotations

import pytest

from i3plat.serving import ServeError, check_bind
from i3plat.settings import Settings, is_loopback_host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "localhost"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)
    check_bind(Settings(auth="off"), host)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::", "console.example.com"])
def test_off_mode_refuses_other_binds(host: str) -> None:
    assert not is_loopback_host(host)
    with pytest.raises(ServeError, match="I3PLAT_AUTH=off"):
        check_bind(Settings(auth="off"), host)


def test_other_modes_may_bind_anywhere() -> None:
    check_bind(Settings(auth="local"), "0.0.0.0")
