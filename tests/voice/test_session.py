import asyncio

import pytest

from fairdial.conversation.engine import converse
from fairdial.dispositions import Disposition
from fairdial.voice.engines import FakeSpeechToText
from fairdial.voice.loopback import Reply

from ..conversation.fakes import facts
from .support import make_session


def run(coro):
    return asyncio.run(coro)


def test_whole_conversation_over_loopback_ends_with_a_promise():
    async def call():
        before = asyncio.all_tasks()
        replies = [Reply([0.8]), Reply([0.4, 0.3, 0.5]), Reply([1.5])]
        session, transport, _clock = make_session(
            replies,
            ["yes, speaking", "1985", "I'll pay the full amount on the 20th"],
            stt_delay_s=0.2,
            tts_delay_s=0.15,
        )
        outcome = await converse(session, facts("en-US"))
        await asyncio.sleep(0)
        return outcome, session, transport, asyncio.all_tasks() - before

    outcome, session, _transport, left = run(call())
    assert outcome.disposition == Disposition.PROMISE_TO_PAY
    assert outcome.right_party
    assert left == set()
    assert session.hung_up
    said = [line for line in session.transcript if line.speaker == "bot"]
    heard = [line.text for line in session.transcript if line.speaker == "borrower"]
    assert heard == ["yes, speaking", "1985", "I'll pay the full amount on the 20th"]
    assert said[0].act == "greet_disclose" and not said[0].interrupted
    assert len(session.turn_metrics) == 3
    for turn in session.turn_metrics:
        assert turn.asr_s == pytest.approx(0.2, abs=0.03)
        assert turn.tts_first_chunk_s == pytest.approx(0.15, abs=0.03)
    # A finished answer is taken after the short silence, the birth year after the long one.
    assert session.turn_metrics[0].end_of_turn_s == pytest.approx(0.6, abs=0.03)
    assert session.turn_metrics[1].end_of_turn_s == pytest.approx(1.2, abs=0.03)


def test_partial_transcript_keeps_a_number_read_in_groups_together():
    groups = ["0912", "345", "678"]

    def recognise(pcm):
        # The audio so far holds one more group for each 1.8 s beyond the first 1.4 s.
        heard = round((len(pcm) / 16000 - 1.4) / 1.8) + 1
        return " ".join(groups[: max(1, heard)])

    async def call():
        session, _, _ = make_session(
            [Reply([1.0, 0.8, 1.0, 0.8, 1.0], at=0.2)],
            hang_up_after_s=None,
            stt=FakeSpeechToText(recognise),
            partial_transcripts=True,
        )
        heard = await session.listen()
        await session.hangup()
        return heard

    heard = asyncio.run(call())
    assert heard is not None and heard.text == "0912 345 678"


def test_a_finished_sentence_is_answered_after_the_short_timeout():
    async def call():
        session, _, _ = make_session([Reply([1.3], at=0.5)], ["I already paid"])
        heard = await session.listen()
        ended = session.frame_time
        await session.hangup()
        return heard, ended

    heard, ended = asyncio.run(call())
    assert heard is not None and heard.text == "I already paid"
    assert abs(ended - (0.5 + 1.3 + 0.6)) <= 0.04
