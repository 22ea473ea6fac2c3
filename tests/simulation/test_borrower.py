import random
from collections import Counter
from dataclasses import replace

from fairdial.simulation.borrower import SimBorrower
from fairdial.simulation.intents import Intent
from fairdial.simulation.memory import BorrowerMemory
from fairdial.simulation.personas import Reach, Stance, persona_for
from fairdial.telephony.base import BotUtterance
from tests.simulation.support import SCRIPT, TODAY, make_facts

ASK = SCRIPT[5]  # ask_payment, TWD 23,000 by 2024-05-31


def _borrower(stance: Stance, language: str = "zh-TW", seed: int = 1) -> SimBorrower:
    facts = make_facts(language=language)
    persona = replace(
        persona_for(facts, {}, random.Random(seed)),
        reach=Reach.NORMAL,
        stance=stance,
        mumble_rate=0.0,
    )
    memory = BorrowerMemory(facts=facts, attributes={}, persona=persona)
    return SimBorrower(memory, random.Random(seed), TODAY)


def test_a_clarify_rewords_without_changing_the_meaning():
    texts = Counter()
    for seed in range(40):
        borrower = _borrower(Stance.PARTIAL, seed=seed)
        first = borrower.react(ASK)
        again = borrower.react(BotUtterance("不好意思，可以再說一次嗎", "ask_clarify"))
        assert first is not None and again is not None
        assert first.intent == again.intent == Intent.PARTIAL_OFFER
        assert (again.amount_minor, again.due_date) == (first.amount_minor, first.due_date)
        texts[first.text != again.text] += 1
    assert texts[True] > 30


def test_partial_offers_are_below_the_amount_asked():
    for seed in range(50):
        reply = _borrower(Stance.PARTIAL, "en-US", seed).react(ASK)
        assert reply is not None and reply.intent == Intent.PARTIAL_OFFER
        assert 0 < reply.amount_minor < ASK.slots["amount_minor"]
        assert reply.due_date is None or reply.due_date > TODAY


def test_promises_carry_the_full_amount_and_a_date():
    for seed in range(50):
        reply = _borrower(Stance.WILLING, "zh-CN", seed).react(ASK)
        assert reply is not None and reply.intent in {Intent.PROMISE, Intent.ACCEPT}
        assert reply.amount_minor == ASK.slots["amount_minor"]
        assert reply.due_date is not None and reply.due_date > TODAY


def test_plan_seekers_name_months_or_ask_generally():
    months = Counter()
    for seed in range(60):
        reply = _borrower(Stance.PLAN_SEEKER, "zh-TW", seed).react(ASK)
        assert reply is not None and reply.intent == Intent.PLAN_REQUEST
        months[reply.months] += 1
    assert months[None] > 0
    assert sum(count for key, count in months.items() if key) > 20


def test_hardship_says_which_hardship():
    kinds = set()
    for seed in range(60):
        reply = _borrower(Stance.HARDSHIP, "en-US", seed).react(ASK)
        assert reply is not None
        if reply.intent == Intent.HARDSHIP:
            kinds.add(reply.detail["kind"])
    assert kinds == {"job_loss", "illness", "disaster", "bereavement"}


def test_a_stranger_never_negotiates():
    for seed in range(20):
        borrower = _borrower(Stance.WRONG_PARTY, seed=seed)
        intents = {r.intent for r in map(borrower.react, SCRIPT) if r is not None}
        assert Intent.WRONG_NUMBER in intents
        assert not intents & {Intent.PROMISE, Intent.ACCEPT, Intent.ACCEPT_PLAN, Intent.CONFIRM}


def test_confirming_a_plan_is_remembered():
    borrower = _borrower(Stance.PLAN_SEEKER)
    confirm = BotUtterance(
        "確認分六期", "confirm_plan", {"months": 6, "first_payment_minor": 383_400}
    )
    reply = borrower.react(confirm)
    assert reply is not None and reply.intent == Intent.CONFIRM and reply.months == 6
    assert borrower.memory.plan is not None
    assert (borrower.memory.plan.months, borrower.memory.plan.first_payment_minor) == (6, 383_400)


def test_unknown_acts_get_a_puzzled_reply_or_silence():
    replies = [
        _borrower(Stance.WILLING, seed=seed).react(BotUtterance("?", "sing_a_song"))
        for seed in range(40)
    ]
    assert {r.intent for r in replies if r is not None} == {Intent.ASK_REPEAT}
    assert any(r is None for r in replies)
