import asyncio

from prometheus_client import CollectorRegistry

from fairdial.telephony.base import BotUtterance
from fairdial.voice.loopback import Reply
from fairdial.voice.metrics import TurnClock, VoiceMetrics

from .support import make_session


def test_turn_clock_splits_the_response_time():
    clock = TurnClock(speech_ended=10.0, turn_ended=10.6, heard=10.9)
    clock.say_called = 11.0
    clock.first_chunk = 11.25
    turn = clock.finish(first_frame=11.26)
    assert turn.as_dict() == {
        "end_of_turn_s": 0.6,
        "asr_s": 0.3,
        "decision_s": 0.1,
        "tts_first_chunk_s": 0.25,
        "total_s": 1.26,
    }


def test_session_records_turns_and_exports_histograms():
    registry = CollectorRegistry()

    async def call():
        session, _, clock = make_session(
            [Reply([1.0], at=0.5)],
            ["hello?"],
            stt_delay_s=0.3,
            metrics=VoiceMetrics(registry),
            partial_transcripts=False,
        )
        heard = await session.listen()
        await clock.sleep(0.05)  # the engine deciding
        await session.say(BotUtterance("Hello, this is Harbor Financial.", "greet_disclose"))
        await session.hangup()
        return session, heard

    session, heard = asyncio.run(call())
    assert heard is not None and heard.text == "hello?"
    [turn] = session.turn_metrics
    assert abs(turn.end_of_turn_s - 0.6) < 0.03
    assert abs(turn.asr_s - 0.3) < 0.03
    assert abs(turn.decision_s - 0.05) < 0.03
    assert abs(turn.total_s - 0.95) < 0.06
    assert registry.get_sample_value("fairdial_voice_response_seconds_count") == 1
    assert registry.get_sample_value("fairdial_voice_asr_seconds_sum") == turn.asr_s


def test_early_transcript_runs_during_the_end_of_turn_wait():
    async def call(text):
        session, _, _ = make_session(
            [Reply([1.0], at=0.5)], [text], stt_delay_s=0.3, partial_transcripts=True
        )
        heard = await session.listen()
        await session.say(BotUtterance("Thank you.", "acknowledge"))
        await session.hangup()
        return heard, session.turn_metrics[0]

    # Asked for after 0.2 s of silence, the transcript is ready 0.3 s later; a finished
    # sentence ends the turn then, and nothing of the recogniser's time is left to wait for.
    heard, finished = asyncio.run(call("I can pay on Friday."))
    assert heard is not None and heard.text == "I can pay on Friday."
    assert abs(finished.end_of_turn_s - 0.52) < 0.03
    assert finished.asr_s < 0.03
    # Words that go on ("and") keep the usual silence; the transcript is ready before it ends.
    heard, unfinished = asyncio.run(call("I can pay on Friday and"))
    assert abs(unfinished.end_of_turn_s - 0.6) < 0.03
    assert unfinished.asr_s < 0.03


def test_a_turn_answered_by_the_sentence_after_an_interruption_has_no_response_time():
    long = BotUtterance(
        "I am calling about a matter that needs your attention today. "
        "There are a few things I would like to go over with you, one at a time.",
        "ask_payment",
    )

    async def call():
        session, _, _ = make_session([Reply([1.0], at=2.0)], ["wait, who is this?"])
        await session.say(long)  # interrupted at 2.0 s
        await session.say(BotUtterance("This is Harbor Financial.", "identify"))
        interruption = await session.listen()  # heard before the bot's second sentence
        await session.say(BotUtterance("Thank you.", "acknowledge"))
        await session.hangup()
        return session, interruption

    session, interruption = asyncio.run(call())
    assert interruption is not None and interruption.text == "wait, who is this?"
    assert len(session.barge_ins) == 1
    # "This is Harbor Financial." answered the interruption; the recogniser did not take the
    # length of that sentence, so no response time is made up for it.
    assert session.turn_metrics == []
