"""Shared pieces for voice tests: a session on a virtual clock over a scripted loopback line."""

from __future__ import annotations

from pathlib import Path

from fairdial.voice.audio.clock import VirtualClock
from fairdial.voice.audio.g711 import ulaw_decode
from fairdial.voice.engines import FakeSpeechToText, FakeTextToSpeech, SpeechToText
from fairdial.voice.loopback import LoopbackTransport, Reply, ScriptedFarEnd
from fairdial.voice.session import VoiceSession
from fairdial.voice.turns import TurnTimings
from fairdial.voice.vad import EnergyVad, VadEngine

DATA = Path(__file__).parent / "data"


def recorded_speech():
    """3 s of synthetic English speech, 8 kHz, as int16."""
    return ulaw_decode((DATA / "speech_en_8k.ulaw").read_bytes())


def make_session(
    replies: list[Reply],
    texts: list[str] | None = None,
    *,
    vad: VadEngine | None = None,
    timings: TurnTimings | None = None,
    hang_up_after_s: float | None = 3.0,
    hang_up_at: float | None = None,
    language: str = "en-US",
    stt_delay_s: float = 0.0,
    tts_delay_s: float = 0.0,
    stt: SpeechToText | None = None,
    **options: object,
) -> tuple[VoiceSession, LoopbackTransport, VirtualClock]:
    clock = VirtualClock()
    # A scripted recogniser answers each call with the next text; early transcripts would take
    # texts meant for later turns, so tests turn them on where they are the subject.
    options.setdefault("partial_transcripts", False)
    far_end = {key: options.pop(key) for key in ("speech",) if key in options}
    end = ScriptedFarEnd(list(replies), hang_up_after_s, hang_up_at, **far_end)  # type: ignore[arg-type]
    transport = LoopbackTransport(end, clock)
    session = VoiceSession(
        transport,
        stt or FakeSpeechToText(texts or [], delay_s=stt_delay_s, sleep=clock.sleep),
        FakeTextToSpeech(first_chunk_delay_s=tts_delay_s, sleep=clock.sleep),
        language=language,
        vad=vad or EnergyVad(),
        timings=timings,
        clock=clock,
        **options,  # type: ignore[arg-type]
    )
    return session, transport, clock
