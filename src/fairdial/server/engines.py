"""The production wiring of `fairdial serve`: store, recordings and the voice engines by name."""

from __future__ import annotations

from pathlib import Path

from fairdial.config import load_settings
from fairdial.server.app import Server
from fairdial.server.config import ServeConfig
from fairdial.store import open_store
from fairdial.store.crypto import load_or_create_key
from fairdial.telephony.base import CallSession
from fairdial.telephony.events import AnsweredCall
from fairdial.telephony.recording import RecordingArchive, RecordingCipher
from fairdial.voice.session import VoiceSession
from fairdial.voice.vad import make_vad


def build_server(config: ServeConfig) -> Server:
    """A server with the configured store, recording archive and engines (loaded once)."""
    settings = load_settings(config.database_url, Path(config.home) if config.home else None)
    store = open_store(settings=settings)
    key = load_or_create_key(settings.key, settings.key_file)
    archive = RecordingArchive(settings.home / "recordings", RecordingCipher(key))

    if config.voice.tts == "piper":
        from fairdial.voice.tts.piper import PiperTextToSpeech

        tts = PiperTextToSpeech()
    else:
        from fairdial.voice.tts.espeak import EspeakTextToSpeech

        tts = EspeakTextToSpeech()
    from fairdial.voice.asr.whisper import WhisperSpeechToText

    stt = WhisperSpeechToText()

    def session_for(call: AnsweredCall) -> CallSession:
        return VoiceSession(
            call.transport,
            stt,
            tts,
            language=call.language,
            vad=make_vad(config.voice.vad),
            answered_by=call.session_answered_by,
            call_ref=call.call_id,
        )

    return Server(config, session_factory=session_for, archive=archive, store=store)
