"""Keypad digits (DTMF): collecting what the borrower presses, and sending digits ourselves.

In: carriers report each key as an event (Twilio's `dtmf` message, AudioSocket type 0x03, a run
of RFC 4733 packets on SIP, which `KeyPresses` folds into one press each); `DigitCollector`
turns those into an answer with an inter-digit timeout and `#` as terminator. Out: on SIP,
RFC 4733 telephone-event payloads; on Twilio, in-band tones, because a bidirectional Media
Stream accepts only `media`, `mark` and `clear` from us, and redirecting the call to
`<Play digits>` TwiML would end the stream itself. `decode_tones` reads digits back out of
audio with the Goertzel algorithm.
"""

from __future__ import annotations

import asyncio
import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from fairdial.voice.audio.g711 import ulaw_encode
from fairdial.voice.audio.pcm import PHONE_RATE

DIGITS = "123A456B789C*0#D"
LOW_HZ = (697.0, 770.0, 852.0, 941.0)  # the keypad's rows (ITU-T Q.23)
HIGH_HZ = (1209.0, 1336.0, 1477.0, 1633.0)  # and its columns
TERMINATOR = "#"
FRAME_SAMPLES = 160


def digit_frequencies(digit: str) -> tuple[float, float]:
    """The row and column frequencies of one key."""
    index = DIGITS.find(digit.upper())
    if index < 0 or len(digit) != 1:
        raise ValueError(f"{digit!r} is not a DTMF key")
    return LOW_HZ[index // 4], HIGH_HZ[index % 4]


# -- collecting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigitPrompt:
    """What answer is expected: how many keys, how long to wait, and what is valid."""

    max_digits: int
    first_digit_timeout_s: float = 8.0
    inter_digit_timeout_s: float = 3.0
    terminator: str = TERMINATOR
    valid: Callable[[str], bool] | None = None


@dataclass(frozen=True)
class DigitAnswer:
    digits: str
    ended_by: str  # "terminator", "max_digits", "timeout", "hung_up"
    valid: bool


def birth_year_prompt(this_year: int) -> DigitPrompt:
    """An identity factor: the borrower's year of birth, four keys."""
    return DigitPrompt(4, valid=lambda d: len(d) == 4 and 1900 <= int(d) <= this_year - 16)


def menu_prompt(choices: str) -> DigitPrompt:
    """One key out of `choices`, e.g. "12" for "press 1 to speak to an agent, 2 to..."."""
    return DigitPrompt(1, valid=lambda d: len(d) == 1 and d in choices)


def survey_prompt() -> DigitPrompt:
    """A score from 1 to 5."""
    return menu_prompt("12345")


class DigitCollector:
    """Keys pressed on one call, in order; feed it from the transport's DTMF events."""

    def __init__(self) -> None:
        self._keys: asyncio.Queue[str | None] = asyncio.Queue()

    def push(self, digit: str) -> None:
        if digit and digit.upper() in DIGITS:
            self._keys.put_nowait(digit.upper())

    def hang_up(self) -> None:
        self._keys.put_nowait(None)

    def discard(self) -> None:
        """Forget keys pressed before the prompt (typed ahead during a sentence)."""
        while not self._keys.empty():
            if self._keys.get_nowait() is None:
                self._keys.put_nowait(None)
                return

    async def collect(self, prompt: DigitPrompt) -> DigitAnswer:
        digits = ""
        timeout = prompt.first_digit_timeout_s
        ended_by = "timeout"
        while True:
            try:
                key = await asyncio.wait_for(self._keys.get(), timeout)
            except TimeoutError:
                break
            if key is None:
                ended_by = "hung_up"
                self._keys.put_nowait(None)  # later prompts see the hang-up too
                break
            if key == prompt.terminator:
                ended_by = "terminator"
                break
            digits += key
            if len(digits) >= prompt.max_digits:
                ended_by = "max_digits"
                break
            timeout = prompt.inter_digit_timeout_s
        valid = bool(digits) and (prompt.valid is None or prompt.valid(digits))
        return DigitAnswer(digits, ended_by, valid)


# -- sending on SIP: RFC 4733 telephone events ----------------------------------------------------

RFC4733_EVENTS = {**{str(n): n for n in range(10)}, "*": 10, "#": 11, "A": 12, "B": 13, "C": 14}
RFC4733_EVENTS["D"] = 15
_KEY_OF_EVENT = {event: key for key, event in RFC4733_EVENTS.items()}


@dataclass(frozen=True)
class TelephoneEvent:
    """One RFC 4733 payload (section 2.3): event, end bit, volume (-dBm0) and duration."""

    event: int
    end: bool
    volume: int
    duration: int  # in RTP timestamp units (samples at 8 kHz)

    def pack(self) -> bytes:
        flags = (0x80 if self.end else 0) | (self.volume & 0x3F)
        return struct.pack("!BBH", self.event, flags, self.duration)

    @classmethod
    def unpack(cls, payload: bytes) -> TelephoneEvent:
        event, flags, duration = struct.unpack("!BBH", payload[:4])
        return cls(event, bool(flags & 0x80), flags & 0x3F, duration)

    @property
    def digit(self) -> str:
        return _KEY_OF_EVENT[self.event]


def telephone_events(
    digit: str, duration_ms: int = 160, packet_ms: int = 50, volume: int = 10
) -> list[TelephoneEvent]:
    """The packets of one key press, all sharing the press's RTP timestamp.

    The duration grows with each packet; the final packet is sent three times (RFC 4733
    section 2.5.1.4) because it carries the end bit and has no retransmission of its own.
    """
    event = RFC4733_EVENTS.get(digit.upper())
    if event is None:
        raise ValueError(f"{digit!r} is not a DTMF key")
    step = packet_ms * PHONE_RATE // 1000
    total = duration_ms * PHONE_RATE // 1000
    packets = [
        TelephoneEvent(event, False, volume, elapsed) for elapsed in range(step, total, step)
    ]
    final = TelephoneEvent(event, True, volume, total)
    return [*packets, final, final, final]


# -- receiving on SIP: one key press out of many RFC 4733 packets -------------------------------

# The duration field holds 16 bits of timestamp units, 8.19 s at 8 kHz. A longer press is sent
# as segments of the same event, each starting where the last one reached that maximum
# (RFC 4733 sections 2.5.1.3 and 2.5.2.3); some senders instead let the field wrap.
MAX_SEGMENT_DURATION = 0xFFFF
RTP_TIMESTAMP_MODULUS = 1 << 32


@dataclass
class _Segment:
    event: int
    timestamp: int
    ended: bool
    longest: int


class KeyPresses:
    """Folds the RFC 4733 packets of one RTP stream into key presses, each counted once.

    A press is known by its event code and RTP timestamp, which its updates, its end packet
    (sent three times) and a wrapped duration field all share; the next segment of a long press
    starts one maximum duration later and continues it. A second press of the same key starts
    at a new timestamp and counts again, even when every end packet of the first was lost.
    `slack` is how far, in timestamp units, a continuing segment may start from that point,
    for senders that stop a segment a packet short and for timestamps rounded to milliseconds.
    """

    def __init__(self, slack: int = 320, remembered: int = 16) -> None:
        self._slack = slack
        self._seen: deque[tuple[int, int]] = deque(maxlen=remembered)
        self._current: _Segment | None = None

    def feed(self, timestamp: int, packet: TelephoneEvent) -> str | None:
        """The key when `packet` begins a new press; None for any other packet."""
        if packet.event not in _KEY_OF_EVENT:
            return None
        timestamp %= RTP_TIMESTAMP_MODULUS

        if (packet.event, timestamp) in self._seen:
            # An update, a repeated end, or a packet arriving late: the press is counted.
            self._update(timestamp, packet)
            return None

        continues = self._continues(timestamp, packet)
        self._seen.append((packet.event, timestamp))
        self._current = _Segment(packet.event, timestamp, packet.end, packet.duration)
        return None if continues else _KEY_OF_EVENT[packet.event]

    def _update(self, timestamp: int, packet: TelephoneEvent) -> None:
        current = self._current
        if current is None or (current.event, current.timestamp) != (packet.event, timestamp):
            return
        current.ended = current.ended or packet.end
        current.longest = max(current.longest, packet.duration)

    def _continues(self, timestamp: int, packet: TelephoneEvent) -> bool:
        """Whether `packet` opens the next segment of the press under way."""
        current = self._current
        if current is None or current.event != packet.event:
            return False
        # A segment that ended short of the maximum was a whole press of its own.
        if current.ended and current.longest < MAX_SEGMENT_DURATION - self._slack:
            return False
        offset = (timestamp - current.timestamp) % RTP_TIMESTAMP_MODULUS
        return abs(offset - MAX_SEGMENT_DURATION) <= self._slack


# -- sending in band, and reading tones back ------------------------------------------


def tone_pcm(digits: str, tone_s: float = 0.1, gap_s: float = 0.08, level: float = 7000.0):
    """int16 8 kHz audio of the keys, each a two-frequency tone followed by a gap."""
    parts = []
    t = np.arange(int(tone_s * PHONE_RATE)) / PHONE_RATE
    gap = np.zeros(int(gap_s * PHONE_RATE))
    for digit in digits:
        low, high = digit_frequencies(digit)
        parts += [level * (np.sin(2 * np.pi * low * t) + np.sin(2 * np.pi * high * t)) / 2, gap]
    return np.concatenate(parts).astype(np.int16) if parts else np.zeros(0, dtype=np.int16)


def tone_frames(digits: str, tone_s: float = 0.1, gap_s: float = 0.08) -> list[bytes]:
    """The keys as 20 ms mu-law frames ready for `AudioTransport.send`."""
    pcm = tone_pcm(digits, tone_s, gap_s)
    pad = (-len(pcm)) % FRAME_SAMPLES
    pcm = np.concatenate([pcm, np.zeros(pad, dtype=np.int16)])
    encoded = ulaw_encode(pcm)
    return [encoded[i : i + FRAME_SAMPLES] for i in range(0, len(encoded), FRAME_SAMPLES)]


async def send_tones(transport: Any, digits: str, pace_s: float = 0.02) -> None:
    """Play keys in band on a transport that expects the caller to pace frames."""
    for frame in tone_frames(digits):
        await transport.send(frame)
        await asyncio.sleep(pace_s)


def _goertzel_power(block: np.ndarray, hz: float) -> float:
    coefficient = 2 * np.cos(2 * np.pi * hz / PHONE_RATE)
    s1 = s2 = 0.0
    for sample in block:
        s1, s2 = sample + coefficient * s1 - s2, s1
    return s1 * s1 + s2 * s2 - coefficient * s1 * s2


def detect_key(block: np.ndarray) -> str | None:
    """The key one 20 ms block holds, or None: one strong row, one strong column, little else."""
    samples = np.asarray(block, dtype=np.float64)
    energy = float(np.sum(samples * samples))
    if energy < len(samples) * 200.0**2:
        return None
    rows = [_goertzel_power(samples, hz) for hz in LOW_HZ]
    columns = [_goertzel_power(samples, hz) for hz in HIGH_HZ]
    row, column = int(np.argmax(rows)), int(np.argmax(columns))
    # Each pure tone carries about N/2 * energy through its Goertzel bin: both must dominate.
    share = (rows[row] + columns[column]) / (len(samples) * energy / 2)
    if share < 0.7:
        return None
    # A key must not be mistaken for its neighbour: the winner stands clear of the runner-up.
    if sorted(rows)[-2] * 6 > rows[row] or sorted(columns)[-2] * 6 > columns[column]:
        return None
    return DIGITS[row * 4 + column]


def decode_tones(pcm: np.ndarray, min_blocks: int = 2) -> str:
    """The keys in a stretch of 8 kHz audio: a key counts once it holds `min_blocks` blocks."""
    digits = ""
    current, run, emitted = None, 0, False
    for start in range(0, len(pcm) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        key = detect_key(pcm[start : start + FRAME_SAMPLES])
        if key == current:
            run += 1
        else:
            current, run, emitted = key, 1, False
        if current is not None and run >= min_blocks and not emitted:
            digits += current
            emitted = True
    return digits
