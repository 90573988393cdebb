"""Keep `/sites/<site>` from swallowing other pages under `/sites/`.

Dash matches `path_template` with fnmatch, where `*` also matches `/`, and takes the first page
in registry order: `/sites/<site>` would match `/sites/register` and `/sites/a/logs` when it
sorts first. The site page hands such paths to the page that owns them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any


def template_regex(template: str) -> re.Pattern[str]:
    """`/sites/<site>/logs` → a regex where each variable is one path segment."""
    parts = re.split(r"<([A-Za-z_][A-Za-z0-9_]*)>", template.strip("/"))
    pattern = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)" for index, part in enumerate(parts)
    )
    return re.compile(f"^{pattern}$")


def owner_of(
    path: str, pages: Iterable[Mapping[str, Any]], exclude_module: str
) -> tuple[Mapping[str, Any], dict[str, str]] | None:
    """The other page that owns `path` (a fixed path first, then a strict template match)."""
    stripped = path.strip("/")
    others = [p for p in pages if p.get("module") != exclude_module]
    for page in others:
        if not page.get("path_template") and str(page.get("path", "")).strip("/") == stripped:
            return page, {}
    for page in others:
        template = page.get("path_template")
        if template:
            match = template_regex(str(template)).match(stripped)
            if match:
                return page, match.groupdict()
    return None
