"""The one message catalogue: every string a user reads, Chinese first, English beside it.

A signed-in user's pages speak the language stored with the user (`users.language`, set by the language switch), so
it follows them to any browser; before sign-in the `lang` cookie chooses. Templates and JavaScript read the
same catalogue: pages get `t(key)`, scripts get the messages they need in a JSON data block.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from fastapi import Request

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_COOKIE = "lang"
CATALOGUE_PATH = Path(__file__).resolve().parent / "messages.json"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Key -> {"zh": ..., "en": ...}; every key has both languages (a test checks)."""
    return json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))


def language_of(request: Request) -> str:
    """The signed-in user's language (`page_actor` puts it on the request), else the cookie's, else Chinese."""
    chosen = getattr(request.state, "user_language", None) or request.cookies.get(LANGUAGE_COOKIE, DEFAULT_LANGUAGE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


class Translator:
    """`t("review.confirm")` in one language; an unknown key is an error, so a typo cannot reach a user silently."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._messages = catalogue()

    def __call__(self, key: str, **values: object) -> str:
        text = self._messages[key][self.language]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self._messages

    def maybe(self, prefix: str, value: str | None) -> str:
        """The label of a vocabulary value (status, reason, vehicle type) or the value itself when it has none."""
        if value is None:
            return ""
        key = f"{prefix}.{value}"
        return self(key) if key in self._messages else value

    def subset(self, *prefixes: str) -> dict[str, str]:
        """The messages under some prefixes, for a page's scripts."""
        return {k: v[self.language] for k, v in self._messages.items() if k.startswith(prefixes)}
