"""Real SIP calls on loopback: PJSUA2 dials baresip (or a small responder) started by the test."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import numpy as np
import pytest

from fairdial.telephony.base import CallResult, DialOutcome, DialRequest
from fairdial.telephony.events import AnsweredCall, CallEvent, CallEventKind
from fairdial.voice.audio.g711 import ulaw_decode, ulaw_encode
from fairdial.voice.transport import FRAME_BYTES

try:
    import pjsua2  # noqa: F401
except ImportError:
    if os.environ.get("FAIRDIAL_REQUIRE_SERVICES") == "1":
        raise
    pytest.skip(
        "pjsua2-python is not installed (pip install pjsua2-python)", allow_module_level=True
    )

from fairdial.telephony.sip import SessionFactory, SipChannel, SipConfig
from tests.telephony.sip_peer import StatusResponder, baresip


@dataclass
class _Session:
    """Stands in for the voice pipeline's session: it just keeps the answered call."""

    call: AnsweredCall
    answered_by: str = "human"
    hung_up: bool = False


# The dialler's factory returns a full CallSession; these tests only need the answered call.
_keep = cast(SessionFactory, _Session)


def _request(target: str) -> DialRequest:
    return DialRequest("attempt-1", "acct-1", target, "en", datetime(2025, 3, 4, 15, 0, tzinfo=UTC))


def _config(**overrides: object) -> SipConfig:
    return SipConfig(user="bot", domain="127.0.0.1", **overrides)  # type: ignore[arg-type]


def _run(scenario: Callable[[], Awaitable[None]], timeout_s: float = 30.0) -> None:
    asyncio.run(asyncio.wait_for(scenario(), timeout=timeout_s))


def _rms(frames: list[bytes]) -> float:
    pcm = ulaw_decode(b"".join(frames)).astype(np.float64)
    return float(np.sqrt(np.mean(pcm**2))) if len(pcm) else 0.0


def _tone_frames(seconds: float, hz: float = 300.0) -> list[bytes]:
    n = np.arange(int(8000 * seconds))
    pcm = (6000 * np.sin(2 * np.pi * hz * n / 8000)).astype(np.int16)
    data = ulaw_encode(pcm)
    return [data[i : i + FRAME_BYTES] for i in range(0, len(data), FRAME_BYTES)]


async def _receive(call: AnsweredCall, count: int) -> list[bytes]:
    frames: list[bytes] = []
    while len(frames) < count:
        frame = await call.transport.receive()
        assert frame is not None, "call ended while audio was expected"
        frames.append(frame)
    return frames


def _session(outcome: DialOutcome) -> AnsweredCall:
    assert outcome.session is not None
    return outcome.session.call  # type: ignore[attr-defined]


def test_echoing_peer_hears_the_bot_and_its_bye_ends_the_call(tmp_path: Path) -> None:
    events: list[CallEvent] = []

    async def scenario() -> None:
        with baresip(tmp_path, "echo", audio="echo") as peer:
            channel = SipChannel(_config(), session_factory=_keep, on_event=events.append)
            async with channel:
                outcome = await channel.dial(_request(peer.uri("echo")))
                assert outcome.result is CallResult.CONVERSATION
                call = _session(outcome)

                # Our tone goes out over RTP, the peer plays it back, and we hear it.
                for frame in _tone_frames(1.5):
                    await call.transport.send(frame)
                heard = await _receive(call, 75)
                assert _rms(heard[-25:]) > 1000

                await channel.send_dtmf(call.call_id, "7")
                assert peer.wait_log("received event: '7'")

                peer.command("/hangup\n")
                while await call.transport.receive() is not None:
                    pass
                assert call.transport.closed
                await asyncio.sleep(0.1)
                assert channel.active_calls == 0

    _run(scenario)
    kinds = [event.kind for event in events]
    assert kinds[:2] == [CallEventKind.RINGING, CallEventKind.ANSWERED]
    assert kinds[-1] is CallEventKind.COMPLETED
    assert events[-1].duration_s is not None and events[-1].duration_s > 1.0


