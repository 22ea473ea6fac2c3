"""A simulated borrower on the phone in audio: the bot's real engines hear only what it says."""

import asyncio
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from fairdial.conversation.engine import converse
from fairdial.dispositions import Disposition
from fairdial.simulation.personas import Reach, Stance
from fairdial.simulation.voiced import default_borrower_voices
from fairdial.telephony.base import DialRequest
from fairdial.telephony.sim_audio import SimAudioChannel, recording_name
from fairdial.voice.recording import read_stereo_wav
from fairdial.voice.turns import TurnTimings

from ..voice.conftest_engines import english_whisper, piper
from .support import make_facts

RATE = 8000


def _rms(pcm: np.ndarray) -> float:
    return float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2))) if len(pcm) else 0.0


@pytest.fixture(scope="module")
def voiced_call(tmp_path_factory):
    """One call to a willing English borrower who answers every question plainly."""
    recordings = tmp_path_factory.mktemp("calls")
    facts = make_facts("A-1", "en-US")
    engine = piper()
    channel = SimAudioChannel(
        lambda ref: (facts, {}),
        3,
        stt=english_whisper(),
        tts=engine,
        voices=default_borrower_voices(engine),
        recordings=recordings,
        amd_error_rate=0.0,
    )
    memory = channel.memory("A-1")
    memory.persona = replace(
        memory.persona,
        reach=Reach.NORMAL,
        answer_rate=1.0,
        stance=Stance.WILLING,
        mumble_rate=0.0,
        identity_accuracy=1.0,
        identity_refusal=0.0,
        hangup_rate=0.0,
        chattiness=0.0,
    )
    at = datetime(2024, 5, 22, 12, 30, tzinfo=ZoneInfo("America/Los_Angeles"))

    async def call():
        # The simulator may leave a dial unanswered; the seed fixes which dial connects.
        for number in range(1, 10):
            ref = f"A-1#{number}"
            dialled = await channel.dial(DialRequest(ref, "A-1", "+12135550100", "en-US", at))
            if dialled.session is not None:
                outcome = await converse(dialled.session, facts)
                return ref, dialled.session, outcome
        raise AssertionError("no dial connected")

    ref, session, outcome = asyncio.run(call())
    finished = channel.finish(ref, outcome.disposition.value)
    return ref, session, outcome, finished, recordings


def test_the_bot_reaches_a_disposition_on_audio_alone(voiced_call):
    _, session, outcome, finished, _ = voiced_call
    assert outcome.disposition is Disposition.PROMISE_TO_PAY
    assert outcome.right_party
    assert session.hung_up
    meant = [reply.text for reply in session.line.far_end.replies]
    assert 2 <= len(meant) <= 4
    assert finished is not None and finished.disposition == "promise_to_pay"
    # What the bot heard came through its own recogniser, one transcript per reply.
    assert len(finished.borrower_said) == len(meant)
    assert any("1985" in heard.replace(",", "") for heard in finished.borrower_said)


def test_the_recording_is_stereo_aligned_and_each_side_speaks_in_its_turn(voiced_call):
    ref, session, _, finished, recordings = voiced_call
    assert finished.recording == recordings / recording_name(ref)
    rate, borrower, bot = read_stereo_wav(finished.recording)
    assert rate == RATE
    assert len(borrower) == len(bot) > 0

    def span(pcm, start_s, seconds):
        return pcm[int(start_s * RATE) : int((start_s + seconds) * RATE)]

    for reply in session.line.far_end.replies:
        assert _rms(span(borrower, reply.starts_at, reply.seconds)) > 500
        assert _rms(span(bot, reply.starts_at, reply.seconds)) == 0.0
    frames = len(bot) // 160
    bot_frames = bot[: frames * 160].reshape(frames, 160).astype(np.float64)
    borrower_frames = borrower[: frames * 160].reshape(frames, 160)
    talking = np.sqrt((bot_frames**2).mean(axis=1)) > 500
    # Each sentence is heard once synthesised, before the bot starts on the next one. The
    # synthesis costs this machine's time on the call's clock, so a busy machine starts the
    # audio later; at least half a second of it lands in the sentence's own slot.
    bot_lines = [line for line in session.transcript if line.speaker == "bot"]
    slot_ends = [line.offset_s for line in bot_lines[1:]] + [frames * 0.02]
    for line, slot_end in zip(bot_lines, slot_ends, strict=True):
        assert talking[round(line.offset_s / 0.02) : round(slot_end / 0.02)].sum() >= 25, line.act
    # While the bot talks, the borrower's side carries only the line noise.
    assert talking.sum() > 100
    assert _rms(borrower_frames[talking].ravel()) < 200


def test_each_turn_latency_is_split_into_ordered_parts(voiced_call):
    _, session, _, finished, _ = voiced_call
    turns = finished.turn_metrics
    assert len(turns) == len(session.line.far_end.replies)
    for turn in turns:
        parts = (turn.end_of_turn_s, turn.asr_s, turn.decision_s, turn.tts_first_chunk_s)
        assert all(part >= 0 for part in parts)
        # The bot waits at least the silence after a finished sentence; the transcript is
        # asked for during the pause, so the recogniser's work is charged to the wait or after.
        assert turn.end_of_turn_s >= TurnTimings().finished_silence_s - 1e-6
        assert turn.end_of_turn_s + turn.asr_s > TurnTimings().partial_after_s
        # Whatever the parts do not cover is the pacer's wait for its next 20 ms slot.
        assert 0 <= turn.total_s - sum(parts) <= 0.02 + 1e-6
    assert finished.latency() == [turn.as_dict() for turn in turns]
