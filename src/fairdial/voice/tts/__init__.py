"""Text-to-speech engines by name; each engine's libraries load only when it is chosen.

- "piper": Piper neural voices (English with the bundled en_US joe voice).
- "espeak": espeak-ng, Mandarin and English, robotic but everywhere.
- "offline": Piper for English and espeak-ng for Chinese; if no Piper voice is installed,
  English is spoken by espeak-ng and a warning is logged.

Limitations: no Chinese neural voice yet, so Mandarin sounds synthetic. Cloud voices (Azure,
Google, ElevenLabs, Cartesia) and other local engines (sherpa-onnx, CosyVoice) are not supported
yet; naming one is an error.
"""

from __future__ import annotations

import logging
from typing import Any

from fairdial.voice.engines import TextToSpeech
from fairdial.voice.tts.cache import PromptCache

logger = logging.getLogger("fairdial.voice")

AVAILABLE = ("piper", "espeak", "offline")


def make_tts(name: str, **options: Any) -> TextToSpeech:
    """Build the named engine; `options` go to its constructor.

    For "offline", `piper` and `espeak` take dicts of options for each engine, and `cache`
    is shared by both.
    """
    if name == "piper":
        from fairdial.voice.tts.piper import PiperTextToSpeech

        return PiperTextToSpeech(**options)
    if name == "espeak":
        from fairdial.voice.tts.espeak import EspeakTextToSpeech

        return EspeakTextToSpeech(**options)
    if name == "offline":
        return _offline(**options)
    raise ValueError(
        f"text-to-speech engine {name!r} is not supported; available: {', '.join(AVAILABLE)}"
    )


def _offline(
    *,
    piper: dict[str, Any] | None = None,
    espeak: dict[str, Any] | None = None,
    cache: PromptCache | None = None,
) -> TextToSpeech:
    from fairdial.voice.tts.by_language import ByLanguage
    from fairdial.voice.tts.espeak import EspeakTextToSpeech

    shared = cache if cache is not None else PromptCache()
    chinese = EspeakTextToSpeech(cache=shared, **(espeak or {}))
    try:
        from fairdial.voice.tts.piper import PiperTextToSpeech, VoiceNotFoundError

        english: TextToSpeech = PiperTextToSpeech(cache=shared, **(piper or {}))
    except (ImportError, VoiceNotFoundError) as error:
        logger.warning(
            "piper unavailable; english is spoken by espeak-ng", extra={"error": str(error)}
        )
        english = chinese
    if english.sample_rate != chinese.sample_rate:
        raise ValueError(
            f"piper speaks at {english.sample_rate} Hz and espeak-ng at {chinese.sample_rate} Hz; "
            "choose a piper voice at espeak-ng's rate"
        )
    return ByLanguage({"en": english, "zh": chinese})


__all__ = ["AVAILABLE", "PromptCache", "make_tts"]
