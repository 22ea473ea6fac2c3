"""What the borrower meant: an intent, how sure we are, and the facts named in the turn."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from fairdial.conversation import rules
from fairdial.conversation.amounts import find_amount, find_months, is_per_month, mask
from fairdial.conversation.dates import find_date, find_time
from fairdial.conversation.text import normalise
from fairdial.money import MINOR_DIGITS, minor_digits

INTENTS = (
    "confirm_identity", "wrong_number", "third_party", "ask_identity", "ask_details",
    "promise_to_pay", "request_plan", "already_paid", "dispute", "hardship", "callback",
    "request_human", "stop_contact", "attorney", "bankruptcy", "deceased", "refuse", "abusive",
    "distress", "affirm", "deny", "unclear",
)  # fmt: skip

MIN_CONFIDENCE = 0.5  # below this the bot asks again rather than act on a guess

# Ties between equally strong rules go to the intent that matters most if missed.
_PRIORITY = (
    "distress", "deceased", "hardship", "bankruptcy", "attorney", "dispute", "stop_contact",
    "abusive", "already_paid", "wrong_number", "third_party", "request_human", "refuse",
    "request_plan", "callback", "promise_to_pay", "ask_identity", "ask_details",
    "confirm_identity", "affirm", "deny", "unclear",
)  # fmt: skip
# These route the call whatever else the turn says ("I lost my job, can I pay 500 a month?").
_ROUTING_FIRST = ("distress", "deceased", "hardship")

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


def _currency(text: str, default: str | None) -> str | None:
    for pattern, code in _CURRENCY_WORDS:
        if pattern.search(text):
            return code
    return default


def _entities(
    text: str, today: date, balance_minor: int | None, currency: str | None
) -> dict[str, object]:
    entities: dict[str, object] = {}
    spans: list[tuple[int, int]] = []
    when = find_date(text, today)
    if when:
        entities["date"] = when.value
        spans.append(when.span)
    clock = find_time(mask(text, spans))
    if clock:
        entities["time"] = clock.value
        spans.append(clock.span)
    months = find_months(text)
    if months:
        entities["months"] = months.value
        spans.append(months.span)
    said_currency = _currency(text, currency)
    per_unit = 10 ** minor_digits(said_currency) if said_currency in MINOR_DIGITS else 100
    amount = find_amount(mask(text, spans), balance_minor, per_unit)
    if amount:
        entities["amount"] = amount.value
        entities["currency"] = said_currency
        if is_per_month(text):
            entities["per_month"] = True
    return entities


def understand(
    text: str,
    lang: str,
    today: date,
    *,
    balance_minor: int | None = None,
    currency: str | None = None,
) -> Understanding:
    """Classify one borrower turn; `balance_minor` lets 'half' and 'all of it' become amounts.

    `lang` is the call's language; the rules read Chinese in either script and English in any
    call, because borrowers mix them.
    """
    del lang  # the rules are language-agnostic today; a trained model will want it
    normal = normalise(text)
    if not normal.strip(" ,.!?。，！？~…"):
        return Understanding("unclear", 0.0)

    found = rules.scores(normal)
    entities = _entities(normal, today, balance_minor, currency)
    if "hardship" in found:
        entities["hardship"] = rules.hardship_kind(normal)

    if not found:
        return Understanding("unclear", 0.2, entities)

    ranked = sorted(found, key=lambda intent: (-found[intent], _PRIORITY.index(intent)))
    primary = next((intent for intent in _ROUTING_FIRST if intent in found), ranked[0])
    confidence = found[primary]
    also = [intent for intent in ranked if intent != primary]
    if confidence < MIN_CONFIDENCE:
        return Understanding("unclear", confidence, entities, [primary, *also])
    return Understanding(primary, confidence, entities, also)
