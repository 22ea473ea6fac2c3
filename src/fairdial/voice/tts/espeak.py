"""espeak-ng formant speech as a subprocess: offline Mandarin, and English when Piper is absent.

Its voice is robotic but small, fast and in every Debian; the Mandarin voice reads Traditional
and Simplified characters alike, so text is passed in the script it was written in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import struct
import subprocess
from collections.abc import Mapping

import numpy as np

from fairdial.voice.tts.cache import PromptCache
from fairdial.voice.tts.sentences import SentenceTextToSpeech

logger = logging.getLogger("fairdial.voice")

# espeak-ng 1.51 (Debian 12) has a bug in its `cmn` voice: it turns characters into pinyin and then
# reads the pinyin with English rules ("你好" comes out as "ni three hao three"). The
# `cmn-latn-pinyin` voice reads that same pinyin as Mandarin, so it is the default.
DEFAULT_VOICES = {"en": "en-us", "zh": "cmn-latn-pinyin"}


class EspeakError(RuntimeError):
    """espeak-ng is missing, does not know the voice, or failed on a sentence."""


def parse_wav(data: bytes) -> tuple[int, np.ndarray]:
    """Sample rate and int16 samples of a mono 16-bit PCM WAV.

    espeak-ng writing to a pipe cannot seek back to fill in the sizes, so its RIFF and data
    sizes are placeholders: the data chunk is taken to run to the end of the bytes.
    """
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise EspeakError("espeak-ng did not write a WAV stream")
    position, rate = 12, 0
    while position + 8 <= len(data):
        chunk, size = data[position : position + 4], struct.unpack_from("<I", data, position + 4)[0]
        body = position + 8
        if chunk == b"fmt ":
            audio_format, channels, rate = struct.unpack_from("<HHI", data, body)
            bits = struct.unpack_from("<H", data, body + 14)[0]
            if (audio_format, channels, bits) != (1, 1, 16):
                raise EspeakError("espeak-ng wrote audio that is not 16-bit mono PCM")
        elif chunk == b"data":
            samples = data[body : min(len(data), body + size)]
            samples = samples[: len(samples) - len(samples) % 2]
            return rate, np.frombuffer(samples, dtype="<i2").astype(np.int16)
        position = body + size + size % 2
    raise EspeakError("espeak-ng wrote a WAV stream without audio data")


class EspeakTextToSpeech(SentenceTextToSpeech):
    """espeak-ng with one voice per language.

    Args:
        voices: language (a tag like "zh-TW", or its first part like "zh") -> espeak-ng voice;
            defaults to `DEFAULT_VOICES`.
        words_per_minute: speaking rate; espeak-ng's own default of 175 is fast on a phone line.
        executable: the espeak-ng program.
        cache: a prompt cache to share between engines; each engine has its own otherwise.
        normalize: write numbers out as words before speaking (see `fairdial.voice.normalize`).
    """

    engine = "espeak-ng"

    def __init__(
        self,
        voices: Mapping[str, str] | None = None,
        *,
        words_per_minute: int = 150,
        executable: str = "espeak-ng",
        cache: PromptCache | None = None,
        normalize: bool = True,
    ) -> None:
        super().__init__(cache=cache, normalize=normalize)
        program = shutil.which(executable)
        if program is None:
            raise EspeakError(f"{executable} is not installed (Debian package espeak-ng)")
        self._program = program
        self.voices = dict(voices or DEFAULT_VOICES)
        self.words_per_minute = words_per_minute

        # Each voice is checked and tried once now, so a missing voice fails at start-up, not
        # mid-call: espeak-ng itself quietly speaks an unknown voice with its default one.
        known = self._known_voices()
        unknown = sorted(v for v in self.voices.values() if v.split("+")[0].lower() not in known)
        if unknown:
            raise EspeakError(f"espeak-ng has no voice {', '.join(unknown)}")
        rates = {self._probe(voice) for voice in set(self.voices.values())}
        if len(rates) != 1:
            raise EspeakError(f"espeak-ng voices {sorted(self.voices.values())} differ in rate")
        self.sample_rate = rates.pop()

    def voice_for(self, language: str) -> str:
        voice = self.voices.get(language) or self.voices.get(language.split("-")[0].lower())
        if voice is None:
            raise ValueError(
                f"espeak-ng has no voice configured for {language}; configured: "
                + ", ".join(sorted(self.voices))
            )
        return voice

    def _command(self, voice: str) -> list[str]:
        # Text goes in on stdin as UTF-8 (-b 1), so nothing in it can be read as an option.
        return [self._program, "-v", voice, "-s", str(self.words_per_minute), "-b", "1", "--stdout"]

    def _known_voices(self) -> set[str]:
        """Every name `-v` accepts: language codes, voice names and voice files."""
        listing = subprocess.run(
            [self._program, "--voices"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
        names: set[str] = set()
        for line in listing.splitlines()[1:]:
            columns = line.split()
            if len(columns) >= 5:
                _, language, _, name, file = columns[:5]
                names |= {language.lower(), name.lower(), file.lower(), file.lower().split("/")[-1]}
        return names

    def _probe(self, voice: str) -> int:
        done = subprocess.run(
            self._command(voice), input=b"a", capture_output=True, timeout=10, check=False
        )
        if done.returncode != 0 or not done.stdout:
            message = done.stderr.decode(errors="replace").strip()
            raise EspeakError(f"espeak-ng voice {voice!r} is not usable: {message}")
        return parse_wav(done.stdout)[0]

    async def render(self, sentence: str, voice: str) -> np.ndarray:
        process = await asyncio.create_subprocess_exec(
            *self._command(voice),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await process.communicate(sentence.encode())
        finally:
            if process.returncode is None:
                # Cancelled mid-sentence (the borrower spoke): no orphan keeps writing audio.
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if process.returncode != 0:
            raise EspeakError(f"espeak-ng failed: {err.decode(errors='replace').strip()}")
        return parse_wav(out)[1]
