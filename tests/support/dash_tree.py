"""Walking a tree of Dash components the way a test of a pure builder reads it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def walk(node: Any) -> Iterator[Any]:
    """Every component in the tree, depth first (strings and numbers are not components)."""
    if isinstance(node, list | tuple):
        for child in node:
            yield from walk(child)
        return
    if node is None or isinstance(node, str | int | float):
        return
    yield node
    yield from walk(getattr(node, "children", None))
