"""Message catalogs (gettext via Babel) and locale-aware formatting.

Catalogs are the `.po` files under `locales/`; they are compiled in memory at first use, so no
generated `.mo` file is ever committed or shipped out of date.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
SUPPORTED_LOCALES: tuple[str, ...] = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LANG_COOKIE = "i3plat_lang"
TZ_COOKIE = "i3plat_tz"
"""The viewer's IANA time zone, set by assets/tz.js from the browser's own setting."""
DEFAULT_TIMEZONE = "Asia/Shanghai"
"""Where times are shown when the browser did not say (the factories are in China)."""
MomentStyle = Literal["short", "medium", "precise"]
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,3}")


def N_(message: str) -> str:
    """Mark a message for extraction where it is translated later (e.g. stored in a table)."""
    return message


def catalog_path(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def load_translations(locale: str) -> Translations:
    """Compile one `.po` catalog into a gettext Translations object (cached per process)."""
    with catalog_path(locale).open("rb") as po_file:
        catalog = read_po(po_file, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def negotiate_locale(*candidates: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Pick the first supported locale among candidates (`en-US`, `zh`, `zh_CN` are understood)."""
    for candidate in candidates:
        match = match_locale(candidate)
        if match:
            return match
    return default


def match_locale(candidate: str | None) -> str | None:
    if not candidate:
        return None
    normalised = candidate.strip().replace("-", "_")
    if normalised in SUPPORTED_LOCALES:
        return normalised
    language = normalised.split("_", 1)[0].lower()
    for supported in SUPPORTED_LOCALES:
        if supported.split("_", 1)[0] == language:
            return supported
    return None


def parse_zone(name: str | None) -> ZoneInfo | None:
    """An IANA zone name (`Asia/Shanghai`, `UTC`) as a ZoneInfo; None for anything unknown.

    The name comes from a cookie, so it is checked for shape before the zone database is asked
    (no paths, no absurd lengths).
    """
    if not name or len(name) > 64 or not _ZONE_NAME.fullmatch(name):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


class Translator:
    """Bound to one locale and time zone: `t("Sites")`, `t("{n} nodes", n=3)`, numbers and moments."""

    def __init__(self, locale: str, zone: ZoneInfo | str | None = None) -> None:
        self.locale = locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE
        chosen = zone if isinstance(zone, ZoneInfo) else parse_zone(zone)
        self.zone: ZoneInfo = chosen or ZoneInfo(DEFAULT_TIMEZONE)
        """The viewer's zone: every time the server writes for a person is shown in it."""
        self._translations = load_translations(self.locale)
        self._babel_locale = Locale.parse(self.locale)

    def __call__(self, message: str, **values: Any) -> str:
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def number(self, value: float, digits: int = 0) -> str:
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return numbers.format_decimal(value, format=pattern, locale=self._babel_locale)

    def percent(self, ratio: float, digits: int = 0) -> str:
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return numbers.format_percent(ratio, format=pattern, locale=self._babel_locale)

    def moment(self, epoch: float, style: MomentStyle = "medium") -> str:
        """A moment (seconds since the epoch) in the viewer's zone and the locale's Babel style.

        `short` (minutes) for notes like "since …", `medium` (seconds) for "read at …";
        `precise` is a fixed-width `2025-06-04 09:00:07.123` for columns such as log lines.
        """
        local = datetime.fromtimestamp(epoch, self.zone)
        if style == "precise":
            return local.strftime("%Y-%m-%d %H:%M:%S.") + f"{local.microsecond // 1000:03d}"
        return dates.format_datetime(local, format=style, locale=self._babel_locale)

    def timedelta(self, seconds: float) -> str:
        return dates.format_timedelta(timedelta(seconds=seconds), locale=self._babel_locale, threshold=1.5)


def language_names() -> Iterable[tuple[str, str]]:
    """Each supported locale with its language's own short name (中文, English), for the switch."""
    for locale in SUPPORTED_LOCALES:
        parsed = Locale.parse(locale)
        yield locale, parsed.languages.get(parsed.language, locale)
