"""The production wiring of `fairdial serve`: store, recordings and the voice engines by name.

Every answered carrier call is screened for an answering machine (the `amd` section) before
its voice session starts, so the dialler's record says whether a person or a machine answered
and the bot leaves only a message on a machine.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fairdial.config import load_settings
from fairdial.server.app import Server
from fairdial.server.config import ServeConfig, VoiceOptions
from fairdial.store import Store, open_store
from fairdial.store.crypto import load_or_create_key
from fairdial.telephony.amd import AmdSettings
from fairdial.telephony.answering import open_session
from fairdial.telephony.base import CallSession
from fairdial.telephony.events import AnsweredCall
from fairdial.telephony.recording import RecordingArchive, RecordingCipher
from fairdial.voice.engines import SpeechToText, TextToSpeech
from fairdial.voice.session import VoiceSession
from fairdial.voice.vad import make_vad

ScreeningFactory = Callable[[AnsweredCall], Awaitable[CallSession]]


def build_server(
    config: ServeConfig,
    *,
    store: Store | None = None,
    stt: SpeechToText | None = None,
    tts: TextToSpeech | None = None,
) -> Server:
    """A server with the configured store, recording archive and engines (loaded once).

    `store`, `stt` and `tts` stand in for what the file names: a campaign passes the store it
    runs on, so its attempts and the calls' recordings land together.
    """
    settings = load_settings(config.database_url, Path(config.home) if config.home else None)
    store = store if store is not None else open_store(settings=settings)
    key = load_or_create_key(settings.key, settings.key_file)
    archive = RecordingArchive(settings.home / "recordings", RecordingCipher(key))
    stt = stt if stt is not None else speech_to_text()
    tts = tts if tts is not None else text_to_speech(config.voice)
    factory = screened_sessions(config, stt, tts)
    return Server(config, session_factory=factory, archive=archive, store=store)


def speech_to_text() -> SpeechToText:
    from fairdial.voice.asr.whisper import WhisperSpeechToText

    return WhisperSpeechToText()


def text_to_speech(voice: VoiceOptions) -> TextToSpeech:
    if voice.tts == "piper":
        from fairdial.voice.tts.piper import PiperTextToSpeech

        return PiperTextToSpeech()
    from fairdial.voice.tts.espeak import EspeakTextToSpeech

    return EspeakTextToSpeech()


def screened_sessions(
    config: ServeConfig, stt: SpeechToText, tts: TextToSpeech
) -> ScreeningFactory:
    """The session factory: screen each answered call for a machine, then open its session.

    With `amd.enabled: false` the carrier's own verdict (if it has one) is all there is.
    """
    amd = AmdSettings(deadline_s=config.amd.deadline_s, message_wait_s=config.amd.message_wait_s)

    async def session_for(call: AnsweredCall) -> CallSession:
        vad = make_vad(config.voice.vad)
        if not config.amd.enabled:
            return VoiceSession(
                call.transport,
                stt,
                tts,
                language=call.language,
                vad=vad,
                answered_by=call.session_answered_by,
                call_ref=call.call_id,
            )
        screened = await open_session(call, stt, tts, amd=amd, vad=vad)
        return screened.session

    return session_for
