import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from fairdial.simulation.intents import Intent
from fairdial.simulation.personas import Stance
from fairdial.telephony.base import BotUtterance, CallResult, DialRequest
from fairdial.telephony.sim import SimChannel, SimSession, speaking_seconds
from tests.simulation.support import SCRIPT, make_facts, walk

EVENING = datetime(2024, 5, 22, 19, 30)
LANGUAGES = ("zh-TW", "zh-CN", "en-US")


def _portfolio(size: int, default: int = 0) -> dict:
    return {
        f"A{i}": (make_facts(f"A{i}", LANGUAGES[i % 3], dpd=10 + i % 80), {"default": default})
        for i in range(size)
    }


def _channel(accounts: dict, seed: int = 7, **kwargs) -> SimChannel:
    return SimChannel(accounts.__getitem__, seed=seed, **kwargs)


def _request(ref: str, at: datetime = EVENING, attempt: str = "") -> DialRequest:
    return DialRequest(attempt or f"{ref}-{at:%j%H}", ref, "+10000000000", "zh-TW", at)


async def _call(channel: SimChannel, ref: str, at: datetime = EVENING) -> tuple:
    outcome = await channel.dial(_request(ref, at))
    if outcome.session is None:
        return (outcome.result, round(outcome.ring_seconds, 6), ())
    await walk(outcome.session)
    truth = tuple((t.intent, t.text, t.amount_minor, t.due_date) for t in outcome.session.truth)
    return (outcome.result, round(outcome.ring_seconds, 6), truth)


def test_same_seed_same_calls_whatever_the_order():
    accounts = _portfolio(60)
    refs = list(accounts)
    days = (EVENING, EVENING + timedelta(days=1))

    async def run(order: list[str]) -> dict:
        channel = _channel(accounts)
        seen: dict = {}
        for at in days:
            for ref in order:
                seen[(ref, at)] = await _call(channel, ref, at)
        return seen

    forward = asyncio.run(run(refs))
    backward = asyncio.run(run(refs[::-1]))
    assert forward == backward
    other_seed = asyncio.run(_run_with_seed(accounts, refs, 8))
    assert other_seed != {key: value for key, value in forward.items() if key[1] == EVENING}


async def _run_with_seed(accounts: dict, refs: list[str], seed: int) -> dict:
    channel = _channel(accounts, seed=seed)
    return {(ref, EVENING): await _call(channel, ref) for ref in refs}


def test_outcome_mix_is_plausible():
    accounts = _portfolio(3000)
    channel = _channel(accounts)

    async def run() -> Counter:
        results = Counter()
        for ref in accounts:
            results[(await channel.dial(_request(ref))).result] += 1
        return results

    results = asyncio.run(run())
    share = {result: count / 3000 for result, count in results.items()}
    assert 0.35 < share[CallResult.CONVERSATION] < 0.8
    assert 0.05 < share[CallResult.NO_ANSWER] < 0.4
    assert 0.03 < share[CallResult.VOICEMAIL] < 0.35
    assert 0 < share[CallResult.BUSY] < 0.1
    assert 0 < share[CallResult.NOT_IN_SERVICE] < 0.03


def test_evenings_answer_more_than_working_hours():
    accounts = _portfolio(2000)

    async def answered(at: datetime) -> int:
        channel = _channel(accounts)
        outcomes = [await channel.dial(_request(ref, at)) for ref in accounts]
        return sum(o.result == CallResult.CONVERSATION for o in outcomes)

    assert asyncio.run(answered(EVENING)) > asyncio.run(answered(EVENING.replace(hour=10))) * 1.3


def test_aware_times_are_read_in_the_borrowers_zone():
    # 11:30 UTC is 19:30 in Taipei: the same dial as a naive local evening call
    accounts = {"T": (make_facts("T", "zh-TW"), {})}
    utc = datetime(2024, 5, 22, 11, 30, tzinfo=UTC)

    async def results(at: datetime) -> list:
        channel = _channel(accounts)
        return [(await channel.dial(_request("T", at))).result for _ in range(5)]

    assert asyncio.run(results(utc)) == asyncio.run(results(EVENING))


def _answered_session(accounts: dict, stance: Stance | None = None) -> tuple[SimChannel, str]:
    channel = _channel(accounts)
    for ref in accounts:
        memory = channel.memory(ref)
        if memory.persona.reach == "normal" and stance in (None, memory.persona.stance):
            return channel, ref
    raise AssertionError(f"no {stance} borrower in the portfolio")


