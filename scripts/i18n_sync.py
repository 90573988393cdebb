"""Bring the message catalogs in line with the code, in one idempotent step.

Extracts every `t("…")` / `N_("…")` message from i3plat/, adds new ones to both catalogs,
drops obsolete ones, fills English with the msgid, and fills Chinese from any
`i3plat/locales/pending/*.tsv` files (msgid<TAB>translation, one per line; `\\n` for newlines).
Those files are a hand-over for work in progress: once merged they can be deleted.

    .venv/bin/python scripts/i18n_sync.py          # update catalogs
    .venv/bin/python scripts/i18n_sync.py --check  # exit 1 if a Chinese translation is missing
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "i3plat" / "locales"


def messages_in_code() -> dict[str, list[tuple[str, int]]]:
    found: dict[str, list[tuple[str, int]]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "i3plat"), method_map=[("**.py", "python")], keywords={"t": None, "N_": None}
    ):
        if isinstance(message, str) and message:
            found.setdefault(message, []).append((f"i3plat/{filename}", lineno))
    return found


def pending_translations() -> dict[str, str]:
    table: dict[str, str] = {}
    for tsv in sorted((LOCALES / "pending").glob("*.tsv")):
        for line in tsv.read_text(encoding="utf-8").splitlines():
            if line.strip() and "\t" in line:
                msgid, text = line.split("\t", 1)
                table[msgid.replace("\\n", "\n")] = text.replace("\\n", "\n")
    return table


def sync(locale: str, found: dict[str, list[tuple[str, int]]], pending: dict[str, str]) -> list[str]:
    path = LOCALES / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        old = read_po(handle, locale=locale)
    new = Catalog(locale=locale, domain="messages", project="i3plat", fuzzy=False)
    missing = []
    for msgid, locations in sorted(found.items(), key=lambda item: item[1][0]):
        existing = old.get(msgid)
        text = existing.string if existing is not None and existing.string else ""
        if locale == "en":
            text = text or msgid
        elif not text:
            text = pending.get(msgid, "")
        if not text:
            missing.append(msgid)
        new.add(msgid, text, locations=locations)
    with path.open("wb") as handle:
        write_po(handle, new, width=100, omit_header=False)
    return missing


def main() -> int:
    found = messages_in_code()
    pending = pending_translations()
    missing = [m for loc in ("zh_CN", "en") for m in sync(loc, found, pending)]
    for message in missing:
        print(f"missing translation: {message!r}", file=sys.stderr)
    return 1 if missing and "--check" in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())
