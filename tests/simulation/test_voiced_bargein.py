"""Voiced borrowers who talk over the bot: the bot stops for a real interruption, not for "uh-huh".

The bot's engines are the instant fakes (its voice is a tone, its recogniser hears the words the
borrower meant), but what it hears is the borrower's espeak-ng voice through the WebRTC voice
activity detector, on the simulated line's frame clock.
"""

import asyncio
import random
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from fairdial.simulation.personas import Reach, Stance
from fairdial.simulation.voiced import (
    BACKCHANNEL,
    INTERRUPTION,
    BorrowerVoice,
    BorrowerVoices,
    TalkOverHabits,
    VoicedBorrower,
    talk_over_habits,
)
from fairdial.telephony.base import BotUtterance, DialRequest, HeardTurn
from fairdial.telephony.sim_audio import (
    EngineLoad,
    SimAudioChannel,
    SimAudioLine,
    VoicedSimSession,
)
from fairdial.voice.audio.clock import VirtualClock
from fairdial.voice.engines import FakeSpeechToText, FakeTextToSpeech
from fairdial.voice.playback import split_sentences, tokens
from fairdial.voice.recording import RecordingTransport
from fairdial.voice.vad import make_vad

from ..voice.conftest_engines import espeak
from .support import make_facts

RATE = 8000
FRAME = 160
SECONDS_PER_CHAR = 0.06  # the fake bot voice: 3 frames of tone per character

STATE_DEBT = BotUtterance(
    "Our records show a balance of twenty three thousand dollars on your account, which is "
    "now twenty days past due, and we would like to help you settle it today.",
    "state_debt",
    {"amount_minor": 2_300_000, "currency": "USD", "dpd": 20},
)
DISCLOSURE = BotUtterance(
    "This is a debt collector attempting to collect a debt, and any information obtained will "
    "be used for that purpose. This call may be recorded.",
    "disclosure",
)


def _voices() -> BorrowerVoices:
    return BorrowerVoices({"en": BorrowerVoice(espeak(), pitch=1.1)})


def _channel(stance: Stance, habits: TalkOverHabits, seed: int = 5) -> SimAudioChannel:
    facts = make_facts("A-1", "en-US")

    def recognise(pcm: np.ndarray) -> str:
        # A perfect recogniser: the words of the borrower's latest reply.
        [session] = channel.live.values()
        replies = session.line.far_end.replies
        return replies[-1].text if replies else ""

    channel = SimAudioChannel(
        lambda ref: (facts, {}),
        seed,
        stt=FakeSpeechToText(recognise),
        tts=FakeTextToSpeech(seconds_per_char=SECONDS_PER_CHAR),
        voices=_voices(),
        vad=lambda: make_vad("webrtc"),
        amd_error_rate=0.0,
        habits=lambda stance, chattiness: habits,
    )
    memory = channel.memory("A-1")
    memory.persona = replace(
        memory.persona,
        reach=Reach.NORMAL,
        answer_rate=1.0,
        stance=stance,
        mumble_rate=0.0,
        hangup_rate=0.0,
        chattiness=0.0,
    )
    return channel


async def _dial(channel: SimAudioChannel) -> VoicedSimSession:
    at = datetime(2024, 5, 22, 12, 30, tzinfo=ZoneInfo("America/Los_Angeles"))
    for number in range(1, 10):
        ref = f"A-1#{number}"
        dialled = await channel.dial(DialRequest(ref, "A-1", "+12135550100", "en-US", at))
        if dialled.session is not None:
            assert isinstance(dialled.session, VoicedSimSession)
            return dialled.session
    raise AssertionError("no dial connected")


def _bot_runs(bot: np.ndarray) -> list[tuple[float, float]]:
    """Start and end, in seconds, of each stretch of 20 ms slots where the bot sent audio."""
    slots = len(bot) // FRAME
    talking = np.abs(bot[: slots * FRAME].reshape(slots, FRAME)).max(axis=1) > 0
    runs: list[tuple[float, float]] = []
    start = None
    for slot, on in enumerate([*talking, False]):
        if on and start is None:
            start = slot
        elif not on and start is not None:
            runs.append((start * 0.02, slot * 0.02))
            start = None
    return runs


def _tone_frames(text: str) -> int:
    """Frames the fake bot voice takes for `text`, which it speaks sentence by sentence."""
    return sum(round(len(part) * SECONDS_PER_CHAR / 0.02) for part in split_sentences(text))


