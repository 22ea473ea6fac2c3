"""Warm transfer over real SIP on loopback: the borrower and the agent are baresip peers.

The borrower plays a 440 Hz tone and the agent a 700 Hz one, each for longer than the test, and
both record what they hear; so who heard what, and when, is read off the recordings.
"""

from __future__ import annotations

import asyncio
import math
import os
import struct
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from fairdial.telephony.events import AnsweredCall, CallEvent
from fairdial.telephony.transfer import Agent, SipTransfer, TransferError
from fairdial.voice.engines import FakeTextToSpeech
from fairdial.voice.tts.espeak import EspeakTextToSpeech

try:
    import pjsua2  # noqa: F401
except ImportError:
    if os.environ.get("FAIRDIAL_REQUIRE_SERVICES") == "1":
        raise
    pytest.skip(
        "pjsua2-python is not installed (pip install pjsua2-python)", allow_module_level=True
    )

from fairdial.telephony.sip import SipChannel
from tests.telephony.sip_peer import Baresip, StatusResponder, baresip
from tests.telephony.test_sip_channel import (
    BYE_RECEIVED,
    _config,
    _keep,
    _pjsua2_objects_left,
    _receive,
    _request,
    _rms,
    _run,
    _session,
    _tone_frames,
    _until,
)

SUMMARY = "Account A 1 0 7. The borrower reports hardship and asks for a person."
WINDOW_S = 0.1
AGENT = Agent("desk", "+15005550010")

pytestmark = pytest.mark.usefixtures("pjsua2_left_nothing")


def _long_tone(path: Path, hz: float, seconds: float = 60.0) -> Path:
    """baresip ends a call when its WAV runs out: this one lasts longer than any test here."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * hz * n / 8000)))
                for n in range(int(8000 * seconds))
            )
        )
    return path


def _heard(peer_dir: Path) -> np.ndarray:
    """What a recording peer heard, as float samples at 8 kHz."""
    (dump,) = sorted((peer_dir / "heard").glob("dump-*-dec.wav"))
    with wave.open(str(dump)) as wav:
        assert wav.getframerate() == 8000
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)


def _windows(pcm: np.ndarray, hz: float) -> list[tuple[float, float]]:
    """Each 100 ms window's RMS and the share of its energy within 40 Hz of `hz`."""
    size = int(8000 * WINDOW_S)
    found = []
    for start in range(0, len(pcm) - size + 1, size):
        window = pcm[start : start + size]
        power = np.abs(np.fft.rfft(window)) ** 2
        near = power[np.abs(np.fft.rfftfreq(size, 1 / 8000) - hz) < 40].sum()
        found.append((float(np.sqrt(np.mean(window**2))), float(near / max(power.sum(), 1e-9))))
    return found


def _peers(tmp_path: Path) -> tuple[Path, Path]:
    borrower, agent = tmp_path / "borrower", tmp_path / "agent"
    borrower.mkdir()
    agent.mkdir()
    _long_tone(borrower / "voice.wav", 440.0)
    _long_tone(agent / "voice.wav", 700.0)
    return borrower, agent


async def _bot_still_talks(call: AnsweredCall) -> None:
    """The bot's audio flows both ways: an echoing borrower sends the bot's tone back."""
    assert not call.transport.closed
    for frame in _tone_frames(1.0):
        await call.transport.send(frame)
    # Frames heard while the agent was called wait first in line; the echo comes after them.
    loudest = 0.0
    for _ in range(16):
        loudest = max(loudest, _rms(await _receive(call, 25)))
        if loudest > 1000:
            break
    assert loudest > 1000


