"""One matching form for a sentence: half-width, lower case, single spaces, Traditional script."""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

import opencc

_DICTIONARY = Path(opencc.__file__).parent / "dictionary"

# Speech and chat text arrive with curly quotes; the English patterns are written with "'".
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
_SPACES = re.compile(r"\s+")
# Clauses between punctuation and digits recur across calls even when the amount or date in
# between changes, so conversion is cached per clause rather than per sentence.
_CLAUSE_BREAKS = re.compile(r"([\d\s,.!?;:。、]+)")


def _simplified_only() -> frozenset[str]:
    """Characters that s2t changes; only text holding one of them needs the converter."""
    chars: set[str] = set()
    with open(_DICTIONARY / "STCharacters.txt", encoding="utf-8") as handle:
        for line in handle:
            source, _, targets = line.rstrip("\n").partition("\t")
            if source and targets and source not in targets.split(" "):
                chars.add(source)
    return frozenset(chars)


# A set test is far faster here than a regex character class of some 2,000 members.
_SIMPLIFIED_ONLY = _simplified_only()


@functools.cache
def _s2t() -> opencc.OpenCC:
    # Building the converter reads its dictionaries; do it once, and only if Chinese text comes.
    return opencc.OpenCC("s2t")


def normalize(text: str, chinese: bool) -> str:
    """The form the patterns are written against; `chinese` also folds Simplified to Traditional."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    text = _SPACES.sub(" ", text).strip()
    if chinese and not _SIMPLIFIED_ONLY.isdisjoint(text):
        # The pure-Python converter costs far more than the set test that avoids it.
        text = "".join(_to_traditional(part) for part in _CLAUSE_BREAKS.split(text))
    return text


@functools.lru_cache(maxsize=16384)
def _to_traditional(clause: str) -> str:
    return _s2t().convert(clause)
