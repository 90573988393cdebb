"""Every server-written time a person reads is in the viewer's zone, in the locale's Babel style:
kiosk tiles, the site list, the registration wizard, the token table (`Translator.moment`)."""

from __future__ import annotations

from typing import Any

from i3plat.auth.principal import TokenScope
from i3plat.auth.tokens import TokenInfo
from i3plat.collector.records import Failure, SiteRecord
from i3plat.components import site_list, tiles
from i3plat.components.auth_tokens import token_rows
from i3plat.components.register_progress import progress_view
from i3plat.components.register_steps import format_moment
from i3plat.i18n import Translator
from tests.support.dash_tree import walk

NOW = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC = 16:00 in Shanghai
SHANGHAI_EN, UTC_EN = Translator("en", "Asia/Shanghai"), Translator("en", "UTC")
SHANGHAI_ZH, BERLIN_ZH = Translator("zh_CN", "Asia/Shanghai"), Translator("zh_CN", "Europe/Berlin")


def text_of(node: Any) -> str:
    parts = [node] if isinstance(node, str) else []
    for item in walk(node):
        children = getattr(item, "children", None)
        texts = [children] if isinstance(children, str) else list(children or ())
        parts += [c for c in texts if isinstance(c, str)]
    return " ".join(parts)


def unreachable_site() -> SiteRecord:
    failure = Failure("unreachable", "connect", "dial tcp: connect refused", None, 500, NOW - 60)
    return SiteRecord(
        site="fab-a", ready_state="True", reason="ClusterReady", sync_mode="Pull", kubernetes_version="v1",
        nodes_total=4, nodes_ready=4, gpus_allocatable=8, gpus_allocated=4, last_success_at=NOW - 120,
        unreachable_since=NOW - 120, failure=failure,
    )  # fmt: skip


def test_kiosk_tile_since_is_in_the_viewers_zone() -> None:
    view = tiles.site_view("fab-a", unreachable_site(), {}, now=NOW, poll_interval=15)
    assert tiles.since_text(view, SHANGHAI_EN) == "since 1/15/27, 3:58\u202fPM"
    assert tiles.since_text(view, UTC_EN) == "since 1/15/27, 7:58\u202fAM"
    assert tiles.since_text(view, SHANGHAI_ZH) == "自 2027/1/15 15:58 起"


def test_site_list_since_is_in_the_viewers_zone() -> None:
    text = site_list.since_text(unreachable_site(), BERLIN_ZH, NOW)
    assert text.startswith("自 2027/1/15 08:58 起"), text
    assert site_list.since_text(unreachable_site(), UTC_EN, NOW).startswith("since 1/15/27, 7:58\u202fAM")


def test_registration_times_are_in_the_viewers_zone() -> None:
    assert format_moment("2027-01-15T08:00:00Z", SHANGHAI_ZH) == "2027年1月15日 16:00:00"
    assert format_moment("2027-01-15T08:00:00Z", UTC_EN) == "Jan 15, 2027, 8:00:00\u202fAM"
    assert format_moment(None, UTC_EN) == "—" and format_moment("not a time", UTC_EN) == "not a time"
    history = {"latest": {"at": NOW, "present": False}, "changes": []}
    view = progress_view(history, {"site": "fab-a", "mode": "Pull"}, UTC_EN, NOW)
    assert "Jan 15, 2027, 8:00:00\u202fAM" in text_of(view)


def test_token_expiry_is_in_the_viewers_zone() -> None:
    info = TokenInfo("t1", TokenScope("kiosk"), "tv", "ada", NOW - 86_400, NOW + 3600, None, None, None)
    assert "1/15/27, 5:00\u202fPM" in text_of(token_rows([info], SHANGHAI_EN, NOW))
    assert "1/15/27, 9:00\u202fAM" in text_of(token_rows([info], UTC_EN, NOW))