def test_the_agent_hears_the_summary_then_the_borrower_and_their_hang_up_ends_both(
    tmp_path: Path,
) -> None:
    borrower_dir, agent_dir = _peers(tmp_path)
    voice = EspeakTextToSpeech()
    summary_s = len(asyncio.run(SipTransfer._spoken(voice, SUMMARY, "en"))) / 16000
    events: list[CallEvent] = []
    joined_after_s: list[float] = []

    async def scenario() -> None:
        with (
            baresip(borrower_dir, "borrower", audio="file", wav=borrower_dir / "voice.wav",
                    record=True) as borrower,
            baresip(agent_dir, "agent", audio="file", wav=agent_dir / "voice.wav",
                    record=True) as agent,
        ):  # fmt: skip
            channel = SipChannel(_config(), session_factory=_keep, on_event=events.append)
            async with channel:
                call = _session(await channel.dial(_request(borrower.uri("borrower"))))
                assert await call.transport.receive() is not None

                began = time.monotonic()
                moved = await SipTransfer(channel, voice).warm(
                    call.call_id, Agent("desk", agent.uri("agent")), SUMMARY, "en"
                )
                joined_after_s.append(time.monotonic() - began)
                assert moved
                assert not channel.is_up(call.call_id)  # the agent's now
                assert channel.active_calls == 2 and channel.lines_in_use == 2

                # The bot is out: its session hears the call end, and its hang-up sends no BYE.
                while await call.transport.receive() is not None:
                    pass
                await call.hang_up()
                await asyncio.sleep(2.0)  # the two talk
                assert BYE_RECEIVED not in borrower.log.read_text(errors="replace")
                assert channel.active_calls == 2

                await _hang_up_until_ended(agent, borrower)
                await _until(lambda: channel.active_calls == 0)
                await _until(lambda: channel.lines_in_use == 0)

    _run(scenario, timeout_s=60)
    assert _pjsua2_objects_left() == []

    # Only the borrower's call is an attempt: the agent's call reports no progress events.
    assert {event.call_id for event in events} == {events[0].call_id}

    # The agent: the summary (speech, no 440 Hz) first, then the borrower's 440 Hz tone.
    agent_heard = _windows(_heard(agent_dir), 440.0)
    speech = [n for n, (rms, share) in enumerate(agent_heard) if rms > 300 and share < 0.2]
    tone = [n for n, (rms, share) in enumerate(agent_heard) if rms > 1000 and share > 0.8]
    assert len(speech) * WINDOW_S > 0.5 * summary_s
    assert len(tone) * WINDOW_S > 1.0
    assert max(speech) < min(tone)

    # The borrower: silence while the agent was called and briefed, then the agent's 700 Hz.
    borrower_heard = _windows(_heard(borrower_dir), 700.0)
    loud = [(n, share) for n, (rms, share) in enumerate(borrower_heard) if rms > 300]
    assert all(share > 0.5 for _, share in loud), "the borrower heard something besides the agent"
    assert len(loud) * WINDOW_S > 1.0
    # They heard the agent only after the briefing, which took at least the summary's length.
    first_heard_s = loud[0][0] * WINDOW_S
    assert first_heard_s > summary_s
    assert joined_after_s[0] > summary_s


async def _hang_up_until_ended(agent: Baresip, borrower: Baresip) -> None:
    """The agent hangs up; the borrower's call then ends with our BYE."""
    for _ in range(20):
        agent.command("/hangup\n")
        if await asyncio.to_thread(borrower.wait_log, BYE_RECEIVED, 1.0):
            return
    raise AssertionError("the borrower's call did not end after the agent hung up")


def test_an_agent_who_does_not_answer_leaves_the_borrower_with_the_bot(tmp_path: Path) -> None:
    (tmp_path / "agent").mkdir()

    async def scenario() -> None:
        with (
            baresip(tmp_path, "borrower", audio="echo") as borrower,
            baresip(tmp_path / "agent", "agent", answer="manual") as agent,
        ):
            async with SipChannel(_config(), session_factory=_keep) as channel:
                call = _session(await channel.dial(_request(borrower.uri("borrower"))))

                began = time.monotonic()
                moved = await channel.warm_transfer(
                    call.call_id, agent.uri("agent"), b"\x10\x00" * 8000, ring_timeout_s=1.5
                )
                assert not moved
                assert channel.is_up(call.call_id)  # the desk then books a callback
                assert 1.4 < time.monotonic() - began < 10  # its own timeout, not the 20 s default
                assert await asyncio.to_thread(agent.wait_log, BYE_RECEIVED)  # our CANCEL
                await _until(lambda: channel.lines_in_use == 1)
                assert channel.active_calls == 1

                await _bot_still_talks(call)

    _run(scenario)


