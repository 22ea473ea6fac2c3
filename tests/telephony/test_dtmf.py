import asyncio

import numpy as np
import pytest

from fairdial.telephony.dtmf import (
    MAX_SEGMENT_DURATION,
    RFC4733_EVENTS,
    DigitCollector,
    DigitPrompt,
    KeyPresses,
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


# RFC 4733 packets as a receiver sees them: (RTP timestamp, payload). A sender repeats a press's
# timestamp in every packet, grows the duration by one packet (20 ms, 160 units) each time, and
# sends the end packet three times.
Packet = tuple[int, TelephoneEvent]
STEP = 160


def segment(key: str, timestamp: int, duration: int, *, end: bool = True) -> list[Packet]:
    """One segment of a press lasting `duration` units, its end packet sent three times."""
    event = RFC4733_EVENTS[key]
    updates = [
        (timestamp, TelephoneEvent(event, False, 10, d)) for d in range(STEP, duration, STEP)
    ]
    last = TelephoneEvent(event, end, 10, duration)
    return updates + [(timestamp, last)] * (3 if end else 1)


def long_press(key: str, timestamp: int, duration: int) -> list[Packet]:
    """A press longer than the duration field holds, sent in segments as RFC 4733 2.5.1.3 asks."""
    packets: list[Packet] = []
    while duration > MAX_SEGMENT_DURATION:
        packets += segment(key, timestamp, MAX_SEGMENT_DURATION, end=False)
        timestamp = (timestamp + MAX_SEGMENT_DURATION) % (1 << 32)
        duration -= MAX_SEGMENT_DURATION
    return packets + segment(key, timestamp, duration)


def keys_of(packets: list[Packet]) -> str:
    presses = KeyPresses()
    return "".join(key for ts, packet in packets if (key := presses.feed(ts, packet)))


def test_a_press_counts_once_whatever_its_packets() -> None:
    assert keys_of(segment("5", 8000, 800)) == "5"
    # The end packet alone, all updates lost.
    assert keys_of(segment("5", 8000, 800)[-1:]) == "5"
    # Every end packet lost.
    assert keys_of(segment("5", 8000, 800)[:-3]) == "5"


def test_two_presses_of_one_key_count_twice_even_without_end_packets() -> None:
    first, second = segment("7", 8000, 800), segment("7", 8000 + 800 + 640, 960)
    assert keys_of(first + second) == "77"
    assert keys_of(first[:-3] + second) == "77"
    assert keys_of(segment("1", 8000, 800) + segment("2", 10_000, 800)) == "12"


def test_a_key_held_past_the_duration_field_counts_once() -> None:
    held = 12 * 8000  # twelve seconds
    assert len({ts for ts, _ in long_press("0", 8000, held)}) == 2  # two segments
    assert keys_of(long_press("0", 8000, held)) == "0"
    assert keys_of(long_press("0", 8000, 20 * 8000)) == "0"  # three segments
    # ...and pressed again afterwards, it counts again.
    again = segment("0", 8000 + held + 800, 800)
    assert keys_of(long_press("0", 8000, held) + again) == "00"


def test_a_long_press_counts_once_when_its_segment_boundary_is_blurred() -> None:
    first, rest = segment("9", 4000, MAX_SEGMENT_DURATION, end=False), segment("9", 0, 800)
    # The segment's last packet (duration 0xFFFF) is lost: the previous one reached 65440.
    assert keys_of(first[:-1] + [(4000 + MAX_SEGMENT_DURATION, p) for _, p in rest]) == "9"
    # A sender that ends each segment a packet short of 0xFFFF, on its 20 ms grid.
    assert keys_of(first[:-1] + [(4000 + 65440, p) for _, p in rest]) == "9"
    # The RTP timestamp wraps around 2**32 between the segments.
    start = (1 << 32) - 1000
    assert keys_of(long_press("9", start, 10 * 8000)) == "9"


def test_a_duration_field_that_wraps_within_one_segment_counts_once() -> None:
    event = RFC4733_EVENTS["4"]
    durations = [*range(STEP, 0x10000, STEP), *range(96, 8000, STEP)]  # past 0xFFFF, then 96
    packets = [(8000, TelephoneEvent(event, False, 10, d % 0x10000)) for d in durations]
    assert keys_of(packets + [(8000, TelephoneEvent(event, True, 10, 8000))] * 3) == "4"


def test_a_late_packet_of_an_earlier_press_counts_nothing() -> None:
    one, two = segment("1", 8000, 800), segment("2", 10_000, 800)
    assert keys_of(one + two[:2] + one[-1:] + two[2:]) == "12"


def test_a_short_press_then_the_same_key_8_19_s_later_counts_twice() -> None:
    # The first press ended well short of the field's limit, so the second is not its sequel.
    first = segment("3", 8000, 800)
    assert keys_of(first + segment("3", 8000 + MAX_SEGMENT_DURATION, 800)) == "33"


def test_events_that_are_no_keys_are_ignored() -> None:
    flash = TelephoneEvent(16, True, 10, 800)
    assert keys_of([(8000, flash), (9000, TelephoneEvent(200, False, 10, 160))]) == ""


def test_sip_audio_counts_a_long_press_from_pjsua2_milliseconds() -> None:
    pytest.importorskip("pjsua2")
    from fairdial.telephony.sip.media import SipAudio

    async def scenario() -> str:
        async def hang_up() -> None: ...

        audio = SipAudio("call-1", asyncio.get_running_loop(), hang_up)
        # PJSUA2 reports timestamp and duration in whole milliseconds: 0xFFFF units is 8191 ms.
        for duration_ms in range(20, 8191, 20):
            audio.telephone_event_heard(1000, "8", duration_ms, False)
        for duration_ms in range(20, 3000, 20):
            audio.telephone_event_heard(1000 + 8191, "8", duration_ms, False)
        audio.telephone_event_heard(1000 + 8191, "8", 3000, True)
        audio.telephone_event_heard(20_000, "8", 20, False)  # pressed again
        audio.telephone_event_heard(20_000, "8", 100, True)
        await asyncio.sleep(0)
        return audio.digits

    assert asyncio.run(scenario()) == "88"


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
