"""Text normalisation and pinyin for catalog search."""

from __future__ import annotations

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

_SPACES = re.compile(r"[\s\u3000·・,，、。.;；:：'\"“”‘’()（）\[\]【】《》<>/\\|_-]+")


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, punctuation and spaces dropped."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def pinyin_full(text: str) -> str:
    return normalise("".join(lazy_pinyin(text, errors="default")))


def pinyin_initials(text: str) -> str:
    # Non-Chinese runs (ETC, 12345) stay whole: people type them as they are.
    return normalise("".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")))


def is_latin(query: str) -> bool:
    return bool(query) and all("a" <= ch <= "z" or "0" <= ch <= "9" for ch in query)
