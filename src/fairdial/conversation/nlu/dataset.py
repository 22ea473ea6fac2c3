"""Labelled borrower turns in JSON Lines: the training set and evaluation sets."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

INTENTS = (
    "confirm_identity", "wrong_number", "third_party", "ask_identity", "ask_details",
    "promise_to_pay", "request_plan", "already_paid", "dispute", "hardship", "callback",
    "request_human", "stop_contact", "attorney", "bankruptcy", "deceased", "refuse", "abusive",
    "distress", "affirm", "deny", "unclear",
)  # fmt: skip
LANGS = ("zh-TW", "zh-CN", "en-US")
ENTITY_KEYS = ("amount", "currency", "date", "time", "months", "hardship")
TRAIN_PATH = Path(__file__).parent / "data" / "train.jsonl"


class DatasetError(ValueError):
    """A line that cannot be used, named by file and line number."""


@dataclass(frozen=True)
class Example:
    text: str
    lang: str
    intent: str
    today: date | None = None
    entities: dict[str, object] = field(default_factory=dict)
    payday: int | None = None
    balance: float | None = None


def _parse(raw: str, where: str, intents: tuple[str, ...], need_today: bool) -> Example:
    try:
        line = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{where}: not JSON ({exc.msg})") from None
    if not isinstance(line, dict):
        raise DatasetError(f"{where}: expected a JSON object")

    text, lang, intent = line.get("text"), line.get("lang"), line.get("intent")
    if not isinstance(text, str) or not text.strip():
        raise DatasetError(f"{where}: 'text' must be a non-empty string")
    if lang not in LANGS:
        raise DatasetError(f"{where}: 'lang' must be one of {', '.join(LANGS)}, not {lang!r}")
    if not isinstance(intent, str) or intent not in intents:
        raise DatasetError(f"{where}: unknown intent {intent!r}")

    today = None
    if need_today or "today" in line:
        try:
            today = date.fromisoformat(line["today"])
        except (KeyError, TypeError, ValueError):
            raise DatasetError(f"{where}: 'today' must be a date like 2026-03-11") from None

    entities = line.get("entities", {})
    if not isinstance(entities, dict) or set(entities) - set(ENTITY_KEYS):
        raise DatasetError(f"{where}: 'entities' may only hold {', '.join(ENTITY_KEYS)}")
    payday = line.get("payday")
    if payday is not None and (not isinstance(payday, int) or not 1 <= payday <= 31):
        raise DatasetError(f"{where}: 'payday' must be a day of the month, 1 to 31")
    balance = line.get("balance")
    if balance is not None and not isinstance(balance, int | float):
        raise DatasetError(f"{where}: 'balance' must be a number")
    return Example(text, lang, intent, today, entities, payday, balance)


def read_examples(
    path: Path, *, need_today: bool = True, intents: Iterable[str] = INTENTS
) -> list[Example]:
    """Every line of a JSONL file; the first bad line raises DatasetError with its number."""
    known = tuple(intents)
    examples = []
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                examples.append(_parse(raw, f"{path.name} line {number}", known, need_today))
    if not examples:
        raise DatasetError(f"{path.name}: no examples")
    return examples
