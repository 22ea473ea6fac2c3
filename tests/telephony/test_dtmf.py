import asyncio

import numpy as np
import pytest

from fairdial.telephony.dtmf import (
    DigitCollector,
    DigitPrompt,
    TelephoneEvent,
    birth_year_prompt,
    decode_tones,
    detect_key,
    digit_frequencies,
    menu_prompt,
    survey_prompt,
    telephone_events,
    tone_frames,
    tone_pcm,
)
from fairdial.voice.audio.g711 import ulaw_decode


def collect(prompt: DigitPrompt, keys: list[tuple[float, str | None]]):
    async def scenario():
        collector = DigitCollector()

        async def press() -> None:
            for delay, key in keys:
                await asyncio.sleep(delay)
                collector.hang_up() if key is None else collector.push(key)

        presser = asyncio.create_task(press())
        answer = await collector.collect(prompt)
        presser.cancel()
        return answer

    return asyncio.run(scenario())


def test_a_birth_year_ends_after_four_keys() -> None:
    answer = collect(birth_year_prompt(2025), [(0, "1"), (0, "9"), (0, "8"), (0, "4")])
    assert (answer.digits, answer.ended_by, answer.valid) == ("1984", "max_digits", True)


def test_the_pound_key_ends_an_answer_early_and_a_bad_year_is_invalid() -> None:
    answer = collect(birth_year_prompt(2025), [(0, "2"), (0, "0"), (0, "#")])
    assert (answer.digits, answer.ended_by, answer.valid) == ("20", "terminator", False)


def test_the_inter_digit_timeout_ends_an_answer() -> None:
    prompt = DigitPrompt(6, first_digit_timeout_s=1.0, inter_digit_timeout_s=0.05)
    answer = collect(prompt, [(0, "4"), (0, "2"), (0.3, "7")])
    assert (answer.digits, answer.ended_by) == ("42", "timeout")


def test_menu_and_survey_keys() -> None:
    assert collect(menu_prompt("1"), [(0, "1")]).valid
    assert not collect(menu_prompt("1"), [(0, "7")]).valid
    assert collect(survey_prompt(), [(0, "5")]).digits == "5"
    assert not collect(survey_prompt(), [(0, "0")]).valid


def test_a_hang_up_ends_collection_and_no_key_times_out() -> None:
    assert collect(survey_prompt(), [(0, None)]).ended_by == "hung_up"
    silent = DigitPrompt(1, first_digit_timeout_s=0.05)
    answer = collect(silent, [])
    assert (answer.digits, answer.ended_by, answer.valid) == ("", "timeout", False)


def test_keys_pressed_ahead_can_be_discarded() -> None:
    async def scenario():
        collector = DigitCollector()
        collector.push("9")
        collector.discard()
        collector.push("3")
        return await collector.collect(survey_prompt())

    assert asyncio.run(scenario()).digits == "3"


def test_rfc4733_packets_of_one_key() -> None:
    packets = telephone_events("5", duration_ms=160, packet_ms=50)
    assert [p.duration for p in packets] == [400, 800, 1200, 1280, 1280, 1280]
    assert [p.end for p in packets] == [False, False, False, True, True, True]
    assert packets[-1].pack() == bytes([5, 0x80 | 10, 0x05, 0x00])
    assert TelephoneEvent.unpack(bytes([11, 0x8A, 0x03, 0x20])) == TelephoneEvent(11, True, 10, 800)
    assert TelephoneEvent.unpack(telephone_events("#")[0].pack()).digit == "#"
    with pytest.raises(ValueError):
        telephone_events("x")


def test_the_keypad_frequency_pairs() -> None:
    assert digit_frequencies("1") == (697.0, 1209.0)
    assert digit_frequencies("5") == (770.0, 1336.0)
    assert digit_frequencies("0") == (941.0, 1336.0)
    assert digit_frequencies("#") == (941.0, 1477.0)
    assert digit_frequencies("D") == (941.0, 1633.0)


def test_in_band_tones_decode_back_through_mu_law() -> None:
    keys = "0123456789*#ABCD"
    frames = tone_frames(keys)
    assert all(len(frame) == 160 for frame in frames)
    pcm = np.concatenate([ulaw_decode(frame) for frame in frames])
    assert decode_tones(pcm) == keys


def test_speech_like_audio_and_silence_hold_no_keys() -> None:
    t = np.arange(8000) / 8000
    vowel = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 12)) * 3000
    assert decode_tones(vowel.astype(np.int16)) == ""
    assert detect_key(np.zeros(160)) is None
    assert decode_tones(tone_pcm("55", gap_s=0.06)) == "55"
