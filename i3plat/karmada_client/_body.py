"""Reading error bodies: Kubernetes Status objects, text/plain, HTML and empty answers."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

import httpx

__all__ = ["body_text", "content_type", "parse_status", "request_of", "upstream_message"]

_MAX_TEXT = 2000


def content_type(response: httpx.Response) -> str:
    """The media type of `response`, lower case, without parameters ("" when absent)."""
    value: str = response.headers.get("content-type", "")
    return value.split(";", 1)[0].strip().lower()


def _body_bytes(response: httpx.Response) -> bytes:
    try:
        content: bytes = response.content
        return content
    except httpx.ResponseNotRead:
        try:
            return response.read()
        except (httpx.HTTPError, httpx.StreamError):
            return b""


def body_text(response: httpx.Response) -> str:
    return _body_bytes(response).decode(response.encoding or "utf-8", errors="replace")


def parse_status(response: httpx.Response) -> dict[str, Any] | None:
    """The Kubernetes Status object in `response`'s body, or None if the body is not one."""
    body = _body_bytes(response).lstrip()
    if not body.startswith(b"{"):
        return None
    try:
        obj = json.loads(body)
    except ValueError:
        return None
    if isinstance(obj, dict) and obj.get("kind") == "Status" and obj.get("apiVersion") == "v1":
        return obj
    return None


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.title: list[str] = []
        self.text: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            while self._in and self._in.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] in ("script", "style"):
            return
        (self.title if "title" in self._in else self.text).append(data)


def _squash(text: str, limit: int = _MAX_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _html_message(text: str) -> str | None:
    parser = _HTMLText()
    try:
        parser.feed(text)
        parser.close()
    except Exception:
        return _squash(re.sub(r"<[^>]*>", " ", text), 300) or None
    title = _squash("".join(parser.title), 300)
    return title or _squash("".join(parser.text), 300) or None


def upstream_message(response: httpx.Response, status: Mapping[str, Any] | None) -> str | None:
    if status is not None:
        message = status.get("message")
        return str(message) if message not in (None, "") else None
    text = body_text(response)
    if not text.strip():
        return None
    ctype = content_type(response)
    if ctype == "text/html" or text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
        return _html_message(text)
    if ctype.endswith("json") or text.lstrip().startswith("{"):
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            for key in ("message", "error"):
                if isinstance(obj.get(key), str) and obj[key]:
                    return _squash(obj[key])
    return _squash(text.strip())


def request_of(response: httpx.Response) -> tuple[str | None, str | None]:
    try:
        request = response.request
    except RuntimeError:
        return None, None
    return request.method, request.url.path
