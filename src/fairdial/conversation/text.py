"""One normal form for what the borrower said: Traditional script, half-width, lower case."""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

import opencc

_OPENCC_DIR = Path(opencc.__file__).parent / "dictionary"


def _simplified_only_chars() -> frozenset[str]:
    """Characters that change under s2t; only text holding one of them needs OpenCC."""
    chars: set[str] = set()
    with open(_OPENCC_DIR / "STCharacters.txt", encoding="utf-8") as handle:
        for line in handle:
            source, _, targets = line.rstrip("\n").partition("\t")
            if source and targets and source not in targets.split(" "):
                chars.add(source)
    return frozenset(chars)


_SIMPLIFIED = _simplified_only_chars()
_S2T = opencc.OpenCC("s2t")
_T2S = opencc.OpenCC("t2s")

# Curly quotes and full-width punctuation reach us from speech recognisers and chat apps alike.
# 万 and 亿 are also valid Traditional characters, so s2t may leave them; numbers need one form.
_PUNCT = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "～": "~", "、": ",", "万": "萬", "亿": "億"}
)


def has_simplified(text: str) -> bool:
    return any(char in _SIMPLIFIED for char in text)


@functools.lru_cache(maxsize=8192)
def to_traditional(text: str) -> str:
    """s2t only when needed: the pure-Python converter costs far more than the check."""
    if not has_simplified(text):
        return text
    return _S2T.convert(text)


@functools.lru_cache(maxsize=256)
def to_simplified(text: str) -> str:
    return _T2S.convert(text)


@functools.lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """NFKC (full-width digits and letters), Traditional characters, lower case, single spaces."""
    folded = unicodedata.normalize("NFKC", text).translate(_PUNCT).lower()
    return " ".join(to_traditional(folded).split())
