"""Screening an answered call before the bot speaks: a machine greeting against a short hello."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import numpy as np

from fairdial.conversation.engine import converse
from fairdial.dispositions import Disposition
from fairdial.telephony.amd import AmdLabel
from fairdial.telephony.answering import open_session
from fairdial.telephony.events import AnsweredBy, AnsweredCall
from fairdial.voice.audio.g711 import ulaw_encode
from fairdial.voice.engines import FakeSpeechToText, FakeTextToSpeech
from fairdial.voice.vad import EnergyVad

from ..conversation.fakes import facts

DATA = Path(__file__).parent / "data" / "amd"
SILENCE = bytes([0xFF]) * 160  # mu-law zero


class ClipThenSilence:
    """A line that plays a clip at once, then sends silence at the real 20 ms pace."""

    def __init__(self, name: str) -> None:
        with wave.open(str(DATA / f"{name}.wav")) as wav:
            pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        encoded = ulaw_encode(pcm[: len(pcm) - len(pcm) % 160])
        self.frames = [encoded[i : i + 160] for i in range(0, len(encoded), 160)]
        self.sent: list[bytes] = []
        self.closed = False
        self._read = 0

    async def receive(self) -> bytes | None:
        if self.closed:
            return None
        if self._read < len(self.frames):
            self._read += 1
            await asyncio.sleep(0)
            return self.frames[self._read - 1]
        await asyncio.sleep(0.02)
        return None if self.closed else SILENCE

    async def send(self, frame: bytes) -> None:
        self.sent.append(frame)

    async def clear(self) -> None: ...

    async def close(self) -> None:
        self.closed = True


def _answered(line: ClipThenSilence) -> AnsweredCall:
    async def hang_up() -> None:
        await line.close()

    return AnsweredCall("call-1", "attempt-1", "en-US", line, AnsweredBy.UNKNOWN, hang_up)


def _open(line: ClipThenSilence):  # type: ignore[no-untyped-def]
    return open_session(
        _answered(line),
        FakeSpeechToText(),
        FakeTextToSpeech(seconds_per_char=0.005),
        vad=EnergyVad(),
    )


def test_a_machine_greeting_gets_a_machine_session_that_leaves_a_message() -> None:
    line = ClipThenSilence("machine_en_personal")

    async def call():  # type: ignore[no-untyped-def]
        screened = await _open(line)
        outcome = await converse(screened.session, facts("en-US"))
        return screened, outcome

    screened, outcome = asyncio.run(asyncio.wait_for(call(), 60))
    assert screened.amd.decision.label is AmdLabel.MACHINE
    assert screened.amd.slot is not None and screened.amd.slot.reason == "beep"
    assert screened.call.answered_by is AnsweredBy.MACHINE
    assert screened.answered_by == "machine"
    # Everything up to the end of the beep was read by detection, and kept.
    assert len(screened.greeting) == round(screened.amd.slot.at_s / 0.02) * 160
    assert outcome.disposition is Disposition.VOICEMAIL_LEFT
    assert len(line.sent) >= 25  # the message (0.6 s of fake voice) went out on the line
    assert screened.session.hung_up and line.closed


def test_a_short_hello_gets_a_human_session_that_hears_the_borrower_next() -> None:
    line = ClipThenSilence("human_en_hello")

    async def call():  # type: ignore[no-untyped-def]
        screened = await _open(line)
        started = screened.session.frame_time
        await screened.session.hangup()
        return screened, started

    screened, started = asyncio.run(asyncio.wait_for(call(), 30))
    assert screened.amd.decision.label is AmdLabel.HUMAN
    assert screened.amd.decision.reason == "short_greeting"
    assert screened.amd.slot is None
    assert screened.answered_by == "human"
    assert screened.call.transport is line
    # Decided within the deadline; the hello is on the greeting, not in the session's clock.
    assert screened.amd.decision.at_s < 3.5
    assert len(screened.greeting) == round(screened.amd.decision.at_s / 0.02) * 160
    assert started == 0.0
