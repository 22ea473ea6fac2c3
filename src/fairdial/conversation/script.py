"""Conversation scripts as data: one YAML file per language, every line a template.

A script has base lines and named variants (a segment such as "m2", or a tone such as
"hardship"); a variant overrides some lines and falls back to the base for the rest.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SCRIPTS_DIR = Path(__file__).parent / "scripts"
CRISIS_LINES_FILE = SCRIPTS_DIR / "crisis_lines.yaml"


class ScriptError(ValueError):
    """A script file is missing, malformed, or lacks a line the engine needs."""


@dataclass(frozen=True)
class Variant:
    tone: str
    lines: dict[str, str]


@dataclass(frozen=True)
class Script:
    language: str
    lines: dict[str, str]
    identity_kinds: dict[str, str]
    variants: dict[str, Variant] = field(default_factory=dict)

    def template(self, key: str, variant: str | None = None) -> str:
        chosen = self.variants.get(variant or "")
        if chosen is not None and key in chosen.lines:
            return chosen.lines[key]
        try:
            return self.lines[key]
        except KeyError:
            raise ScriptError(f"script {self.language} has no line {key!r}") from None

    def line(self, key: str, variant: str | None = None, **values: object) -> str:
        """The line for `key` in `variant` (or the base line), filled with `values`."""
        return self.template(key, variant).format_map(values)

    def identity_kind(self, kind: str) -> str:
        try:
            return self.identity_kinds[kind]
        except KeyError:
            raise ScriptError(f"script {self.language} cannot ask for {kind!r}") from None


def _strings(mapping: object, where: str) -> dict[str, str]:
    if mapping is None:
        return {}
    if not isinstance(mapping, dict):
        raise ScriptError(f"{where} must be a mapping")
    return {str(key): str(value) for key, value in mapping.items()}


def parse_script(text: str) -> Script:
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("lines"), dict):
        raise ScriptError("a script needs 'language' and a 'lines' mapping")
    lines = _strings(data["lines"], "lines")
    variants: dict[str, Variant] = {}
    for name, body in (data.get("variants") or {}).items():
        if not isinstance(body, dict):
            raise ScriptError(f"variant {name!r} must be a mapping with 'tone' and 'lines'")
        overrides = _strings(body.get("lines"), f"variant {name!r} lines")
        unknown = sorted(set(overrides) - set(lines))
        if unknown:
            # An override of a line the base lacks would be unreachable from other variants.
            raise ScriptError(f"variant {name!r} overrides unknown lines: {', '.join(unknown)}")
        variants[str(name)] = Variant(str(body.get("tone", "")), overrides)
    return Script(
        language=str(data["language"]),
        lines=lines,
        identity_kinds=_strings(data.get("identity_kinds"), "identity_kinds"),
        variants=variants,
    )


@functools.lru_cache(maxsize=16)
def load_script(language: str) -> Script:
    """The bundled script for a language such as 'zh-TW', read once per process."""
    path = SCRIPTS_DIR / f"{language}.yaml"
    if not path.is_file():
        raise ScriptError(f"no conversation script for language {language!r}")
    return parse_script(path.read_text(encoding="utf-8"))


@functools.cache
def _crisis_lines() -> dict[str, dict[str, str]]:
    data = yaml.safe_load(CRISIS_LINES_FILE.read_text(encoding="utf-8"))
    return {str(key): _strings(entry["said"], key) for key, entry in data["lines"].items()}


def crisis_line(jurisdiction: str, language: str) -> str:
    """How the bot names the crisis line of the borrower's jurisdiction, in the call's language.

    "US-CA" falls back to "US". A jurisdiction without a listed line is an error, not a guess:
    a distressed borrower must never be given a number that does not answer where they are.
    """
    lines = _crisis_lines()
    entry = lines.get(jurisdiction.upper()) or lines.get(jurisdiction.split("-")[0].upper())
    if entry is None:
        raise ScriptError(f"no crisis line listed for jurisdiction {jurisdiction!r}")
    if language in entry:
        return entry[language]
    raise ScriptError(f"the crisis line for {jurisdiction!r} has no wording in {language!r}")
