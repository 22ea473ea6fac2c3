"""Speech-to-text engines by name; each engine's libraries load only when it is chosen.

Limitations: only Whisper (faster-whisper, offline) is supported. Vosk, sherpa-onnx, FunASR and
the cloud recognisers (Deepgram, Google, Azure, AWS Transcribe) are not supported yet; naming one
is an error, not a silent substitute.
"""

from __future__ import annotations

from typing import Any

from fairdial.voice.engines import SpeechToText

AVAILABLE = ("whisper",)


def make_stt(name: str, **options: Any) -> SpeechToText:
    """Build the named engine; `options` go to its constructor (see `WhisperSpeechToText`)."""
    if name == "whisper":
        from fairdial.voice.asr.whisper import WhisperSpeechToText

        return WhisperSpeechToText(**options)
    raise ValueError(
        f"speech-to-text engine {name!r} is not supported; available: {', '.join(AVAILABLE)}"
    )


__all__ = ["AVAILABLE", "make_stt"]
