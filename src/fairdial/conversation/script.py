"""Conversation scripts as data: one YAML file per language, every line a template."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

SCRIPTS_DIR = Path(__file__).parent / "scripts"


class ScriptError(ValueError):
    """A script file is missing, malformed, or lacks a line the engine needs."""


@dataclass(frozen=True)
class Script:
    language: str
    lines: dict[str, str]
    identity_kinds: dict[str, str]

    def line(self, key: str, **values: object) -> str:
        try:
            template = self.lines[key]
        except KeyError:
            raise ScriptError(f"script {self.language} has no line {key!r}") from None
        return template.format_map(values)

    def identity_kind(self, kind: str) -> str:
        try:
            return self.identity_kinds[kind]
        except KeyError:
            raise ScriptError(f"script {self.language} cannot ask for {kind!r}") from None


def parse_script(text: str) -> Script:
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("lines"), dict):
        raise ScriptError("a script needs 'language' and a 'lines' mapping")
    return Script(
        language=str(data["language"]),
        lines={str(key): str(value) for key, value in data["lines"].items()},
        identity_kinds={str(k): str(v) for k, v in (data.get("identity_kinds") or {}).items()},
    )


@functools.lru_cache(maxsize=16)
def load_script(language: str) -> Script:
    """The bundled script for a language such as 'zh-TW', read once per process."""
    path = SCRIPTS_DIR / f"{language}.yaml"
    if not path.is_file():
        raise ScriptError(f"no conversation script for language {language!r}")
    return parse_script(path.read_text(encoding="utf-8"))