def test_an_interruption_stops_the_bot_within_300_ms_and_keeps_only_the_played_words():
    async def call():
        session = await _dial(
            _channel(Stance.REFUSER, TalkOverHabits(1.0, frozenset({"state_debt"})))
        )
        await session.say(STATE_DEBT)
        heard = await session.listen()
        await session.hangup()
        return session, heard

    session, heard = asyncio.run(call())
    far_end = session.line.far_end
    assert heard is not None

    [talk] = far_end.talk_overs
    assert talk.kind == INTERRUPTION and talk.act == "state_debt"
    [barge] = session.barge_ins
    assert barge.act == "state_debt"
    # The bot's detector found the borrower's first word, and cleared its output in time.
    assert talk.onset - 0.02 <= barge.onset_s <= talk.onset + 0.1
    assert barge.latency_s <= 0.3
    assert talk.bot_went_on_s <= 0.3

    # The recording agrees: the bot's audio around the onset ends within 300 ms of it.
    _, bot = session.recording.stereo()
    [spoken] = [run for run in _bot_runs(bot) if run[0] <= talk.onset < run[1] + 0.3]
    assert 0.5 <= talk.onset - spoken[0] <= 1.6  # the borrower cut in 0.5-1.5 s into it
    assert spoken[1] - talk.onset <= 0.3
    assert spoken[1] == pytest.approx(talk.bot_until)

    # The transcript keeps the words played, in proportion to the frames sent, and no more.
    [line] = [line for line in session.transcript if line.act == "state_debt"]
    assert line.interrupted
    words = tokens(STATE_DEBT.text)
    played = round((spoken[1] - spoken[0]) / 0.02)
    assert tokens(line.text) == words[: len(words) * played // _tone_frames(STATE_DEBT.text)]
    assert 0 < len(tokens(line.text)) < len(words) // 2

    # What the bot heard next is the interruption itself, and the borrower said it only once.
    assert heard.text == far_end.replies[-1].text
    assert [reply.text for reply in far_end.replies] == [heard.text]
    assert far_end.brain.truth[-1].in_reply_to == "state_debt"


@pytest.mark.parametrize("cough_share", [0.0, 1.0], ids=["uh-huh", "cough"])
def test_a_backchannel_during_a_disclosure_does_not_stop_it(cough_share):
    habits = TalkOverHabits(backchannel_rate=1.0, cough_share=cough_share)

    async def call():
        session = await _dial(_channel(Stance.WILLING, habits))
        await session.say(DISCLOSURE)
        await session.hangup()
        return session

    session = asyncio.run(call())
    [talk] = session.line.far_end.talk_overs
    assert talk.kind == BACKCHANNEL and talk.act == "disclosure"
    assert 0.05 <= talk.seconds <= 0.2
    assert session.barge_ins == []
    [line] = [line for line in session.transcript if line.act == "disclosure"]
    assert not line.interrupted and line.text == DISCLOSURE.text

    # It was on the line while the bot spoke, and the bot went on to the end of its sentence.
    borrower, bot = session.recording.stereo()
    [spoken] = [run for run in _bot_runs(bot) if run[0] <= talk.onset < run[1]]
    assert round((spoken[1] - spoken[0]) / 0.02) == _tone_frames(DISCLOSURE.text)
    assert talk.bot_until == pytest.approx(spoken[1])
    burst = borrower[int(talk.onset * RATE) : int((talk.onset + talk.seconds) * RATE)]
    assert np.abs(burst).max() > 2000
    if cough_share == 0.0:
        # The word is speech to the bot's own detector: short speech, not no speech.
        vad = make_vad("webrtc")
        start = int(talk.onset * RATE) // FRAME * FRAME
        frames = [borrower[i : i + FRAME] for i in range(start, start + 20 * FRAME, FRAME)]
        assert sum(vad.speech_probability(frame) for frame in frames) >= 3


class _OneReply:
    """A text borrower with one reply, to whatever the bot says first; `hang_up` ends the call."""

    stance = Stance.ANGRY.value

    def __init__(self, text: str, *, hang_up: bool) -> None:
        self.text = text
        self.hang_up = hang_up
        self.hung_up = False
        self.pending = False
        self.replied = False

    async def say(self, utterance: BotUtterance) -> None:
        self.pending = not (self.hung_up or self.replied)

    async def listen(self, timeout_s: float = 8.0) -> HeardTurn | None:
        if not self.pending:
            return None
        self.pending, self.replied, self.hung_up = False, True, self.hang_up
        return HeardTurn(self.text, 0.5)

    async def hangup(self) -> None:
        self.hung_up = True


def _session(
    brain: _OneReply, habits: TalkOverHabits, seconds_per_char: float = SECONDS_PER_CHAR
) -> VoicedSimSession:
    """A call on the simulated line to `brain`, built as `SimAudioChannel.dial` builds one."""
    clock, load = VirtualClock(), EngineLoad()
    far_end = VoicedBorrower(
        brain,  # type: ignore[arg-type]
        _voices().for_language("en"),
        "en-US",
        np.random.default_rng(1),
        habits=habits,
        timing=random.Random(1),
    )
    line = SimAudioLine(far_end, clock, load)
    return VoicedSimSession(
        RecordingTransport(line),
        line,
        load,
        FakeSpeechToText(lambda pcm: far_end.replies[-1].text),
        FakeTextToSpeech(seconds_per_char=seconds_per_char),
        language="en-US",
        vad=make_vad("webrtc"),
        clock=clock,
    )


def test_a_hang_up_in_mid_bot_speech_leaves_no_task_running():
    # "No." over a disclosure is too short to stop it; the phone goes down while it still plays.
    habits = TalkOverHabits(1.0, frozenset({"disclosure"}))
    long_disclosure = replace(DISCLOSURE, text=DISCLOSURE.text * 2)

    async def call():
        before = asyncio.all_tasks()
        session = _session(_OneReply("No.", hang_up=True), habits)
        await session.say(long_disclosure)
        hung_up_at = session.frame_time
        assert await session.listen() is None
        await session.hangup()
        return session, hung_up_at, asyncio.all_tasks() - before

    session, hung_up_at, left = asyncio.run(call())
    assert left == set()
    assert session.hung_up and session.line.closed
    assert session.pacer.pending == 0
    [talk] = session.line.far_end.talk_overs
    assert session.barge_ins == []
    # The far end hung up 0.4 s after its word, with the bot still mid-sentence.
    assert hung_up_at == pytest.approx(talk.onset + talk.seconds + 0.4, abs=0.1)
    [line] = session.transcript
    assert line.interrupted and 0 < len(line.text) < len(DISCLOSURE.text)


def test_a_sentence_over_before_the_borrower_cuts_in_gets_its_reply_in_turn():
    # The fake voice says this in 0.46 s: before the earliest moment a borrower cuts in.
    short = replace(STATE_DEBT, text="a b c d e f g h i j k l")
    habits = TalkOverHabits(1.0, frozenset({"state_debt"}))

    async def call():
        session = _session(_OneReply("I paid it already.", hang_up=False), habits, 0.02)
        await session.say(short)
        heard = await session.listen()
        await session.hangup()
        return session, heard

    session, heard = asyncio.run(call())
    far_end = session.line.far_end
    assert far_end.talk_overs == [] and session.barge_ins == []
    assert heard is not None and heard.text == "I paid it already."
    [reply] = far_end.replies
    _, bot = session.recording.stereo()
    [(_, bot_ended)] = _bot_runs(bot)
    assert reply.starts_at >= bot_ended + 0.2  # the borrower's own pause, after the bot
    assert not session.transcript[0].interrupted


def test_how_often_a_borrower_talks_over_follows_their_stance_and_chattiness():
    quiet = talk_over_habits(Stance.WILLING.value, 0.0)
    assert quiet.interrupt_rate == 0.0 and quiet.backchannel_rate == 0.0
    chatty = talk_over_habits(Stance.WILLING.value, 0.7)
    assert chatty.interrupts == frozenset({"state_debt"})  # never an offer it has not heard
    assert chatty.backchannel_rate > 0.4
    angry = talk_over_habits(Stance.ANGRY.value, 0.0)
    assert angry.interrupt_rate >= 0.6 and "offer_plan" in angry.interrupts
    assert talk_over_habits(None, 0.9) == TalkOverHabits()  # an answering machine
    with pytest.raises(ValueError, match=r"backchannel_rate is a chance from 0 to 1, not 1\.5"):
        TalkOverHabits(backchannel_rate=1.5)


def test_the_same_seed_talks_over_at_the_same_moments():
    habits = TalkOverHabits(0.5, frozenset({"state_debt"}), backchannel_rate=0.5)

    async def call(seed):
        session = await _dial(_channel(Stance.DISPUTER, habits, seed))
        for utterance in (DISCLOSURE, STATE_DEBT, DISCLOSURE, STATE_DEBT):
            await session.say(utterance)
        await session.hangup()
        return [(t.kind, round(t.onset, 2)) for t in session.line.far_end.talk_overs]

    first, again = asyncio.run(call(11)), asyncio.run(call(11))
    assert first == again
    assert first  # with these chances, seed 11 talks over at least once
