"""When has the borrower finished speaking? Silence timeouts read with the words said so far.

A short silence ends a turn; while the borrower reads digits or an amount in groups ("0912 ...
345 ... 678") the bot waits longer, so a pause between groups is not mistaken for the end. Once
a pause has lasted `partial_after_s`, the session transcribes the turn so far; that early
transcript decides what the silence means. A finished sentence ("I can pay on Friday.") ends
the turn as soon as the transcript is known, after `finished_silence_s` at the least; one that
stops on a digit or number word waits the long silence; one that stops on "and", "because" or
a hesitation waits the usual short silence. Without a transcript, mid-number is judged from the
rhythm: short bursts after a question that asked for a number, or several in a row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

_NUMBER_WORDS = (
    "zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    "|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy"
    "|eighty|ninety|hundred|thousand|million|point|dash"
)
# A transcript that stops on a digit, a number word or a separator after one is mid-number.
_MID_NUMBER = re.compile(
    rf"(?:[0-9０-９〇零一二兩两三四五六七八九十百千萬万幺點点]|\b(?:{_NUMBER_WORDS}))"
    r"[\s,.\-、，]*$",
    re.IGNORECASE,
)


# Words after which a sentence goes on, whatever punctuation the recogniser put after them.
_CONTINUES = re.compile(
    r"(?:\b(?:and|but|or|so|because|cause|then|if|to|the|a|my|of|with|um+|uh+|er+|erm|like)"
    r"|然後|然后|可是|但是|因為|因为|所以|就是|那個|那个|如果|而且|還有|还有|嗯|呃|那)"
    r"[\s,.\-、，。…]*$",
    re.IGNORECASE,
)
_FINISHED = re.compile(r"[.?!。？！]\s*$")
_WORD = re.compile(r"[A-Za-z0-9']+")
_HAN = re.compile(r"[\u3400-\u9fff]")  # two characters say about as much as one English word

_EPSILON = 1e-6  # frame times are sums of 0.02 s steps


def looks_mid_number(text: str) -> bool:
    return bool(_MID_NUMBER.search(text.strip()))


def looks_finished(text: str) -> bool:
    """A transcript that ends a sentence of two words or more, not on a number, a conjunction
    or a hesitation. A lone "Yes." or "好。" is as often the start of an answer ("Yes, can you
    call me back tomorrow?") as all of it, so it waits the usual silence."""
    text = text.strip()
    if text.endswith(("...", "…")) or not _FINISHED.search(text):
        return False
    if len(_WORD.findall(text)) + len(_HAN.findall(text)) / 2 < 2:
        return False
    return not (looks_mid_number(text) or _CONTINUES.search(text))


@dataclass(frozen=True)
class TurnTimings:
    """Every turn-taking delay, in seconds; the defaults suit phone calls."""

    short_silence_s: float = 0.6  # after an answer, when its words are not known yet
    finished_silence_s: float = 0.3  # at least this, after words that finish a sentence
    long_silence_s: float = 1.2  # while digits or an amount are read in groups
    number_burst_max_s: float = 1.6  # a group of digits read aloud is a burst at most this long
    min_speech_s: float = 0.06  # anything shorter is a click, not the start of a turn
    max_turn_s: float = 30.0  # a monologue is cut here and answered
    partial_after_s: float = 0.2  # silence before the early transcript is asked for
    # Speech over the bot this long interrupts it; with the VAD's own onset lag (about 85-90 ms
    # for Silero) output stops within 300 ms of the first word while 160 ms coughs and
    # "uh-huh"s pass.
    barge_in_s: float = 0.18
    disclosure_barge_in_s: float = 0.6  # the same during a mandatory disclosure
    preroll_s: float = 0.3  # audio kept from before speech onset, for the recogniser


class TurnState(Enum):
    WAITING = "waiting"  # no speech yet
    SPEAKING = "speaking"
    PAUSED = "paused"  # speech then silence, not long enough to end the turn
    ENDED = "ended"


@dataclass
class Burst:
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


class TurnDetector:
    """Feed one speech/silence decision per frame with its frame time; it says when the turn ends.

    `expect_number` is set when the bot's last question asked for digits or an amount.
    """

    def __init__(
        self, timings: TurnTimings, *, expect_number: bool = False, frame_s: float = 0.02
    ) -> None:
        self.timings = timings
        self.expect_number = expect_number
        self.frame_s = frame_s
        self.bursts: list[Burst] = []
        self.state = TurnState.WAITING
        self._run_start: float | None = None  # start of the current run of speech frames
        self._partial: str | None = None
        self._partial_bursts = 0  # bursts the partial transcript covers

    @property
    def speech_started_at(self) -> float | None:
        return self.bursts[0].start if self.bursts else None

    @property
    def speech_ended_at(self) -> float | None:
        return self.bursts[-1].end if self.bursts else None

    def hint_text(self, partial: str, bursts: int | None = None) -> None:
        """A transcript of the first `bursts` bursts of speech (by default all so far); it
        judges the silence after them, and is ignored once more speech has come."""
        self._partial = partial
        self._partial_bursts = len(self.bursts) if bursts is None else bursts

    def _current_partial(self) -> str | None:
        """The early transcript, while no speech has come since it was asked for."""
        if self._partial is not None and self._partial_bursts == len(self.bursts):
            return self._partial
        return None

    def mid_number(self) -> bool:
        partial = self._current_partial()
        if partial is not None:
            return looks_mid_number(partial)
        if not self.bursts:
            return False
        short = [b.seconds <= self.timings.number_burst_max_s for b in self.bursts]
        if self.expect_number and short[-1]:
            return True
        return len(short) >= 2 and all(short[-2:])

    def silence_needed(self) -> float:
        t = self.timings
        if self.mid_number():
            return t.long_silence_s
        partial = self._current_partial()
        if partial is not None and looks_finished(partial):
            return t.finished_silence_s
        return t.short_silence_s

    def push(self, speech: bool, at: float) -> TurnState:
        """`at` is the frame's start time; a speech frame covers [at, at + frame_s)."""
        if self.state is TurnState.ENDED:
            return self.state
        if speech:
            self._on_speech(at)
        else:
            self._on_silence(at)
        return self.state

    def _on_speech(self, at: float) -> None:
        if self._run_start is None:
            self._run_start = at
        run = at + self.frame_s - self._run_start
        if self.state is not TurnState.SPEAKING and run < self.timings.min_speech_s - _EPSILON:
            return
        if self.state is not TurnState.SPEAKING:
            self.bursts.append(Burst(self._run_start, at + self.frame_s))
        else:
            self.bursts[-1].end = at + self.frame_s
        self.state = TurnState.SPEAKING
        if at + self.frame_s - self.bursts[0].start >= self.timings.max_turn_s - _EPSILON:
            self.state = TurnState.ENDED

    def _on_silence(self, at: float) -> None:
        self._run_start = None
        if self.state is TurnState.WAITING:
            return
        self.state = TurnState.PAUSED
        if at + self.frame_s - self.bursts[-1].end >= self.silence_needed() - _EPSILON:
            self.state = TurnState.ENDED

    def silence_so_far(self, at: float) -> float:
        if not self.bursts or self.state is TurnState.SPEAKING:
            return 0.0
        return at + self.frame_s - self.bursts[-1].end