async def _answer(channel: SimChannel, ref: str) -> SimSession:
    at = EVENING
    for _ in range(40):
        outcome = await channel.dial(_request(ref, at))
        if outcome.session is not None and not outcome.session.truly_machine:
            return outcome.session
        at += timedelta(days=1)
    raise AssertionError("never answered")


def test_clock_advances_with_speech_and_replies():
    accounts = _portfolio(200)
    channel, ref = _answered_session(accounts, Stance.WILLING)

    async def run() -> None:
        session = await _answer(channel, ref)
        assert session.elapsed_seconds() == 0.0
        await session.say(SCRIPT[0])
        after_say = session.elapsed_seconds()
        assert after_say == pytest.approx(speaking_seconds(SCRIPT[0].text))
        heard = await session.listen()
        assert heard is not None
        assert session.elapsed_seconds() == pytest.approx(after_say + heard.seconds)
        assert heard.seconds >= speaking_seconds(heard.text)

    asyncio.run(run())


def test_speaking_rates():
    assert abs(speaking_seconds("一二三四五六七八") - 2.2) < 1e-9  # 8 characters at 4 a second
    assert abs(speaking_seconds("one two three four five") - 2.2) < 1e-9


def test_silence_costs_the_timeout_and_the_borrower_leaves():
    accounts = _portfolio(200)
    channel, ref = _answered_session(accounts)

    async def run() -> SimSession:
        session = await _answer(channel, ref)
        await session.listen()  # the "hello?" on pick-up
        start = session.elapsed_seconds()
        assert await session.listen(timeout_s=5.0) is None
        assert session.elapsed_seconds() == pytest.approx(start + 5.0)
        await session.listen(timeout_s=5.0)
        await session.listen(timeout_s=5.0)
        return session

    session = asyncio.run(run())
    assert session.hung_up
    assert session.ended_by == "borrower"
    assert session.truth[-1].intent == Intent.SILENCE


def test_closing_ends_the_call_and_unknown_acts_do_not_crash():
    accounts = _portfolio(300)

    async def run() -> list[SimSession]:
        channel = _channel(accounts)
        sessions = []
        for ref in accounts:
            outcome = await channel.dial(_request(ref))
            if outcome.session is None or outcome.session.truly_machine:
                continue
            session = outcome.session
            await session.say(BotUtterance("嗯嗯", "made_up_act", {"x": object()}))
            await session.listen()
            await walk(session)
            sessions.append(session)
        return sessions

    sessions = asyncio.run(run())
    assert len(sessions) > 100
    assert all(s.hung_up for s in sessions)
    finished = [s for s in sessions if s.truth and s.truth[-1].in_reply_to == "closing"]
    assert finished
    assert all(s.ended_by == "borrower" and s.truth[-1].intent == Intent.GOODBYE for s in finished)
    replies = [t.intent for s in sessions for t in s.truth if t.in_reply_to == "made_up_act"]
    assert set(replies) <= {Intent.ASK_REPEAT, Intent.UNCLEAR, Intent.SILENCE}


def test_voicemail_box_plays_a_greeting_then_records():
    accounts = _portfolio(300)

    async def run() -> SimSession:
        channel = _channel(accounts, amd_error_rate=0.0)
        for ref in accounts:
            outcome = await channel.dial(_request(ref))
            if outcome.result == CallResult.VOICEMAIL:
                return outcome.session
        raise AssertionError("no voicemail")

    async def leave(session: SimSession) -> None:
        greeting = await session.listen()
        assert greeting is not None and greeting.text
        await session.say(BotUtterance("請回電", "voicemail_message"))
        assert await session.listen() is None
        await session.hangup()

    session = asyncio.run(run())
    assert session.answered_by == "machine"
    asyncio.run(leave(session))
    assert session.message_left
    assert session.ended_by == "bot"


def test_debt_said_to_a_relative_is_flagged():
    accounts = _portfolio(600)
    channel, ref = _answered_session(accounts, Stance.THIRD_PARTY)

    async def run() -> SimSession:
        for _ in range(20):
            session = await _answer(channel, ref)
            if session.speaker == "third_party":
                await walk(session)
                return session
        raise AssertionError("the relative never answered")

    session = asyncio.run(run())
    assert session.disclosed_to_non_debtor
    assert Intent.THIRD_PARTY in {t.intent for t in session.truth}
    assert Intent.PROMISE not in {t.intent for t in session.truth}


