"""How well understanding does on a labelled set: intents, entities and missed distress."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from fairdial.conversation.nlu.dataset import ENTITY_KEYS, Example, read_examples
from fairdial.conversation.understanding import default_currency, public, understand
from fairdial.money import to_minor

ESCALATING = ("distress", "hardship")


@dataclass
class Tally:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += ok
        self.total += 1

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0

    def to_json(self) -> dict[str, object]:
        return {"accuracy": round(self.accuracy, 4), "right": self.right, "total": self.total}


@dataclass
class Report:
    overall: Tally = field(default_factory=Tally)
    by_intent: dict[str, Tally] = field(default_factory=dict)
    by_lang: dict[str, Tally] = field(default_factory=dict)
    by_entity: dict[str, Tally] = field(default_factory=dict)
    entity_lines: Tally = field(default_factory=Tally)  # lines whose listed entities all match
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    distress_missed: int = 0  # distress read as anything else
    distress_not_escalated: int = 0  # distress read as an intent that does not escalate
    predictions: list[dict[str, object]] = field(default_factory=list)

    def to_json(self, top: int = 10) -> dict[str, object]:
        return {
            "examples": self.overall.total,
            "accuracy": round(self.overall.accuracy, 4),
            "by_lang": {key: tally.to_json() for key, tally in sorted(self.by_lang.items())},
            "by_intent": {key: tally.to_json() for key, tally in sorted(self.by_intent.items())},
            "confusions": [
                {"expected": gold, "predicted": guess, "count": count}
                for (gold, guess), count in self.confusions.most_common(top)
            ],
            "entities": {key: tally.to_json() for key, tally in sorted(self.by_entity.items())},
            "entity_lines": self.entity_lines.to_json(),
            "distress_missed": self.distress_missed,
            "distress_not_escalated": self.distress_not_escalated,
        }


def _same(key: str, expected: object, found: object) -> bool:
    if key == "amount":
        if found is None or not isinstance(expected, int | float):
            return False
        return Decimal(str(expected)) == Decimal(str(found))
    return expected == found


def predict(example: Example) -> dict[str, object]:
    """What `fairdial understand` prints for this line."""
    if example.today is None:
        raise ValueError("an evaluation line needs 'today'")
    balance_minor = None
    currency = default_currency(example.lang)
    if example.balance is not None and currency:
        balance_minor = to_minor(Decimal(str(example.balance)), currency)
    result = understand(
        example.text,
        example.lang,
        example.today,
        balance_minor=balance_minor,
        payday=example.payday,
    )
    return public(result)


def evaluate(path: Path) -> Report:
    """Run understanding on every line of a JSONL set; DatasetError names a bad line."""
    report = Report()
    for example in read_examples(path):
        shown = predict(example)
        report.predictions.append(shown)
        guess, gold = str(shown["intent"]), example.intent
        right = guess == gold
        report.overall.add(right)
        report.by_intent.setdefault(gold, Tally()).add(right)
        report.by_lang.setdefault(example.lang, Tally()).add(right)
        if not right:
            report.confusions[(gold, guess)] += 1
        if gold == "distress" and guess != "distress":
            report.distress_missed += 1
            report.distress_not_escalated += guess not in ESCALATING

        if not example.entities:
            continue
        found = shown["entities"]
        assert isinstance(found, dict)
        all_match = True
        for key in ENTITY_KEYS:
            if key in example.entities:
                ok = _same(key, example.entities[key], found.get(key))
                report.by_entity.setdefault(key, Tally()).add(ok)
                all_match = all_match and ok
        report.entity_lines.add(all_match)
    return report
