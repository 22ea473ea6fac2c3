"""How well the bot understands simulated borrowers: its reading of each turn against their truth.

    python benchmarks/conversation_agreement.py [--calls 2000] [--seed 1]

Simulated borrowers word their replies with their own phrase fragments and keep what they
meant; this places that many calls on a generated portfolio (Taiwan, mainland China, US) and
compares, turn by turn, the intent the bot recognised with the meaning the borrower had.
Turns whose meaning has no intent label of its own (greetings, identity answers, goodbyes) are
left out. Prints agreement per language and per meaning, and the most frequent misreadings.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

from fairdial.campaign.settings import CampaignSettings
from fairdial.campaign.targets import load_targets
from fairdial.config import Settings
from fairdial.conversation.engine import converse
from fairdial.portfolio import import_portfolio
from fairdial.portfolio.generate import generate_portfolio
from fairdial.simulation.intents import Intent
from fairdial.store import open_store
from fairdial.telephony.base import DialRequest
from fairdial.telephony.sim import SimChannel

# The bot's labels that count as reading each meaning right.
ACCEPTABLE: dict[Intent, frozenset[str]] = {
    Intent.ASK_WHO: frozenset({"ask_identity"}),
    Intent.ACK: frozenset({"affirm"}),
    Intent.CONFIRM_PARTY: frozenset({"confirm_identity", "affirm"}),
    Intent.WRONG_NUMBER: frozenset({"wrong_number"}),
    Intent.THIRD_PARTY: frozenset({"third_party"}),
    Intent.REFUSE_IDENTITY: frozenset({"refuse", "deny"}),
    Intent.PROMISE: frozenset({"promise_to_pay", "affirm"}),
    Intent.PARTIAL_OFFER: frozenset({"promise_to_pay", "request_plan"}),
    Intent.PLAN_REQUEST: frozenset({"request_plan"}),
    Intent.ACCEPT: frozenset({"affirm", "promise_to_pay"}),
    Intent.ACCEPT_PLAN: frozenset({"affirm", "request_plan"}),
    Intent.DECLINE: frozenset({"deny", "refuse"}),
    Intent.CONFIRM: frozenset({"affirm"}),
    Intent.ALREADY_PROMISED: frozenset({"promise_to_pay", "already_paid"}),
    Intent.HARDSHIP: frozenset({"hardship"}),
    Intent.DISPUTE: frozenset({"dispute"}),
    Intent.ALREADY_PAID: frozenset({"already_paid"}),
    Intent.ABUSE: frozenset({"abusive"}),
    Intent.STOP_CALLING: frozenset({"stop_contact"}),
    Intent.CALLBACK: frozenset({"callback"}),
    Intent.REFUSE: frozenset({"refuse", "deny"}),
    Intent.REQUEST_HUMAN: frozenset({"request_human"}),
    Intent.DISTRESS: frozenset({"distress"}),
    Intent.UNCLEAR: frozenset({"unclear"}),
}


async def _calls(targets, seed: int, calls: int):  # type: ignore[no-untyped-def]
    by_ref = {t.account_ref: t for t in targets}
    channel = SimChannel(
        facts_for=lambda ref: (by_ref[ref].facts, by_ref[ref].attributes),
        seed=seed,
        keep_sessions=True,
    )
    rng = random.Random(seed)
    pairs = []
    for n in range(calls):
        target = rng.choice(targets)
        request = DialRequest(
            attempt_ref=f"{target.account_ref}#{n}",
            account_ref=target.account_ref,
            number=target.number,
            language=target.facts.language,
            at=target.history.events[-1].at if target.history.events else _noon(target),
        )
        dialled = await channel.dial(request)
        if dialled.session is None or dialled.session.answered_by != "human":
            continue
        outcome = await converse(dialled.session, target.facts)
        heard = [t for t in outcome.turns if t.speaker == "borrower"]
        truth = dialled.session.truth  # type: ignore[attr-defined]
        pairs.extend((target.facts.language, t, h) for t, h in zip(truth, heard, strict=False))
    return pairs


def _noon(target):  # type: ignore[no-untyped-def]
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    zone = target.history.borrower_timezones[0]
    return datetime.combine(date(2026, 3, 2), time(12), ZoneInfo(zone))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        store = open_store(
            settings=Settings(home=home, database_url=f"sqlite:///{home}/a.db", key=None)
        )
        import_portfolio(store, generate_portfolio(home / "p.csv", 2000, args.seed), "csv")
        with store.session() as session:
            targets = load_targets(session, date(2026, 3, 2), CampaignSettings())
        store.close()

    began = time.perf_counter()
    pairs = asyncio.run(_calls(targets, args.seed, args.calls))
    elapsed = time.perf_counter() - began

    per_language: dict[str, Counter[bool]] = defaultdict(Counter)
    per_meaning: dict[str, Counter[bool]] = defaultdict(Counter)
    misread: Counter[tuple[str, str]] = Counter()
    for language, truth, heard in pairs:
        acceptable = ACCEPTABLE.get(truth.intent)
        if acceptable is None:
            continue
        right = heard.intent in acceptable
        per_language[language][right] += 1
        per_meaning[truth.intent.value][right] += 1
        if not right:
            misread[(truth.intent.value, heard.intent or "-")] += 1

    print(f"calls placed               {args.calls} in {elapsed:.1f} s")
    for language, counts in sorted(per_language.items()):
        total = counts[True] + counts[False]
        print(f"agreement {language:<16} {counts[True] / total:.3f} over {total} turns")
    print("by meaning:")
    for meaning, counts in sorted(per_meaning.items()):
        total = counts[True] + counts[False]
        print(f"  {meaning:<18} {counts[True] / total:.3f} ({total})")
    print("most frequent misreadings (meaning -> read as):")
    for (meaning, read), count in misread.most_common(12):
        print(f"  {meaning:<18} -> {read:<16} {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
