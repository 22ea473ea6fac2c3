"""Render the answering-machine detection test set: greetings and openings as 8 kHz WAV.

Run from the repository root: `python tests/telephony/data/amd/generate.py`. Each clip starts
with the short silence between the answer and the first word, and ends with the silence a
human leaves while waiting (or a machine's beep). `labels.json` holds the expected answers.
"""

from __future__ import annotations

import asyncio
import json
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fairdial.voice.audio.pcm import PHONE_RATE, resample
from fairdial.voice.tts.espeak import EspeakTextToSpeech
from fairdial.voice.tts.piper import PiperTextToSpeech

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Clip:
    name: str
    label: str  # "human" or "machine"
    language: str
    text: str
    engine: str  # "espeak" or "piper"
    lead_s: float = 0.4
    tail_s: float = 3.0
    beep_hz: float | None = None
    repeat_after_s: float | None = None  # a human who says "hello?" again after waiting


CLIPS = [
    Clip("human_en_hello", "human", "en-US", "Hello?", "piper"),
    Clip("human_en_hello_espeak", "human", "en-US", "Hello?", "espeak", lead_s=0.7),
    Clip("human_en_who", "human", "en-US", "Who is this?", "piper"),
    Clip("human_en_yes", "human", "en-US", "Yes?", "espeak", lead_s=0.3),
    Clip("human_en_speaking", "human", "en-US", "Hello, John speaking.", "piper"),
    Clip("human_en_hello_twice", "human", "en-US", "Hello?", "piper", repeat_after_s=1.6),
    Clip("human_zh_wei", "human", "zh-TW", "喂？", "espeak"),
    Clip("human_zh_wei_ni_hao", "human", "zh-TW", "喂，你好。", "espeak", lead_s=0.6),
    Clip("human_zh_shei", "human", "zh-CN", "哪位？", "espeak"),
    Clip("human_zh_wei_twice", "human", "zh-TW", "喂？", "espeak", repeat_after_s=1.8),
    Clip(
        "machine_en_short_beep",
        "machine",
        "en-US",
        "You have reached Anna. Leave a message.",
        "piper",
        beep_hz=1000.0,
        tail_s=1.5,
    ),
    Clip(
        "machine_en_carrier",
        "machine",
        "en-US",
        "The person you are calling is not available. At the tone, please record your "
        "message. When you have finished recording, you may hang up.",
        "espeak",
        beep_hz=1400.0,
        tail_s=1.5,
    ),
    Clip(
        "machine_en_personal",
        "machine",
        "en-US",
        "Hi, you've reached Mike and Laura. We can't come to the phone right now, so please "
        "leave your name and number and we'll call you back.",
        "piper",
        beep_hz=850.0,
        tail_s=1.5,
    ),
    Clip(
        "machine_en_business",
        "machine",
        "en-US",
        "Thank you for calling Northside Dental. Our office is currently closed. Our hours are "
        "Monday to Friday, nine to five. Please leave a message after the tone.",
        "piper",
        beep_hz=1000.0,
        tail_s=1.5,
    ),
    Clip(
        "machine_en_no_beep",
        "machine",
        "en-US",
        "Hello, this is Sam's phone. I'm not able to answer right now. Please leave a voicemail.",
        "espeak",
        tail_s=3.0,
    ),
    Clip(
        "machine_en_long_no_beep",
        "machine",
        "en-US",
        "You have reached the voicemail box of extension four two seven. The subscriber is "
        "not available. Please leave a message, or press zero for the operator.",
        "piper",
        tail_s=3.0,
    ),
    Clip(
        "machine_zh_tw_carrier",
        "machine",
        "zh-TW",
        "您撥的電話無人接聽，請在嗶聲後留言。",
        "espeak",
        beep_hz=1000.0,
        tail_s=1.5,
    ),
    Clip(
        "machine_zh_tw_voicemail",
        "machine",
        "zh-TW",
        "您好，這裡是語音信箱，我現在不方便接聽，請在嗶聲後留言，我會盡快回電，謝謝。",
        "espeak",
        beep_hz=1200.0,
        tail_s=1.5,
    ),
    Clip(
        "machine_zh_cn_carrier",
        "machine",
        "zh-CN",
        "您好，您拨打的用户暂时无法接通，请在提示音后留言。",
        "espeak",
        tail_s=3.0,
    ),
    Clip(
        "machine_zh_tw_business",
        "machine",
        "zh-TW",
        "感謝您來電，現在是非營業時間，我們的營業時間是週一至週五，上午九點到下午六點，"
        "請在嗶聲後留下您的姓名與電話。",
        "espeak",
        beep_hz=950.0,
        tail_s=1.5,
    ),
    Clip(
        "machine_zh_tw_short",
        "machine",
        "zh-TW",
        "我是小美，現在不方便接電話，請留言。",
        "espeak",
        beep_hz=1000.0,
        tail_s=1.5,
    ),
    Clip(
        "machine_en_very_short",
        "machine",
        "en-US",
        "Leave a message.",
        "espeak",
        beep_hz=1000.0,
        tail_s=1.5,
    ),
]


def tone(hz: float, seconds: float, level: float = 9000.0) -> np.ndarray:
    t = np.arange(int(seconds * PHONE_RATE)) / PHONE_RATE
    return (np.sin(2 * np.pi * hz * t) * level).astype(np.int16)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * PHONE_RATE), dtype=np.int16)


async def speech(clip: Clip, engines: dict[str, object]) -> np.ndarray:
    engine = engines[clip.engine]
    chunks = [chunk async for chunk in engine.synthesize(clip.text, clip.language)]  # type: ignore[attr-defined]
    audio = np.concatenate(chunks)
    return resample(audio, engine.sample_rate, PHONE_RATE)  # type: ignore[attr-defined]


def write_wav(path: Path, pcm: np.ndarray) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(PHONE_RATE)
        out.writeframes(pcm.astype("<i2").tobytes())


async def main() -> None:
    engines = {"espeak": EspeakTextToSpeech(), "piper": PiperTextToSpeech()}
    rng = np.random.default_rng(6)
    labels = {}
    for clip in CLIPS:
        spoken = await speech(clip, engines)
        parts = [silence(clip.lead_s), spoken]
        if clip.repeat_after_s is not None:
            parts += [silence(clip.repeat_after_s), spoken]
        if clip.beep_hz is not None:
            parts += [silence(0.3), tone(clip.beep_hz, 0.5)]
        parts.append(silence(clip.tail_s))
        audio = np.concatenate(parts).astype(np.float64)
        # A line is never digitally silent: a faint hiss, about -62 dBFS.
        audio += rng.normal(0.0, 25.0, len(audio))
        pcm = np.clip(audio, -32768, 32767).astype(np.int16)
        write_wav(HERE / f"{clip.name}.wav", pcm)
        labels[clip.name] = {
            "label": clip.label,
            "language": clip.language,
            "beep": clip.beep_hz is not None,
            "speech_s": round(len(spoken) / PHONE_RATE, 2),
            "text": clip.text,
        }
    (HERE / "labels.json").write_text(json.dumps(labels, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
