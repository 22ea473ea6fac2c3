"""A whole collection call over real SIP on loopback: fairdial dials baresip, which answers as
the borrower, and the bot holds the conversation through to a promise, with a keypad digit.

The bot's ears are the real offline recogniser (Whisper tiny.en). Its voice is the fake engine:
the conversation has about 575 characters of bot speech, some 40 s at a real speaking rate on a
real-time line, so a 440 Hz tone of 10 ms per character stands in and keeps the call short.
"""

from __future__ import annotations

import asyncio
import os
import wave
from pathlib import Path
from typing import cast

import numpy as np
import pytest

from fairdial.conversation.engine import converse
from fairdial.dispositions import Disposition
from fairdial.telephony.amd import AmdLabel
from fairdial.telephony.answering import open_session
from fairdial.telephony.base import CallSession, HeardTurn
from fairdial.telephony.events import CallEvent, CallEventKind
from fairdial.voice.audio.pcm import resample
from fairdial.voice.engines import FakeTextToSpeech, TextToSpeech
from fairdial.voice.factory import default_speech_to_text, default_text_to_speech
from fairdial.voice.session import VoiceSession
from fairdial.voice.vad import EnergyVad

try:
    import pjsua2  # noqa: F401
except ImportError:
    if os.environ.get("FAIRDIAL_REQUIRE_SERVICES") == "1":
        raise
    pytest.skip(
        "pjsua2-python is not installed (pip install pjsua2-python)", allow_module_level=True
    )

from fairdial.telephony.sip import SipChannel
from tests.conversation.fakes import facts
from tests.telephony.sip_peer import Baresip, baresip
from tests.telephony.test_sip_channel import _config, _keep, _request, _session

HELLO = Path(__file__).parent / "data" / "amd" / "human_en_hello.wav"
REPLIES = ("Yes, speaking.", "Nineteen eighty five.", "I will pay it all tomorrow.")
DIGIT = "1"
# baresip's menu ends the call when a WAV source runs out, so each WAV is padded with silence
# longer than the rest of the call; the next reply replaces it.
TAIL_S = 30

pytestmark = pytest.mark.usefixtures("pjsua2_left_nothing")


def _write(pcm: np.ndarray, path: Path) -> Path:
    """An 8 kHz 16-bit mono WAV of `pcm` followed by `TAIL_S` of silence."""
    pcm = np.concatenate([pcm, np.zeros(8000 * TAIL_S, dtype=np.int16)])
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(pcm.astype("<i2").tobytes())
    return path


def _hello(path: Path) -> Path:
    """The recorded "hello?" the peer answers with, padded like the replies."""
    with wave.open(str(HELLO)) as source:
        return _write(np.frombuffer(source.readframes(source.getnframes()), dtype="<i2"), path)


async def _speak(tts: TextToSpeech, text: str, path: Path) -> Path:
    """`text` in the offline English voice, as an 8 kHz WAV."""
    chunks = [chunk async for chunk in tts.synthesize(text, "en-US")]
    return _write(resample(np.concatenate(chunks), tts.sample_rate, 8000), path)


class _Borrower:
    """The bot's session, with the peer answering each question: when the bot starts to listen,
    the peer plays the next reply, as a person answers once asked."""

    def __init__(
        self, session: VoiceSession, play: list[tuple[Path, str | None]], peer: Baresip
    ) -> None:
        self._session = session
        self._play = play
        self._peer = peer

    def __getattr__(self, name: str) -> object:
        return getattr(self._session, name)

    async def listen(self, timeout_s: float = 8.0) -> HeardTurn | None:
        if self._play:
            wav, key = self._play.pop(0)
            self._peer.play(wav)
            if key is not None:
                self._peer.press(key)
        return await self._session.listen(timeout_s)


def _tone_share(path: Path, hz: float = 440.0) -> tuple[float, float]:
    """Seconds of audio in the WAV, and the share of its energy within 30 Hz of `hz`."""
    with wave.open(str(path)) as wav:
        rate = wav.getframerate()
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)
    power = np.abs(np.fft.rfft(pcm)) ** 2
    frequencies = np.fft.rfftfreq(len(pcm), 1 / rate)
    near = power[np.abs(frequencies - hz) < 30].sum()
    return len(pcm) / rate, float(near / max(power.sum(), 1e-9))


def test_a_sip_call_to_a_borrower_ends_in_a_promise(tmp_path: Path) -> None:
    hello = _hello(tmp_path / "hello.wav")
    voice = default_text_to_speech()
    replies = [
        asyncio.run(_speak(voice, text, tmp_path / f"reply{n}.wav"))
        for n, text in enumerate(REPLIES)
    ]
    # The digit goes with the birth year, as a borrower pressing a key while answering.
    plays: list[tuple[Path, str | None]] = [(replies[0], None), (replies[1], DIGIT)]
    plays.append((replies[2], None))
    stt = default_speech_to_text(model="tiny.en")
    tts = FakeTextToSpeech(seconds_per_char=0.01)
    events: list[CallEvent] = []

    async def scenario():  # type: ignore[no-untyped-def]
        with baresip(tmp_path, "borrower", audio="file", wav=hello, record=True) as peer:
            async with SipChannel(_config(), session_factory=_keep, on_event=events.append) as ch:
                call = _session(await ch.dial(_request(peer.uri("borrower"))))
                # The peer's WAV is a short "hello?", which answering-machine detection hears.
                screened = await open_session(call, stt, tts, vad=EnergyVad())
                borrower = _Borrower(screened.session, plays, peer)
                outcome = await converse(cast(CallSession, borrower), facts("en-US"))
                assert peer.wait_log("terminated")
                return screened, outcome, list(call.transport.digits)  # type: ignore[attr-defined]

    screened, outcome, digits = asyncio.run(asyncio.wait_for(scenario(), 60))

    assert screened.amd.decision.label is AmdLabel.HUMAN
    heard = [line.text for line in screened.session.transcript if line.speaker == "borrower"]
    assert outcome.disposition is Disposition.PROMISE_TO_PAY, heard
    assert outcome.right_party
    assert len(heard) == 3 and "1985" in heard[1].replace(" ", "").replace(",", "")
    assert digits == [DIGIT]
    assert any(event.kind is CallEventKind.DTMF and event.digit == DIGIT for event in events)
    assert events[-1].kind is CallEventKind.COMPLETED

    # baresip's own recording of the call holds the bot's voice (the 440 Hz fake).
    sent_s = screened.session.pacer.frames_sent * 0.02
    recording = tmp_path / "heard"
    dumps = sorted(recording.glob("dump-*-dec.wav"))
    assert dumps, f"baresip wrote no recording: {list(recording.iterdir())}"
    seconds, share = _tone_share(dumps[-1])
    assert sent_s > 4.0 and seconds > sent_s
    assert share > 0.3
