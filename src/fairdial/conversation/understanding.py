"""What the borrower meant: an intent, how sure we are, and the facts named in the turn.

A trained classifier (nlu/classifier.py) names the intent; exact rules keep the last word where
they are exact: distress always escalates, bare yes/no/huh are read as such, and every entity
(amount, date, time, months, hardship kind) comes from the parsers, never from the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from fairdial.conversation import rules
from fairdial.conversation.amounts import (
    find_amount,
    find_months,
    is_per_month,
    mask,
    names_unusable_amount,
    names_vague_amount,
    takes_up_asked_amount,
)
from fairdial.conversation.dates import find_date, find_time
from fairdial.conversation.nlu import classifier
from fairdial.conversation.nlu.dataset import INTENTS
from fairdial.conversation.text import normalise
from fairdial.money import MINOR_DIGITS, minor_digits, to_major

__all__ = ["INTENTS", "Understanding", "default_currency", "public", "understand"]

# Escalating intents: a hint of either is enough to route the call, since missing one costs a
# person in crisis, while a needless hand-off costs an agent a minute.
_ESCALATE_AT = {"distress": 0.3, "hardship": 0.3}
_ALSO_AT = 0.2  # a second intent this likely is worth telling the engine about
_SHORT_FORMS = ("affirm", "deny", "unclear")  # whole-turn rules: 好, no, 蛤

_LANG_CURRENCY = {"zh-TW": "TWD", "zh-CN": "CNY", "en-US": "USD"}
_CURRENCY_WORDS = (
    (re.compile(r"nt\$|ntd|twd|台幣|新台幣"), "TWD"),
    (re.compile(r"hk\$|hkd|港幣|港元"), "HKD"),
    (re.compile(r"rmb|cny|人民幣|¥"), "CNY"),
    (re.compile(r"us\$|usd|\$|dollar|bucks|美金|美元"), "USD"),
)


@dataclass(frozen=True)
class Understanding:
    intent: str
    confidence: float
    entities: dict[str, object] = field(default_factory=dict)
    also: list[str] = field(default_factory=list)


def default_currency(lang: str) -> str | None:
    return _LANG_CURRENCY.get(lang)


def _currency(text: str, default: str | None) -> str | None:
    for pattern, code in _CURRENCY_WORDS:
        if pattern.search(text):
            return code
    return default


def _entities(
    text: str,
    today: date,
    balance_minor: int | None,
    currency: str | None,
    payday: int | None,
) -> dict[str, object]:
    entities: dict[str, object] = {}
    spans: list[tuple[int, int]] = []
    when = find_date(text, today, payday=payday)
    if when:
        spans.append(when.span)  # even a day that does not exist: '2月30號' holds no amount
    if when and when.value is not None:
        entities["date"] = when.value
    elif when:
        entities["no_such_date"] = True  # a date was named, but the calendar has no such day
    clock = find_time(text)  # unmasked: 明晚, tonight and this afternoon name a time as well
    if clock:
        entities["time"] = clock.value
        spans.append(clock.span)
    months = find_months(text)
    if months:
        entities["months"] = months.value
        spans.append(months.span)
    said_currency = _currency(text, currency)
    per_unit = 10 ** minor_digits(said_currency) if said_currency in MINOR_DIGITS else 100
    masked = mask(text, spans)
    amount = find_amount(masked, balance_minor, per_unit)
    if amount:
        entities["amount"] = amount.value
        entities["currency"] = said_currency
        if is_per_month(text):
            entities["per_month"] = True
    elif names_unusable_amount(masked, per_unit) or names_vague_amount(text):
        # '-500', 'something', 明天一點 (unmasked: 一點 is also one o'clock): a sum was spoken
        # of, but none the bot may write down.
        entities["amount_unusable"] = True
    elif takes_up_asked_amount(text):
        entities["amount_as_asked"] = True  # "I can pay that on Friday"
    return entities


# Hesitations around what a person means ("嗯…對，是我…", "well, okay...") change nothing about
# it, but they would keep anchored rules and short-answer forms from matching.
_EDGES = " ,.!?。，！？~…"
_LEADING_FILLER = re.compile(
    r"^(?:(?:嗯+|欸+|呃+|啊+|喔+|哦+|噢+|那個|這個|就是|怎麼講|hmm+|uh+|um+|erm|well|so)"
    r"(?=[ ,.!?。，！？~…])[ ,.!?。，！？~…]*)+"
)


def _without_hesitation(normal: str) -> str:
    core = normal.strip(_EDGES)
    return _LEADING_FILLER.sub("", core).strip(_EDGES) or core


def _decide(normal: str, found: dict[str, float]) -> tuple[str, float, list[str]]:
    """Primary intent, its confidence, and the other intents the turn carries."""
    model = classifier.load()
    probabilities = model.probabilities(normal)
    ranked = [str(intent) for intent in sorted(probabilities, key=lambda i: -probabilities[i])]
    primary, confidence = ranked[0], probabilities[ranked[0]]

    short = next((intent for intent in _SHORT_FORMS if found.get(intent, 0) >= 0.9), None)
    if short:
        primary, confidence = short, max(confidence if primary == short else 0.0, found[short])
    elif confidence < model.threshold:
        primary = "unclear"

    for intent in ("hardship", "distress"):  # distress last, so it wins over hardship
        if primary in ("distress", "deceased") and intent == "hardship":
            continue  # the death of the borrower routes on its own
        if probabilities[intent] >= _ESCALATE_AT[intent] or found.get(intent, 0) >= 0.95:
            primary, confidence = intent, max(probabilities[intent], found.get(intent, 0.0))

    also = [
        intent
        for intent in ranked
        if intent not in (primary, "unclear")
        and (probabilities[intent] >= _ALSO_AT or (intent in found and intent not in _SHORT_FORMS))
    ]
    # "對啊，找我什麼事" asks what the call is about and, first, says yes: keep the yes.
    for opener in ("affirm", "deny"):
        if found.get(opener) and opener not in also and primary not in _SHORT_FORMS:
            also.append(opener)
    return primary, round(confidence, 4), also


def understand(
    text: str,
    lang: str,
    today: date,
    *,
    balance_minor: int | None = None,
    currency: str | None = None,
    payday: int | None = None,
) -> Understanding:
    """Classify one borrower turn and pull out what it names.

    `balance_minor` lets 'half' and 'all of it' become amounts; `payday` (day of the month)
    lets 發薪日 and 'payday' become dates; `currency` defaults from `lang`. Chinese in either
    script and English are read in any call, because borrowers mix them.
    """
    normal = _without_hesitation(normalise(text))
    if not normal:
        return Understanding("unclear", 0.0)

    found = rules.scores(normal)
    entities = _entities(normal, today, balance_minor, currency or default_currency(lang), payday)
    if "distress" in found:
        also = [intent for intent in found if intent != "distress"]
        return Understanding("distress", found["distress"], entities, also)

    primary, confidence, also = _decide(normal, found)
    if primary == "hardship" or "hardship" in also:
        entities["hardship"] = rules.hardship_kind(normal)
    return Understanding(primary, confidence, entities, also)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def public(result: Understanding) -> dict[str, object]:
    """The public JSON shape: amounts in major units, dates as ISO text, all six keys present."""
    entities = result.entities
    amount, currency = entities.get("amount"), entities.get("currency")
    major = None
    if isinstance(amount, int) and isinstance(currency, str) and currency in MINOR_DIGITS:
        major = _number(to_major(amount, currency))
    when = entities.get("date")
    return {
        "intent": result.intent,
        "confidence": round(result.confidence, 2),
        "entities": {
            "amount": major,
            "currency": currency if major is not None else None,
            "date": when.isoformat() if isinstance(when, date) else None,
            "time": entities.get("time"),
            "months": entities.get("months"),
            "hardship": entities.get("hardship"),
        },
        "also": list(result.also),
    }
