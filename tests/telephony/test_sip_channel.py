"""Real SIP calls on loopback: PJSUA2 dials baresip (or a small responder) started by the test."""

from __future__ import annotations

import asyncio
import gc
import os
import re
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
    import pjsua2
except ImportError:
    if os.environ.get("FAIRDIAL_REQUIRE_SERVICES") == "1":
        raise
    pytest.skip(
        "pjsua2-python is not installed (pip install pjsua2-python)", allow_module_level=True
    )

from fairdial.telephony.sip import (
    CALL_TABLE_SIZE,
    NoFreeLine,
    SessionFactory,
    SipChannel,
    SipConfig,
    SipConfigError,
    SipError,
)
from fairdial.telephony.sip import legs as sip_legs
from tests.telephony.sip_peer import RingingResponder, StatusResponder, baresip

BYE_RECEIVED = "session closed: Connection reset by peer"  # how baresip logs a BYE it got

pytestmark = pytest.mark.usefixtures("pjsua2_left_nothing")


@dataclass
class _Session:
    """Stands in for the voice pipeline's session: it just keeps the answered call."""

    call: AnsweredCall
    answered_by: str = "human"
    hung_up: bool = False


# The dialler's factory returns a full CallSession; these tests only need the answered call.
_keep = cast(SessionFactory, _Session)


def _request(target: str, attempt: str = "attempt-1") -> DialRequest:
    return DialRequest(attempt, "acct-1", target, "en", datetime(2025, 3, 4, 15, 0, tzinfo=UTC))


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
                await _until(lambda: channel.active_calls == 0)

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
                async with asyncio.timeout(10):
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

            async def decline() -> None:
                # baresip rejects a ringing call with 486 on /hangup; the 180 can reach us before
                # its console knows the call, so the key is pressed until the dial ends.
                await ringing.wait()
                while True:
                    peer.command("/hangup\n")
                    await asyncio.sleep(0.5)

            def on_event(event: CallEvent) -> None:
                if event.kind is CallEventKind.RINGING:
                    ringing.set()

            config = _config(ring_timeout_s=15)
            async with SipChannel(config, session_factory=_keep, on_event=on_event) as channel:
                declining = asyncio.create_task(decline())
                try:
                    outcome = await channel.dial(_request(peer.uri("declines")))
                finally:
                    declining.cancel()
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


