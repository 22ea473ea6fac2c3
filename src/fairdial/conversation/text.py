"""One normal form for what the borrower said: Taiwan Traditional script, half-width, lower case.

Rules, training data and held-out data are written in Taiwan forms (著, 為, 裡), while OpenCC's
s2t writes its own standard forms (着, 爲, 裏) and leaves 着 untouched; a Simplified turn such as
活着没意思 would then never meet a rule written as 活著沒意思. Every text, Traditional or not,
is therefore folded to the Taiwan forms after conversion.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

import opencc

_OPENCC_DIR = Path(opencc.__file__).parent / "dictionary"

# Changes whenever `normalise` would write a text differently: a model fitted on the old form
# must not be reused (see nlu/classifier.py).
NORMAL_FORM = "3"


def _simplified_only_chars() -> frozenset[str]:
    """Characters that change under s2t; only text holding one of them needs OpenCC."""
    chars: set[str] = set()
    with open(_OPENCC_DIR / "STCharacters.txt", encoding="utf-8") as handle:
        for line in handle:
            source, _, targets = line.rstrip("\n").partition("\t")
            if source and targets and source not in targets.split(" "):
                chars.add(source)
    return frozenset(chars)


def _context_chars() -> tuple[frozenset[str], frozenset[str]]:
    """Characters s2t reads by context (后 -> 後, 里 -> 裡, 干 -> 幹 or 乾, 台 -> 臺), and those
    only Traditional text holds (後, 還, 說). '以后不要打' has no Simplified-only character, yet is
    Simplified: a text with the first kind and none of the second is converted too."""
    by_context: set[str] = set()
    sources: set[str] = set()
    targets_seen: set[str] = set()
    with open(_OPENCC_DIR / "STCharacters.txt", encoding="utf-8") as handle:
        for line in handle:
            source, _, targets = line.rstrip("\n").partition("\t")
            choices = targets.split(" ")
            sources.add(source)
            targets_seen.update(choices)
            if source in choices and choices[0] != source:
                by_context.add(source)
    return frozenset(by_context), frozenset(targets_seen - sources)


def _taiwan_variants() -> dict[int, str]:
    """OpenCC's standard forms mapped to the ones Taiwan writes: 着 -> 著, 爲 -> 為, 裏 -> 裡."""
    table: dict[int, str] = {}
    with open(_OPENCC_DIR / "TWVariants.txt", encoding="utf-8") as handle:
        for line in handle:
            source, _, targets = line.rstrip("\n").partition("\t")
            # 幺 stays: it is how a spoken "one" is written in IDs and years (幺九八五).
            if source and targets and source != "幺":
                table[ord(source)] = targets.split(" ")[0]
    table[ord("臺")] = "台"  # s2t writes 臺灣, 臺幣; Taiwan, and our rules, mostly write 台
    return table


_SIMPLIFIED = _simplified_only_chars()
_BY_CONTEXT, _TRADITIONAL_ONLY = _context_chars()
_TAIWAN = _taiwan_variants()
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


def _maybe_simplified(text: str) -> bool:
    if has_simplified(text):
        return True
    if not any(char in _BY_CONTEXT for char in text):
        return False
    return not any(char in _TRADITIONAL_ONLY for char in text)


@functools.lru_cache(maxsize=8192)
def fold_script(text: str) -> str:
    """Simplified or Traditional Chinese in the Taiwan forms our rules are written in; the rest
    of the text as it was. Rules pass their patterns through it too, so both meet alike."""
    converted = _S2T.convert(text) if _maybe_simplified(text) else text
    return converted.translate(_TAIWAN)


@functools.lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """NFKC (full-width digits and letters), Taiwan Traditional characters, lower case, single
    spaces."""
    folded = unicodedata.normalize("NFKC", text).translate(_PUNCT).lower()
    return " ".join(fold_script(folded).split())
