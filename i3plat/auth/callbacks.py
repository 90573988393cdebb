"""Which policy rule a Dash callback request falls under, and the parameters it carries.

A callback belongs to the page whose module registered it (`dash.page_registry`), so a new
page's callbacks are covered as soon as its path is in `policy.PAGES`. Parameters are read by
the position of each registered dependency — Dash calls the function with the values in the
order the client sent them, whatever ids the client claims — so a forged id cannot hide a
custom range or another metric from the check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from i3plat.auth.policy import (
    DASH_CALLBACKS,
    DENY,
    PAGES,
    PARAM_SOURCES,
    Params,
    ParamSource,
    Rule,
    to_params,
)

ROUTER_OUTPUT = "_pages_content"


@dataclass(frozen=True)
class CallbackTarget:
    key: str
    page: str | None
    """The `PAGES` pattern of the page module that registered it."""
    internal: str | None
    """The `DASH_CALLBACKS` key for Dash's own callbacks."""
    sources: tuple[tuple[str, int, ParamSource], ...] = ()
    """("inputs"|"state", position, source) for each parameter source of the page."""

    @property
    def rule(self) -> Rule:
        if self.page is not None:
            return PAGES.get(self.page, DENY)
        if self.internal is not None:
            return DASH_CALLBACKS.get(self.internal, DENY)
        return DENY


def function_module(entry: Mapping[str, Any]) -> str | None:
    """The module of the user function behind a server callback (None for clientside ones)."""
    func = entry.get("callback")
    if func is None:
        return None
    inner = getattr(func, "__wrapped__", func)
    module = getattr(inner, "__module__", None)
    return module if isinstance(module, str) else None


def pages_relative(module: str) -> str:
    """Dash loads page modules as `pages.x`; imported normally they are `i3plat.pages.x`."""
    parts = module.split(".")
    if "pages" not in parts:
        return module
    start = len(parts) - 1 - parts[::-1].index("pages")
    return ".".join(parts[start:])


def page_pattern_of(module: str, pages: Iterable[Mapping[str, Any]]) -> str | None:
    """The page registered by `module`, or by the page module of the same package
    (`i3plat.pages.site._panels` belongs to `pages.site.page`)."""
    registered = [(pages_relative(str(page.get("module", ""))), page) for page in pages]
    wanted = pages_relative(module)
    for name, page in registered:
        if name == wanted:
            return str(page.get("path_template") or page.get("path"))
    package = wanted.rsplit(".", 1)[0]
    if package.startswith("pages.") and package.count(".") >= 1:
        for name, page in registered:
            if name.rsplit(".", 1)[0] == package:
                return str(page.get("path_template") or page.get("path"))
    return None


def internal_id(key: str) -> str | None:
    for component in DASH_CALLBACKS:
        if re.search(rf"(^|\.\.){re.escape(component)}\.", key):
            return component
    return None


def _positions(
    entry: Mapping[str, Any], sources: tuple[ParamSource, ...]
) -> tuple[tuple[str, int, ParamSource], ...]:
    found = []
    for source in sources:
        for group in ("inputs", "state"):
            for index, dep in enumerate(entry.get(group) or []):
                if dep.get("id") == source.component and dep.get("property") == source.prop:
                    found.append((group, index, source))
    return tuple(found)


def callback_index(
    callback_map: Mapping[str, Mapping[str, Any]], pages: Iterable[Mapping[str, Any]]
) -> dict[str, CallbackTarget]:
    """Every server callback's target; clientside callbacks never reach the server: left out."""
    registered = list(pages)
    index = {}
    for key, entry in callback_map.items():
        module = function_module(entry)
        if module is None:
            continue
        page = page_pattern_of(module, registered)
        if page is not None:
            index[key] = CallbackTarget(key, page, None, _positions(entry, PARAM_SOURCES.get(page, ())))
        else:
            index[key] = CallbackTarget(key, None, internal_id(key))
    return index


def _value_at(body: Mapping[str, Any], group: str, position: int) -> Any:
    items = body.get(group)
    if not isinstance(items, list) or position >= len(items):
        return None
    item = items[position]
    return item.get("value") if isinstance(item, dict) else None


def callback_params(target: CallbackTarget, body: Mapping[str, Any]) -> Params:
    parts: list[Mapping[str, object]] = []
    for group, position, source in target.sources:
        value = _value_at(body, group, position)
        if isinstance(value, dict):
            parts.append(value)
        elif source.name is not None:
            parts.append({source.name: value})
    return to_params(*parts)


def router_url(body: Mapping[str, Any]) -> str | None:
    """The page URL (path and query) the router callback is building, for a sign-in redirect."""
    values = {}
    for item in body.get("inputs") or []:
        if isinstance(item, dict) and item.get("id") == "_pages_location":
            values[item.get("property")] = item.get("value")
    path = values.get("pathname")
    if not isinstance(path, str):
        return None
    search = values.get("search")
    return path + (search if isinstance(search, str) else "")
