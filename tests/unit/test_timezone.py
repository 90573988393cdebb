"""The viewer's time zone: the browser's cookie when it names a real zone, else the configured one;
and `Translator.moment`, the one way a server-written time is shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import flask
import pytest

from i3plat.i18n import DEFAULT_TIMEZONE, TZ_COOKIE, Translator, parse_zone
from i3plat.settings import Settings
from i3plat.webctx import EXTENSION_KEY, Services, request_translator, request_zone

MOMENT = 1_796_006_460.25  # 2026-11-30 02:41:00.250 UTC


@pytest.fixture
def app(tmp_path: Path) -> Iterator[flask.Flask]:
    app = flask.Flask(__name__)
    settings = Settings(data_dir=tmp_path, timezone="Europe/Berlin")
    none = cast(Any, None)  # request_zone reads only the settings
    app.extensions[EXTENSION_KEY] = Services(settings, none, none, none)
    yield app


def zone_with_cookie(app: flask.Flask, value: str | None) -> str:
    headers = {"Cookie": f"{TZ_COOKIE}={value}"} if value is not None else {}
    with app.test_request_context("/", headers=headers):
        return str(request_zone())


def test_a_valid_cookie_names_the_viewers_zone(app: flask.Flask) -> None:
    assert zone_with_cookie(app, "America/New_York") == "America/New_York"
    assert zone_with_cookie(app, "UTC") == "UTC"
    with app.test_request_context("/", headers={"Cookie": f"{TZ_COOKIE}=Asia/Shanghai"}):
        t = request_translator()
        assert str(t.zone) == "Asia/Shanghai"
        assert t.moment(MOMENT, "short") == "2026/11/30 10:41"


@pytest.mark.parametrize("value", ["Mars/Olympus_Mons", "../../etc/passwd", "/etc/localtime", "", "x" * 300])
def test_garbage_or_unknown_cookie_falls_back_to_the_setting(app: flask.Flask, value: str) -> None:
    assert zone_with_cookie(app, value) == "Europe/Berlin"


def test_no_cookie_or_no_request_uses_the_setting(app: flask.Flask) -> None:
    assert zone_with_cookie(app, None) == "Europe/Berlin"
    with app.app_context():
        assert str(request_zone()) == "Europe/Berlin"


def test_parse_zone_accepts_only_iana_names() -> None:
    assert str(parse_zone("Asia/Shanghai")) == "Asia/Shanghai"
    assert str(parse_zone("America/Argentina/Buenos_Aires")) == "America/Argentina/Buenos_Aires"
    for bad in (None, "", "utc", "Asia/../Asia/Tokyo", "Asia/Shang hai", "Nowhere/Land"):
        assert parse_zone(bad) is None, bad


def test_moment_in_two_zones_and_both_locales() -> None:
    shanghai_zh, utc_zh = Translator("zh_CN", "Asia/Shanghai"), Translator("zh_CN", "UTC")
    shanghai_en, utc_en = Translator("en", "Asia/Shanghai"), Translator("en", "UTC")
    assert shanghai_zh.moment(MOMENT, "short") == "2026/11/30 10:41"
    assert utc_zh.moment(MOMENT, "short") == "2026/11/30 02:41"
    assert shanghai_zh.moment(MOMENT, "medium") == "2026年11月30日 10:41:00"
    assert shanghai_en.moment(MOMENT, "short") == "11/30/26, 10:41\u202fAM"
    assert utc_en.moment(MOMENT, "medium") == "Nov 30, 2026, 2:41:00\u202fAM"
    # fixed width for columns (log lines), the same in every locale
    assert shanghai_en.moment(MOMENT, "precise") == "2026-11-30 10:41:00.250"
    assert utc_zh.moment(MOMENT, "precise") == "2026-11-30 02:41:00.250"


def test_translator_defaults_to_the_factories_zone() -> None:
    assert str(Translator("en").zone) == DEFAULT_TIMEZONE == "Asia/Shanghai"
    assert str(Translator("en", "Not/AZone").zone) == DEFAULT_TIMEZONE