async def _until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Return once `condition()` holds; a deadline a loaded machine still meets."""
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.02)


def _ringing(events: list[CallEvent]) -> int:
    return sum(event.kind is CallEventKind.RINGING for event in events)


def _pjsua2_objects_left() -> list[str]:
    """PJSUA2 objects still alive once the library is gone: freed later, they crash the process."""
    kinds = (pjsua2.Endpoint, pjsua2.Account, pjsua2.Call, pjsua2.AudioMediaPort)
    return [type(o).__name__ for o in gc.get_objects() if isinstance(o, kinds)]


def test_max_calls_outside_what_pjsua_holds_is_refused() -> None:
    with pytest.raises(SipConfigError, match=f"max_calls must be from 1 to {CALL_TABLE_SIZE}"):
        _config(max_calls=CALL_TABLE_SIZE + 1)
    with pytest.raises(SipConfigError, match="not 0"):
        _config(max_calls=0)


def test_a_dial_beyond_max_calls_is_refused_here_and_never_reads_as_a_dead_number() -> None:
    events: list[CallEvent] = []

    async def scenario() -> None:
        with RingingResponder() as phone:
            config = _config(max_calls=2)
            async with SipChannel(config, session_factory=_keep, on_event=events.append) as channel:
                ringing = [
                    asyncio.create_task(channel.dial(_request(phone.uri(f"+1555010{n}"))))
                    for n in range(2)
                ]
                await _until(lambda: _ringing(events) == 2)
                assert channel.lines_in_use == 2

                with pytest.raises(NoFreeLine, match="all 2 calls"):
                    await channel.dial(_request(phone.uri("+15550109")))
                assert phone.invites == 2  # refused before any INVITE went out

                # Hanging up frees a line, once PJSUA freed its slot, for a dial that waits.
                waiting = asyncio.create_task(channel.wait_for_line())
                await asyncio.sleep(0.1)
                assert not waiting.done()
                await channel.hang_up(events[0].call_id)
                await waiting
                assert channel.lines_in_use == 1
                (ended,), still_ringing = await asyncio.wait(
                    ringing, return_when=asyncio.FIRST_COMPLETED
                )
                assert ended.result().result is CallResult.NO_ANSWER

                third = asyncio.create_task(channel.dial(_request(phone.uri("+15550102"))))
                await _until(lambda: _ringing(events) == 3)
                assert phone.invites == 3
            for dial in [*still_ringing, third]:
                assert (await dial).result is CallResult.NO_ANSWER  # close cancelled it
            await _until(lambda: phone.cancels == 3)

    _run(scenario)
    assert _pjsua2_objects_left() == []  # not even in the NoFreeLine's traceback


def test_max_calls_beyond_what_this_pjsua_build_holds_stops_the_start() -> None:
    """PJSUA would quietly hold a larger maxCalls down to its PJSUA_MAX_CALLS; the channel asks
    PJSUA how many it holds and refuses to start on a promise it cannot keep."""
    config = _config()
    object.__setattr__(config, "max_calls", CALL_TABLE_SIZE + 1)  # past the check, to PJSUA

    async def scenario() -> None:
        channel = SipChannel(config, session_factory=_keep)
        message = f"max_calls is {CALL_TABLE_SIZE + 1}, but this PJSUA2 build holds at most"
        with pytest.raises(SipError, match=f"{message} {CALL_TABLE_SIZE} calls"):
            await channel.start()

    _run(scenario)
    assert _pjsua2_objects_left() == []  # not even in the error's traceback


def test_hanging_up_a_ringing_dial_cancels_it_without_waiting_out_a_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Were the hang-up to wait for a timeout rather than the call's end, the run would time out.
    monkeypatch.setattr(sip_legs, "END_GRACE_S", 600.0)
    events: list[CallEvent] = []

    async def scenario() -> None:
        with baresip(tmp_path, "away", answer="manual") as peer:
            async with SipChannel(
                _config(), session_factory=_keep, on_event=events.append
            ) as channel:
                dial = asyncio.create_task(channel.dial(_request(peer.uri("away"))))
                await _until(lambda: _ringing(events) == 1)

                await channel.hang_up(events[0].call_id)
                assert dial.done()
                outcome = dial.result()
                assert (outcome.result, outcome.session) == (CallResult.NO_ANSWER, None)
                assert channel.active_calls == 0
                await _until(lambda: channel.lines_in_use == 0)  # once the 487 is in

    _run(scenario)
    assert [event.kind for event in events] == [CallEventKind.RINGING, CallEventKind.CANCELED]


def test_cancelling_a_ringing_dial_sends_cancel_and_frees_its_line() -> None:
    events: list[CallEvent] = []

    async def scenario() -> None:
        with RingingResponder() as phone:
            config = _config(max_calls=1)
            async with SipChannel(config, session_factory=_keep, on_event=events.append) as channel:
                dial = asyncio.create_task(channel.dial(_request(phone.uri("+15550100"))))
                await _until(lambda: _ringing(events) == 1)

                dial.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await dial
                assert channel.active_calls == 0  # PJSUA ends the call as the CANCEL goes
                await _until(lambda: phone.cancels == 1 and channel.lines_in_use == 0)

    _run(scenario)
    assert [event.kind for event in events] == [CallEventKind.RINGING, CallEventKind.CANCELED]


def test_an_inbound_call_runs_the_handler_and_is_hung_up_when_it_returns(tmp_path: Path) -> None:
    events: list[CallEvent] = []
    handled: list[AnsweredCall] = []

    async def scenario() -> None:
        async def on_inbound(call: AnsweredCall) -> None:
            handled.append(call)
            heard = await _receive(call, 50)
            assert _rms(heard[-25:]) > 1000  # the caller's 440 Hz WAV

        with baresip(tmp_path, "caller") as peer:
            async with SipChannel(
                _config(), session_factory=_keep, on_event=events.append, on_inbound=on_inbound
            ) as channel:
                peer.command(f"/dial sip:bot@{channel.local_address}\n")
                await _until(lambda: bool(handled) and channel.active_calls == 0, timeout_s=10)
                assert await asyncio.to_thread(peer.wait_log, BYE_RECEIVED)
                await _until(lambda: channel.lines_in_use == 0)

    _run(scenario)
    (call,) = handled
    assert call.attempt_ref == call.call_id  # a received call has no attempt of its own
    assert call.transport.closed
    assert [event.kind for event in events] == [CallEventKind.ANSWERED, CallEventKind.COMPLETED]


def test_an_inbound_call_without_a_handler_is_declined(tmp_path: Path) -> None:
    async def scenario() -> None:
        with baresip(tmp_path, "caller") as peer:
            async with SipChannel(_config(), session_factory=_keep) as channel:
                peer.command(f"/dial sip:bot@{channel.local_address}\n")
                assert await asyncio.to_thread(peer.wait_log, "603 Decline")
                assert channel.active_calls == 0

    _run(scenario)
    # A status line, not a port number that happens to hold the digits.
    assert re.search(r"\b500 [A-Z]", (tmp_path / "baresip.log").read_text(errors="replace")) is None


def test_an_inbound_call_without_a_free_line_is_busy(tmp_path: Path) -> None:
    handled: list[AnsweredCall] = []

    async def on_inbound(call: AnsweredCall) -> None:
        handled.append(call)

    async def scenario() -> None:
        with baresip(tmp_path, "borrower") as peer:
            config = _config(max_calls=1)
            async with SipChannel(config, session_factory=_keep, on_inbound=on_inbound) as channel:
                call = _session(await channel.dial(_request(peer.uri("borrower"))))
                peer.command(f"/dial sip:bot@{channel.local_address}\n")
                assert await asyncio.to_thread(peer.wait_log, "486 Busy Here")
                assert await call.transport.receive() is not None  # the call up is untouched
                assert channel.lines_in_use == 1

    _run(scenario)
    assert handled == []