def test_a_borrower_hanging_up_while_the_agent_rings_withdraws_the_agents_call(
    tmp_path: Path,
) -> None:
    (tmp_path / "agent").mkdir()

    async def scenario() -> None:
        with (
            baresip(tmp_path, "borrower") as borrower,
            baresip(tmp_path / "agent", "agent", answer="manual") as agent,
        ):
            async with SipChannel(_config(), session_factory=_keep) as channel:
                call = _session(await channel.dial(_request(borrower.uri("borrower"))))
                transfer = asyncio.create_task(
                    channel.warm_transfer(call.call_id, agent.uri("agent"), b"\0\0" * 8000)
                )
                assert await asyncio.to_thread(agent.wait_log, "Incoming call")

                while not transfer.done():  # pressed again until baresip acts on it
                    borrower.command("/hangup\n")
                    await asyncio.wait([transfer], timeout=0.5)
                assert transfer.result() is False
                assert not channel.is_up(call.call_id)
                assert await asyncio.to_thread(agent.wait_log, BYE_RECEIVED)  # our CANCEL
                assert call.transport.closed
                await _until(lambda: channel.active_calls == 0 and channel.lines_in_use == 0)

    _run(scenario)


def test_a_busy_agent_leaves_the_borrower_with_the_bot(tmp_path: Path) -> None:
    async def scenario() -> None:
        with (
            baresip(tmp_path, "borrower", audio="echo") as borrower,
            StatusResponder(486, "Busy Here") as agent,
        ):
            async with SipChannel(_config(), session_factory=_keep) as channel:
                call = _session(await channel.dial(_request(borrower.uri("borrower"))))

                moved = await channel.warm_transfer(call.call_id, agent.uri("desk"), b"\0\0" * 800)
                assert not moved
                assert channel.is_up(call.call_id)  # the desk then books a callback
                assert agent.invites == 1
                await _until(lambda: channel.lines_in_use == 1)
                assert channel.active_calls == 1

                await _bot_still_talks(call)

    _run(scenario)


def test_the_agents_call_is_not_placed_without_a_free_line(tmp_path: Path) -> None:
    async def scenario() -> None:
        with (
            baresip(tmp_path, "borrower", audio="echo") as borrower,
            StatusResponder(200, "OK") as agent,
        ):
            async with SipChannel(_config(max_calls=1), session_factory=_keep) as channel:
                call = _session(await channel.dial(_request(borrower.uri("borrower"))))

                moved = await channel.warm_transfer(call.call_id, agent.uri("desk"), b"\0\0" * 800)
                assert not moved
                assert channel.is_up(call.call_id)  # the desk then books a callback
                assert agent.invites == 0  # refused here, before any INVITE
                assert (channel.active_calls, channel.lines_in_use) == (1, 1)

                await _bot_still_talks(call)

    _run(scenario)


def test_the_summary_is_read_at_the_lines_rate_for_the_agent_and_needs_a_voice() -> None:
    class Referrer:
        def __init__(self) -> None:
            self.warmed: list[tuple[str, str, bytes]] = []

        async def transfer(self, call_id: str, agent_uri: str) -> bool:
            raise AssertionError("a warm transfer sends no REFER")

        async def warm_transfer(self, call_id: str, agent: str, summary: bytes) -> bool:
            self.warmed.append((call_id, agent, summary))
            return True

        def is_up(self, call_id: str) -> bool:
            return True

    referrer = Referrer()
    voice = FakeTextToSpeech(seconds_per_char=0.01, sample_rate=16000)
    moved = asyncio.run(SipTransfer(referrer, voice).warm("c1", AGENT, "x" * 150, "en"))

    assert moved
    ((call_id, target, summary),) = referrer.warmed
    assert (call_id, target) == ("c1", "+15005550010")  # dialled through the trunk's template
    assert len(summary) == 2 * 8000 * 1.5  # 1.5 s of 16-bit samples at 8 kHz
    with pytest.raises(TransferError, match="without a voice"):
        asyncio.run(SipTransfer(referrer).warm("c1", AGENT, "summary", "en"))


def test_a_warm_transfer_of_a_call_that_is_gone_moves_nobody() -> None:
    async def scenario() -> None:
        with StatusResponder(200, "OK") as agent:
            async with SipChannel(_config(), session_factory=_keep) as channel:
                moved = await channel.warm_transfer("no-such-call", agent.uri("desk"), b"\0\0")
                assert not moved
                assert not channel.is_up("no-such-call")
                assert agent.invites == 0

    _run(scenario)
