"""Every UI message used in code is translated in every catalog; formatting follows the locale."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from i3plat.i18n import SUPPORTED_LOCALES, Translator, load_translations, match_locale, negotiate_locale

ROOT = Path(__file__).resolve().parents[2]


def messages_in_code() -> set[str]:
    found = extract_from_dir(
        str(ROOT / "i3plat"),
        method_map=[("**.py", "python")],
        keywords={"t": None, "N_": None},
    )
    return {message for _file, _line, message, _comments, _context in found if isinstance(message, str)}


def test_code_uses_messages() -> None:
    assert "Sites" in messages_in_code()


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_message_is_translated(locale: str) -> None:
    translations = load_translations(locale)
    catalog = translations._catalog  # gettext's own table of msgid -> msgstr
    missing = sorted(m for m in messages_in_code() if not catalog.get(m))
    assert missing == [], f"{locale} lacks translations for {missing}"


def test_chinese_is_the_default_and_differs_from_english() -> None:
    assert negotiate_locale(None, "") == "zh_CN"
    assert Translator("zh_CN")("Sites") == "站点"
    assert Translator("en")("Sites") == "Sites"


def test_placeholders_survive_translation() -> None:
    zh = Translator("zh_CN")("{ready} of {total} sites ready", ready=2, total=3)
    assert "2" in zh and "3" in zh


@pytest.mark.parametrize(
    ("requested", "expected"),
    [("en", "en"), ("en-US", "en"), ("zh", "zh_CN"), ("zh-CN", "zh_CN"), ("fr", None), ("", None)],
)
def test_match_locale(requested: str, expected: str | None) -> None:
    assert match_locale(requested) == expected


def test_numbers_follow_locale() -> None:
    assert Translator("en").number(12345) == "12,345"
    assert Translator("en").percent(0.456) == "46%"
    assert Translator("zh_CN").timedelta(300) == "5分钟"
