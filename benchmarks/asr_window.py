"""Whisper on a turn-sized window against the full 30 s window: speed and word error rate.

The audio is Debian's asterisk-core-sounds-en-wav: a person reading the PBX prompts at 8 kHz,
as a phone line carries them, with the reference text from the package's core-sounds-en.txt.
Each prompt is transcribed twice by the same model: once as `WhisperSpeechToText` does by
default (a window of the turn's length plus a margin, greedy, falling back to the full window
when unsure) and once with the short window off (30 s, beam search, temperature fallback).
Prompts whose reference is not speech ("[beep]") are skipped.

    python benchmarks/asr_window.py --model tiny.en --limit 120
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import re
import statistics
import time
import wave
from pathlib import Path

import numpy as np

from fairdial.voice.asr.whisper import WhisperSpeechToText
from fairdial.voice.audio.pcm import resample

SOUNDS = Path("/usr/share/asterisk/sounds/en")
REFERENCES = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")


def references() -> dict[str, str]:
    """Prompt name -> what the person reads, for every prompt that is speech."""
    texts = {}
    with gzip.open(REFERENCES, "rt", encoding="utf-8") as lines:
        for line in lines:
            name, sep, text = line.partition(":")
            text = text.strip()
            if not sep or name.startswith(";") or not text or text.startswith("["):
                continue
            texts[name.strip()] = text
    return texts


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split()


def word_errors(reference: list[str], heard: list[str]) -> int:
    """Levenshtein distance in words."""
    previous = list(range(len(heard) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(heard, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def load(name: str) -> np.ndarray | None:
    path = SOUNDS / f"{name}.wav"
    if not path.is_file():
        return None
    with wave.open(str(path)) as recording:
        pcm = np.frombuffer(recording.readframes(recording.getnframes()), dtype="<i2")
        return resample(pcm.astype(np.int16), recording.getframerate(), 16000)


async def measure(engine: WhisperSpeechToText, clips: list[tuple[str, np.ndarray]]) -> dict:
    times, errors, total = [], 0, 0
    texts = references()
    for name, pcm in clips:
        started = time.perf_counter()
        heard = await engine.transcribe(pcm, "en-US")
        times.append(time.perf_counter() - started)
        reference = words(texts[name])
        errors += word_errors(reference, words(heard.text))
        total += len(reference)
    return {
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": sorted(times)[int(0.95 * (len(times) - 1))] * 1000,
        "wer": errors / total,
        "words": total,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--limit", type=int, default=120, help="prompts to transcribe")
    parser.add_argument("--max-seconds", type=float, default=12.0, help="skip longer prompts")
    args = parser.parse_args()

    if not REFERENCES.is_file():
        raise SystemExit("asterisk-core-sounds-en-wav is not installed (apt-get install it)")
    clips = []
    for name in sorted(references()):
        pcm = load(name)
        if pcm is not None and 0.3 < len(pcm) / 16000 <= args.max_seconds:
            clips.append((name, pcm))
        if len(clips) == args.limit:
            break
    seconds = [len(pcm) / 16000 for _, pcm in clips]
    print(
        f"{len(clips)} recorded prompts, {statistics.median(seconds):.1f} s median "
        f"({min(seconds):.1f}-{max(seconds):.1f} s); model {args.model}"
    )

    short = WhisperSpeechToText(args.model)
    full = WhisperSpeechToText(args.model, window_margin_s=0)
    results = {
        "turn window": await measure(short, clips),
        "30 s window": await measure(full, clips),
    }
    for label, r in results.items():
        print(
            f"  {label:12} median {r['median_ms']:6.0f} ms  p95 {r['p95_ms']:6.0f} ms  "
            f"WER {r['wer']:.3f} over {r['words']} words"
        )
    print(f"  fell back to the full window: {short.fallbacks} of {len(clips)}")
    ratio = results["turn window"]["median_ms"] / results["30 s window"]["median_ms"]
    print(f"  median time ratio turn/full: {ratio:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
