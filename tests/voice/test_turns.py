import pytest

from fairdial.voice.turns import (
    TurnDetector,
    TurnState,
    TurnTimings,
    looks_finished,
    looks_mid_number,
)

FRAME = 0.02


def feed(detector: TurnDetector, pattern: list[tuple[bool, float]]) -> float | None:
    """Feed (speech, seconds) segments frame by frame; the frame time the turn ended, if it did."""
    at = 0.0
    for speech, seconds in pattern:
        for _ in range(round(seconds / FRAME)):
            if detector.push(speech, at) is TurnState.ENDED:
                return at + FRAME
            at += FRAME
    return None


DIGITS_IN_GROUPS = [(True, 1.0), (False, 0.8), (True, 0.8), (False, 0.8), (True, 1.0)]


def test_digits_read_in_groups_after_a_number_question_are_not_cut():
    detector = TurnDetector(TurnTimings(), expect_number=True)
    ended = feed(detector, [*DIGITS_IN_GROUPS, (False, 2.0)])
    assert len(detector.bursts) == 3
    assert ended is not None and abs(ended - (4.4 + 1.2)) < 1e-6


def test_a_partial_transcript_ending_in_digits_holds_the_turn_open():
    detector = TurnDetector(TurnTimings())
    assert feed(detector, [(True, 1.0), (False, 0.3)]) is None
    detector.hint_text("my card number is 4921")
    assert feed(detector, [(False, 0.5)]) is None  # 0.8 s of silence: still waiting
    assert detector.silence_needed() == 1.2


def test_a_finished_sentence_is_answered_after_the_short_silence():
    detector = TurnDetector(TurnTimings())
    ended = feed(detector, [(True, 2.4), (False, 2.0)])
    assert ended is not None and abs(ended - (2.4 + 0.6)) < 1e-6


def test_rhythm_of_short_bursts_without_a_transcript_means_digits():
    detector = TurnDetector(TurnTimings())
    # The first pause ends a turn at 0.6 s unless told otherwise; the rhythm needs two bursts.
    assert feed(detector, [(True, 0.9), (False, 0.5), (True, 0.9), (False, 0.8)]) is None
    assert detector.mid_number()


def test_timings_are_configurable():
    detector = TurnDetector(TurnTimings(short_silence_s=0.5))
    assert feed(detector, [(True, 2.0), (False, 1.0)]) == pytest.approx(2.5)


def test_clicks_do_not_open_a_turn():
    detector = TurnDetector(TurnTimings())
    feed(detector, [(True, 0.04), (False, 1.0)])
    assert detector.state is TurnState.WAITING


def test_mid_number_words():
    assert looks_mid_number("零九一二")
    assert looks_mid_number("it's nineteen eighty,")
    assert looks_mid_number("0912 345")
    assert not looks_mid_number("I'll pay on the 20th")
    assert not looks_mid_number("好，我明天還")


def silence_after(detector: TurnDetector, speech_s: float, hint: str, hint_at_s: float) -> float:
    """Speak, pause `hint_at_s`, hand the detector `hint`; the silence at which the turn ended."""
    at = 0.0
    for _ in range(round(speech_s / FRAME)):
        detector.push(True, at)
        at += FRAME
    while True:
        if abs(at - speech_s - hint_at_s) < 1e-6:
            detector.hint_text(hint)
        if detector.push(False, at) is TurnState.ENDED:
            return round(at + FRAME - speech_s, 6)
        at += FRAME


@pytest.mark.parametrize(
    ("hint", "silence"),
    [
        ("I can pay on Friday.", 0.36),  # known at 0.36 s, past the 0.3 s floor: ends then
        ("Who is this?", 0.36),
        ("我下週五可以還。", 0.36),
        ("I can pay on Friday and", 0.6),  # goes on: the usual short silence
        ("Well, because, um.", 0.6),
        ("我可以還，然後。", 0.6),
        ("My number is 0912.", 1.2),  # mid-number: the long silence
    ],
)
def test_the_early_transcript_decides_what_a_pause_means(hint: str, silence: float) -> None:
    assert silence_after(TurnDetector(TurnTimings()), 1.4, hint, hint_at_s=0.34) == silence


def test_a_transcript_of_earlier_speech_does_not_end_the_turn_early():
    detector = TurnDetector(TurnTimings())
    feed(detector, [(True, 1.0), (False, 0.3)])
    detector.hint_text("I can pay.", bursts=0)  # asked for before any speech: covers none
    assert detector.silence_needed() == 0.6


@pytest.mark.parametrize(
    ("text", "finished"),
    [
        ("I can pay on Friday.", True),
        ("好的，我明天還。", True),
        ("I can pay", False),
        ("Let me think...", False),
        ("I'll pay two thousand.", False),  # an amount may go on ("...and five hundred")
        ("Yes.", False),  # often the start: "Yes, can you call me back tomorrow?"
        ("好的。", False),
        ("Yes, speaking.", True),
        ("我明天還。", True),
    ],
)
def test_what_reads_as_a_finished_sentence(text: str, finished: bool) -> None:
    assert looks_finished(text) is finished


def test_a_finished_sentence_known_early_still_waits_the_floor():
    detector = TurnDetector(TurnTimings())
    assert silence_after(detector, 1.4, "I can pay on Friday.", hint_at_s=0.1) == 0.3
