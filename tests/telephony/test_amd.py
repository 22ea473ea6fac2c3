import asyncio
import json
import wave
from pathlib import Path

import numpy as np
import pytest

from fairdial.telephony.amd import (
    AmdLabel,
    AmdSettings,
    GreetingAnalyzer,
    detect,
    machine_phrase,
    screen,
)
from fairdial.telephony.events import AnsweredBy, AnsweredCall
from fairdial.voice.audio.g711 import ulaw_encode

DATA = Path(__file__).parent / "data" / "amd"
LABELS = json.loads((DATA / "labels.json").read_text())


def clip(name: str) -> np.ndarray:
    with wave.open(str(DATA / f"{name}.wav")) as wav:
        assert (wav.getframerate(), wav.getnchannels()) == (8000, 1)
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")


class ClipLine:
    """A transport that plays a clip as 20 ms mu-law frames, then hangs up (or goes quiet)."""

    def __init__(self, pcm: np.ndarray, then_silent: bool = False) -> None:
        encoded = ulaw_encode(pcm[: len(pcm) - len(pcm) % 160])
        self.frames = [encoded[i : i + 160] for i in range(0, len(encoded), 160)]
        self.read = 0
        self.then_silent = then_silent
        self.closed = False

    async def receive(self) -> bytes | None:
        if self.read < len(self.frames):
            self.read += 1
            await asyncio.sleep(0)
            return self.frames[self.read - 1]
        if self.then_silent:
            await asyncio.sleep(3600)
        return None

    async def send(self, frame: bytes) -> None: ...

    async def clear(self) -> None: ...

    async def close(self) -> None:
        self.closed = True


def test_the_data_set_has_twenty_labelled_greetings_of_both_kinds() -> None:
    assert len(LABELS) >= 20
    kinds = {info["label"] for info in LABELS.values()}
    languages = {info["language"][:2] for info in LABELS.values()}
    assert kinds == {"human", "machine"} and languages == {"en", "zh"}
    assert any(info["beep"] for info in LABELS.values())


def test_accuracy_on_the_data_set() -> None:
    async def judge(name: str):
        return await detect(ClipLine(clip(name)))

    outcomes = {name: asyncio.run(judge(name)) for name in LABELS}
    correct = [
        name
        for name, outcome in outcomes.items()
        if (outcome.decision.label is AmdLabel.MACHINE) == (LABELS[name]["label"] == "machine")
    ]
    assert len(correct) / len(LABELS) >= 0.9, sorted(set(LABELS) - set(correct))
    for name, outcome in outcomes.items():
        assert outcome.decision.at_s <= 3.5, name  # never silent past the deadline
        if LABELS[name]["label"] == "machine" and LABELS[name]["beep"] and name in correct:
            assert outcome.slot is not None and outcome.slot.reason == "beep", name


def test_a_human_is_recognised_soon_after_their_hello() -> None:
    outcome = asyncio.run(detect(ClipLine(clip("human_zh_wei"))))
    assert outcome.decision.label is AmdLabel.HUMAN
    assert outcome.decision.reason == "short_greeting"
    assert outcome.decision.at_s < 2.0
    assert outcome.slot is None


def test_a_machine_without_a_beep_is_ready_once_its_greeting_falls_silent() -> None:
    outcome = asyncio.run(detect(ClipLine(clip("machine_zh_cn_carrier"))))
    assert outcome.decision.label is AmdLabel.MACHINE
    assert outcome.slot is not None and outcome.slot.reason == "silence"
    speech_end = 0.4 + LABELS["machine_zh_cn_carrier"]["speech_s"]
    assert speech_end < outcome.slot.at_s < speech_end + 1.6


def test_the_beep_marks_the_slot_after_it_ends() -> None:
    outcome = asyncio.run(detect(ClipLine(clip("machine_en_short_beep"))))
    beep_end = 0.4 + LABELS["machine_en_short_beep"]["speech_s"] + 0.3 + 0.5
    assert outcome.slot is not None and outcome.slot.reason == "beep"
    assert beep_end <= outcome.slot.at_s <= beep_end + 0.1


def test_dead_air_is_unsure_and_unsure_counts_as_human() -> None:
    outcome = asyncio.run(detect(ClipLine(np.zeros(8000 * 5, dtype=np.int16))))
    assert (outcome.decision.label, outcome.decision.reason) == (AmdLabel.UNSURE, "silence")
    assert outcome.decision.answered_by is AnsweredBy.UNKNOWN


def test_continuous_talk_just_under_the_machine_length_hits_the_deadline() -> None:
    settings = AmdSettings(machine_min_speech_s=10.0, deadline_s=3.0)
    t = np.arange(8000 * 5) / 8000
    babble = (np.sin(2 * np.pi * 180 * t) * np.sin(2 * np.pi * 3 * t) ** 2 * 8000).astype(np.int16)
    analyzer = GreetingAnalyzer(settings)
    decision = None
    for start in range(0, len(babble), 160):
        decision = analyzer.push(babble[start : start + 160])
        if decision:
            break
    assert decision is not None
    assert (decision.label, decision.reason, decision.at_s) == (AmdLabel.UNSURE, "deadline", 3.0)


def test_a_line_that_stops_sending_ends_detection_by_the_wall_clock() -> None:
    settings = AmdSettings(deadline_s=0.2, initial_silence_s=5.0)
    line = ClipLine(np.zeros(160 * 3, dtype=np.int16), then_silent=True)
    outcome = asyncio.run(asyncio.wait_for(detect(line, settings), 30))  # the line waits an hour
    assert (outcome.decision.label, outcome.decision.reason) == (AmdLabel.UNSURE, "deadline")


def test_a_hang_up_during_the_greeting() -> None:
    outcome = asyncio.run(detect(ClipLine(clip("human_en_hello")[:2000])))
    assert outcome.hung_up and outcome.decision.reason == "hung_up"


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Please leave a message after the tone", "leave a message"),
        ("You've reached my voicemail", "voicemail"),
        ("您好，這裡是語音信箱", "語音信箱"),
        ("請在嗶聲後留言", "嗶聲後"),
        ("Hello? Who is this?", None),
        ("喂？", None),
    ],
)
def test_machine_phrases(text: str, phrase: str | None) -> None:
    assert machine_phrase(text) == phrase
    analyzer = GreetingAnalyzer()
    decision = analyzer.hint_text(text)
    assert (decision is not None and decision.reason == "phrase") == (phrase is not None)


def test_screening_sets_who_answered_on_the_call() -> None:
    async def scenario():
        async def hang_up() -> None: ...

        line = ClipLine(clip("machine_zh_tw_short"))
        call = AnsweredCall("CA1", "ACC-1#1", "zh-TW", line, AnsweredBy.UNKNOWN, hang_up)
        return await screen(call)

    screened, outcome = asyncio.run(scenario())
    assert screened.answered_by is AnsweredBy.MACHINE
    assert screened.session_answered_by == "machine"
    assert outcome.slot is not None and outcome.slot.reason == "beep"
