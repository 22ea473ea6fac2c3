"""Borrower wording per language, written independently of the bot's own phrase lists."""

from __future__ import annotations

from types import ModuleType

from fairdial.simulation.lexicon import en_us, zh_cn, zh_tw

_BY_LANGUAGE: dict[str, ModuleType] = {"zh-TW": zh_tw, "zh-CN": zh_cn, "en-US": en_us}


def lexicon_for(language: str) -> ModuleType:
    """The fragments for a language; an unknown language is a data error, not a fallback."""
    try:
        return _BY_LANGUAGE[language]
    except KeyError:
        raise ValueError(f"simulated borrowers do not speak {language!r}") from None