def test_a_promise_is_remembered_on_the_next_call():
    accounts = _portfolio(300)
    channel, ref = _answered_session(accounts, Stance.WILLING)
    confirm = BotUtterance(
        "確認", "confirm_promise", {"amount_minor": 2_300_000, "due_date": "2024-05-31"}
    )
    state = BotUtterance("欠款", "state_debt", {"amount_minor": 2_300_000, "dpd": 20})

    async def run() -> SimSession:
        first = await _answer(channel, ref)
        await walk(first, (*SCRIPT[:5], confirm))
        second = await _answer(channel, ref)
        await walk(second, (state,))
        return second

    second = asyncio.run(run())
    promise = channel.memory(ref).promise
    assert promise is not None and promise.due_date.isoformat() == "2024-05-31"
    said = next(t for t in second.truth if t.in_reply_to == "state_debt")
    assert said.intent in {Intent.ALREADY_PROMISED, Intent.UNCLEAR}
    if said.intent == Intent.ALREADY_PROMISED:
        assert said.due_date == promise.due_date


def test_a_stop_request_persists():
    accounts = _portfolio(900)
    channel, ref = _answered_session(accounts, Stance.STOP)
    channel.memory(ref).asked_to_stop = True

    async def run() -> set:
        intents = set()
        for _ in range(5):
            session = await _answer(channel, ref)
            await walk(session, SCRIPT[4:6])
            intents |= {t.intent for t in session.truth}
        return intents

    assert Intent.STOP_CALLING in asyncio.run(run())


def test_identity_is_mostly_answered_truly():
    accounts = _portfolio(900)
    verify = BotUtterance("出生年", "verify_identity", {"identity_kind": "birth_year"})

    async def run() -> Counter:
        channel = _channel(accounts)
        answers = Counter()
        for ref in accounts:
            outcome = await channel.dial(_request(ref))
            if outcome.session is None or outcome.session.speaker != "borrower":
                continue
            await walk(outcome.session, (verify,))
            for turn in outcome.session.truth:
                if turn.intent == Intent.IDENTITY_ANSWER:
                    answers[turn.detail["correct"]] += 1
                if turn.intent == Intent.REFUSE_IDENTITY:
                    answers["refused"] += 1
        return answers

    answers = asyncio.run(run())
    total = sum(answers.values())
    assert answers[True] / total > 0.8
    assert answers[False] > 0
    assert answers["refused"] > 0


def test_defaulted_portfolio_promises_less():
    async def promises(default: int) -> float:
        accounts = _portfolio(1500, default=default)
        channel = _channel(accounts)
        made = talked = 0
        for ref in accounts:
            outcome = await channel.dial(_request(ref))
            if outcome.session is None or outcome.session.speaker != "borrower":
                continue
            await walk(outcome.session)
            talked += 1
            made += any(t.intent == Intent.PROMISE for t in outcome.session.truth)
        return made / talked

    assert asyncio.run(promises(1)) < asyncio.run(promises(0)) - 0.05


def test_simulated_calls_never_wait_on_the_real_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # What keeps 50,000 calls to minutes: hours of rings and talk pass on the calls' own
    # clocks, and the channel only yields to the event loop. Its speed is measured by
    # benchmarks/campaign_throughput.py, not asserted here.
    accounts = _portfolio(500)
    channel = _channel(accounts)
    real_sleep = asyncio.sleep
    waits: list[float] = []

    async def sleep(delay: float, result: object = None) -> object:
        waits.append(delay)
        return await real_sleep(delay, result)

    async def run() -> float:
        simulated = 0.0
        for ref in accounts:
            outcome = await channel.dial(_request(ref))
            simulated += outcome.ring_seconds
            if isinstance(outcome.session, SimSession):
                await walk(outcome.session)
                simulated += outcome.session.elapsed_seconds()
        return simulated

    monkeypatch.setattr(asyncio, "sleep", sleep)
    started = time.perf_counter()
    simulated = asyncio.run(run())
    print(f"500 simulated calls: {simulated / 3600:.1f} h in {time.perf_counter() - started:.2f} s")
    assert simulated > 3600
    assert waits and set(waits) == {0}
