"""The `i3plat` command refuses bad configuration with exit code 2 and a message naming the field."""

from __future__ import annotations

import pytest

from i3plat.cli import main


def test_off_auth_on_public_bind_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("I3PLAT_AUTH", raising=False)
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert "I3PLAT_AUTH=off" in capsys.readouterr().err


def test_bad_setting_is_named(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("I3PLAT_POLL_INTERVAL", "1")
    assert main(["demo", "--port", "0"]) == 2
    assert "poll_interval" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