def test_tone_peer_speaks_sends_a_digit_and_the_bot_hangs_up(tmp_path: Path) -> None:
    events: list[CallEvent] = []

    async def scenario() -> None:
        with baresip(tmp_path, "borrower") as peer:
            async with SipChannel(
                _config(), session_factory=_keep, on_event=events.append
            ) as channel:
                outcome = await channel.dial(_request(peer.uri("borrower")))
                call = _session(outcome)

                heard = await _receive(call, 50)
                assert _rms(heard[-25:]) > 1000  # the peer's 440 Hz WAV, not silence

                peer.command("5")
                async with asyncio.timeout(5):
                    while "5" not in call.transport.digits:  # type: ignore[attr-defined]
                        await asyncio.sleep(0.02)

                await call.hang_up()
                assert await call.transport.receive() is None
                assert peer.wait_log("terminated")
                assert channel.active_calls == 0

    _run(scenario)
    assert CallEvent(CallEventKind.DTMF, events[-1].call_id, digit="5") in events
    assert events[-1].kind is CallEventKind.COMPLETED


def test_unanswered_peer_is_cancelled_at_the_ring_timeout(tmp_path: Path) -> None:
    events: list[CallEvent] = []

    async def scenario() -> None:
        with baresip(tmp_path, "away", answer="manual") as peer:
            config = _config(ring_timeout_s=1.5)
            async with SipChannel(config, session_factory=_keep, on_event=events.append) as channel:
                outcome = await channel.dial(_request(peer.uri("away")))
                assert outcome.result is CallResult.NO_ANSWER
                assert 1.4 < outcome.ring_seconds < 5
                assert outcome.session is None
                assert channel.active_calls == 0

    _run(scenario)
    assert [event.kind for event in events] == [CallEventKind.RINGING, CallEventKind.CANCELED]


def test_peer_rejecting_a_ringing_call_is_busy(tmp_path: Path) -> None:
    async def scenario() -> None:
        with baresip(tmp_path, "declines", answer="manual") as peer:
            ringing = asyncio.Event()

            def on_event(event: CallEvent) -> None:
                if event.kind is CallEventKind.RINGING:
                    ringing.set()
                    peer.command("/hangup\n")  # baresip rejects a ringing call with 486

            async with SipChannel(_config(), session_factory=_keep, on_event=on_event) as channel:
                outcome = await channel.dial(_request(peer.uri("declines")))
                assert ringing.is_set()
                assert outcome.result is CallResult.BUSY

    _run(scenario)


def test_final_responses_map_to_attempt_results() -> None:
    expected = {
        (486, "Busy Here"): CallResult.BUSY,
        (600, "Busy Everywhere"): CallResult.BUSY,
        (480, "Temporarily Unavailable"): CallResult.NO_ANSWER,
        (408, "Request Timeout"): CallResult.NO_ANSWER,
        (404, "Not Found"): CallResult.NOT_IN_SERVICE,
        (410, "Gone"): CallResult.NOT_IN_SERVICE,
        (484, "Address Incomplete"): CallResult.NOT_IN_SERVICE,
        (604, "Does Not Exist Anywhere"): CallResult.NOT_IN_SERVICE,
    }
    seen: dict[tuple[int, str], CallResult] = {}

    async def scenario() -> None:
        async with SipChannel(_config(), session_factory=_keep) as channel:
            for status in expected:
                with StatusResponder(*status) as responder:
                    outcome = await channel.dial(_request(responder.uri("+15550100")))
                    seen[status] = outcome.result
                    assert responder.invites == 1

    _run(scenario)
    assert seen == expected


def test_account_registers_before_dialling() -> None:
    async def scenario() -> None:
        with StatusResponder(486, "Busy Here") as registrar:
            config = _config(
                registrar=f"sip:127.0.0.1:{registrar.port}",
                password="not-a-secret",
                target_uri=f"sip:{{number}}@127.0.0.1:{registrar.port}",
            )
            async with SipChannel(config, session_factory=_keep) as channel:
                assert registrar.registers >= 1
                outcome = await channel.dial(_request("+15550100"))
                assert outcome.result is CallResult.BUSY

    _run(scenario)


def test_refer_hands_the_borrower_to_an_agent(tmp_path: Path) -> None:
    (tmp_path / "borrower").mkdir()
    (tmp_path / "agent").mkdir()

    async def scenario() -> None:
        with (
            baresip(tmp_path / "borrower", "borrower") as borrower,
            baresip(tmp_path / "agent", "agent") as agent,
        ):
            async with SipChannel(_config(), session_factory=_keep) as channel:
                call = _session(await channel.dial(_request(borrower.uri("borrower"))))

                assert await channel.transfer(call.call_id, agent.uri("agent"), timeout_s=10)
                assert agent.wait_log("Call established")
                assert await call.transport.receive() is None
                assert channel.active_calls == 0

    _run(scenario)
