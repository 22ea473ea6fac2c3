"""`fairdial serve` with a `sip:` section: real loopback calls from the server to baresip."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fairdial.server import Server
from fairdial.server.config import parse_config
from fairdial.telephony.base import CallResult, DialOutcome, DialRequest
from fairdial.telephony.events import AnsweredCall
from fairdial.telephony.recording import (
    RecordedTransport,
    RecordingArchive,
    RecordingCipher,
    decrypted_chunks,
)
from fairdial.voice.audio.g711 import ulaw_decode

try:
    import pjsua2  # noqa: F401
except ImportError:
    if os.environ.get("FAIRDIAL_REQUIRE_SERVICES") == "1":
        raise
    pytest.skip(
        "pjsua2-python is not installed (pip install pjsua2-python)", allow_module_level=True
    )

from fairdial.server.config import BOUNDS, ServeConfigError
from fairdial.server.sip import sip_config
from fairdial.telephony.sip import CALL_TABLE_SIZE, SipError
from fairdial.telephony.sip import legs as sip_legs
from tests.telephony.sip_peer import baresip, free_port

KEY = bytes(range(32))
BYE_RECEIVED = "session closed: Connection reset by peer"  # how baresip logs a BYE it got

pytestmark = pytest.mark.usefixtures("pjsua2_left_nothing")


@dataclass
class _Session:
    """Stands in for the voice session: keeps the answered call as the server handed it."""

    call: AnsweredCall
    answered_by: str = "human"
    hung_up: bool = False


def _server(tmp: Path, factory: Any = _Session, on_inbound: Any = None, **sip: Any) -> Server:
    config = parse_config(
        {
            "http": {"host": "127.0.0.1", "port": 0},
            "sip": {"user": "bot", "domain": "127.0.0.1", "port": 0, **sip},
            "limits": {"max_call_seconds": 20},
        }
    )
    archive = RecordingArchive(tmp / "recordings", RecordingCipher(KEY))
    return Server(config, session_factory=factory, on_inbound=on_inbound, archive=archive)


def _request(target: str, attempt: str = "attempt-1") -> DialRequest:
    return DialRequest(attempt, "acct-1", target, "en", datetime(2025, 3, 4, 15, 0, tzinfo=UTC))


def _call(outcome: DialOutcome) -> AnsweredCall:
    assert outcome.result is CallResult.CONVERSATION
    assert isinstance(outcome.session, _Session)
    return outcome.session.call


def _run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), timeout=45))


def _pjsua_running() -> bool:
    return any(thread.name == "pjsua2" for thread in threading.enumerate())


async def _until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Return once `condition()` holds; a deadline a loaded machine still meets."""
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.02)


def test_the_sip_options_become_the_adapters_settings() -> None:
    options = parse_config(
        {
            "sip": {
                "user": "collections",
                "domain": "trunk.example.net",
                "registrar": "sip:trunk.example.net",
                "password_env": "FAIRDIAL_SIP_PASSWORD",
                "host": "0.0.0.0",
                "public_host": "203.0.113.10",
                "port": 5062,
                "rtp_port": 10000,
                "codecs": ["PCMA", "PCMU"],
                "max_calls": 3,
            }
        }
    ).sip
    assert options is not None
    config = sip_config(options, "from-the-environment")
    assert config.codecs == ("PCMA/8000", "PCMU/8000")
    assert config.max_calls == 3
    assert (config.bind_host, config.public_host) == ("0.0.0.0", "203.0.113.10")
    assert (config.sip_port, config.rtp_port) == (5062, 10000)
    assert (config.registrar, config.password) == ("sip:trunk.example.net", "from-the-environment")
    assert config.request_uri("+15550100") == "sip:+15550100@trunk.example.net"


def test_a_served_sip_call_is_recorded_supervised_and_the_server_stops_cleanly(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        before = asyncio.all_tasks()
        with baresip(tmp_path, "borrower") as peer:
            server = _server(tmp_path)
            await server.start()
            assert server.sip is not None and _pjsua_running()

            call = _call(await server.sip.dial(_request(peer.uri("borrower"))))
            assert isinstance(call.transport, RecordedTransport)  # the recording wiring
            assert server.supervisor.active == 1  # the supervisor's watch on this call
            frames = [await call.transport.receive() for _ in range(50)]
            assert all(frame is not None for frame in frames)

            await call.hang_up()
            assert peer.wait_log(BYE_RECEIVED)
            await _until(lambda: server.supervisor.active == 0)
            assert server.sip.active_calls == 0
            await _until(lambda: server.sip.lines_in_use == 0)  # once the BYE is answered

            await server.stop()
        assert not _pjsua_running()
        await asyncio.sleep(0)
        assert asyncio.all_tasks() - before - {asyncio.current_task()} == set()

        # Both legs are in the encrypted recording; the borrower's is the peer's 440 Hz tone.
        (recording,) = (tmp_path / "recordings").rglob("*.fdrec")
        stereo = b"".join(decrypted_chunks(recording, RecordingCipher(KEY)))
        borrower = ulaw_decode(stereo[0::2]).astype(np.float64)
        assert len(borrower) >= 50 * 160
        assert np.sqrt(np.mean(borrower[-25 * 160 :] ** 2)) > 1000

    _run(scenario)


def test_stop_hangs_up_a_live_sip_call(tmp_path: Path) -> None:
    async def scenario() -> None:
        with baresip(tmp_path, "borrower") as peer:
            server = _server(tmp_path)
            await server.start()
            assert server.sip is not None
            call = _call(await server.sip.dial(_request(peer.uri("borrower"))))
            assert await call.transport.receive() is not None  # the conversation is under way

            await server.stop()
            assert peer.wait_log(BYE_RECEIVED)
            assert call.transport.closed
            assert server.supervisor.active == 0
        assert not _pjsua_running()

    _run(scenario)


def test_a_dial_beyond_max_calls_waits_for_a_line(tmp_path: Path) -> None:
    async def scenario() -> None:
        with baresip(tmp_path, "borrower") as peer:
            server = _server(tmp_path, max_calls=1)
            await server.start()
            assert server.sip is not None
            first = _call(await server.sip.dial(_request(peer.uri("borrower"), "attempt-1")))

            second = asyncio.create_task(
                server.sip.dial(_request(peer.uri("borrower"), "attempt-2"))
            )
            await asyncio.sleep(0.5)
            assert not second.done()  # held before any INVITE went out
            assert server.sip.active_calls == 1

            await first.hang_up()
            assert _call(await second).call_id != first.call_id
            assert server.sip.lines_in_use == 1
            await server.stop()

    _run(scenario)


def test_a_session_opened_asynchronously_is_awaited_and_a_failed_one_ends_the_call(
    tmp_path: Path,
) -> None:
    async def screened(call: AnsweredCall) -> _Session:
        await asyncio.sleep(0.05)  # as answering-machine screening listens first
        if call.attempt_ref == "screening-fails":
            raise RuntimeError("screening failed")
        return _Session(call)

    async def scenario() -> None:
        with baresip(tmp_path, "borrower") as peer:
            server = _server(tmp_path, screened, max_calls=1)
            await server.start()
            assert server.sip is not None
            with pytest.raises(RuntimeError, match="screening failed"):
                await server.sip.dial(_request(peer.uri("borrower"), "screening-fails"))
            assert peer.wait_log(BYE_RECEIVED)  # nobody would talk on it: hung up at once
            await _until(lambda: server.sip.lines_in_use == 0)

            call = _call(await server.sip.dial(_request(peer.uri("borrower"), "attempt-2")))
            assert call.attempt_ref == "attempt-2"
            await server.stop()

    _run(scenario)


def test_the_max_calls_bound_is_what_the_sip_adapter_holds() -> None:
    assert BOUNDS["sip.max_calls"] == (1, CALL_TABLE_SIZE)
    reason = r"\(the calls the installed PJSUA2 holds at once, placed and received together\)"
    with pytest.raises(ServeConfigError, match=r"sip\.max_calls: .* from 1 to 4, not 5 " + reason):
        parse_config({"sip": {"user": "bot", "domain": "127.0.0.1", "max_calls": 5}})


def test_stop_cancels_a_ringing_sip_dial_without_waiting_out_a_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Were the stop to wait for a timeout rather than the call's end, the run would time out.
    monkeypatch.setattr(sip_legs, "END_GRACE_S", 600.0)

    async def scenario() -> None:
        with baresip(tmp_path, "away", answer="manual") as peer:
            server = _server(tmp_path)
            await server.start()
            assert server.sip is not None
            dial = asyncio.create_task(server.sip.dial(_request(peer.uri("away"))))
            assert await asyncio.to_thread(peer.wait_log, "Incoming call")

            await server.stop()
            outcome = await dial
            assert (outcome.result, outcome.session) == (CallResult.NO_ANSWER, None)
            assert peer.wait_log(BYE_RECEIVED)  # baresip logs a CANCEL it got the same way
        assert not _pjsua_running()

    _run(scenario)


def test_an_inbound_sip_call_without_an_inbound_handler_is_declined(tmp_path: Path) -> None:
    async def scenario() -> None:
        with baresip(tmp_path, "caller") as peer:
            port = free_port()
            server = _server(tmp_path, port=port)
            await server.start()
            peer.command(f"/dial sip:bot@127.0.0.1:{port}\n")
            assert await asyncio.to_thread(peer.wait_log, "603 Decline")
            assert server.supervisor.active == 0
            await server.stop()

    _run(scenario)


def test_an_inbound_sip_call_runs_on_the_inbound_handler_recorded_and_supervised(
    tmp_path: Path,
) -> None:
    handled: list[AnsweredCall] = []
    supervised: list[int] = []

    async def scenario() -> None:
        async def on_inbound(call: AnsweredCall) -> None:
            handled.append(call)
            supervised.append(server.supervisor.active)
            frames = [await call.transport.receive() for _ in range(50)]
            assert all(frame is not None for frame in frames)

        with baresip(tmp_path, "caller") as peer:
            port = free_port()
            server = _server(tmp_path, on_inbound=on_inbound, port=port)
            await server.start()
            assert server.sip is not None
            peer.command(f"/dial sip:bot@127.0.0.1:{port}\n")

            await _until(lambda: bool(handled) and server.supervisor.active == 0, timeout_s=10)
            assert await asyncio.to_thread(peer.wait_log, BYE_RECEIVED)  # hung up by serve
            await _until(lambda: server.sip.lines_in_use == 0)
            await server.stop()

    _run(scenario)
    (call,) = handled
    assert isinstance(call.transport, RecordedTransport)
    assert supervised == [1]
    (recording,) = (tmp_path / "recordings").rglob("*.fdrec")
    stereo = b"".join(decrypted_chunks(recording, RecordingCipher(KEY)))
    caller = ulaw_decode(stereo[0::2]).astype(np.float64)
    assert np.sqrt(np.mean(caller[-25 * 160 :] ** 2)) > 1000  # the caller's 440 Hz tone


def test_a_registrar_that_never_answers_stops_the_start(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FAIRDIAL_TEST_SIP_PASSWORD", "not-a-secret")
    silent = free_port()  # nothing listens there: the REGISTER goes unanswered

    async def scenario() -> None:
        config = parse_config(
            {
                "http": {"host": "127.0.0.1", "port": 0},
                "audiosocket": {"host": "127.0.0.1", "port": 0},
                "sip": {
                    "user": "bot",
                    "domain": "127.0.0.1",
                    "port": 0,
                    "registrar": f"sip:127.0.0.1:{silent}",
                    "password_env": "FAIRDIAL_TEST_SIP_PASSWORD",
                    "register_timeout_s": 0.5,
                },
                "recordings": {"enabled": False},
            }
        )
        server = Server(config, session_factory=_Session)  # type: ignore[arg-type]
        with pytest.raises(SipError, match="registrar did not answer"):
            await server.start()
        assert not _pjsua_running()
        assert server.audiosocket_address is not None
        with pytest.raises(OSError):  # the AudioSocket listener was closed again
            await asyncio.open_connection(*server.audiosocket_address)

    _run(scenario)


def test_sip_without_a_session_factory_is_refused_at_start() -> None:
    async def scenario() -> None:
        raw = {"http": {"port": 0}, "sip": {"user": "bot", "domain": "127.0.0.1", "port": 0}}
        server = Server(parse_config(raw))
        with pytest.raises(RuntimeError, match="sip calls need a session factory"):
            await server.start()
        assert not _pjsua_running()

    _run(scenario)


def test_a_served_call_joined_to_an_agent_stays_up_and_its_recording_ends_at_the_join(
    tmp_path: Path,
) -> None:
    (tmp_path / "borrower").mkdir()
    (tmp_path / "agent").mkdir()

    async def scenario() -> None:
        with (
            baresip(tmp_path / "borrower", "borrower") as borrower,
            baresip(tmp_path / "agent", "agent") as agent,
        ):
            server = _server(tmp_path)
            await server.start()
            assert server.sip is not None
            call = _call(await server.sip.dial(_request(borrower.uri("borrower"))))
            frames = [await call.transport.receive() for _ in range(50)]
            assert all(frame is not None for frame in frames)

            summary = b"\0\0" * 8000  # one second the agent hears first
            assert await server.sip.warm_transfer(call.call_id, agent.uri("agent"), summary)
            while await call.transport.receive() is not None:
                pass  # the bot is out of the call
            await _until(lambda: server.supervisor.active == 0)
            await call.hang_up()  # the session's end: the recording is filed, no BYE is sent
            await asyncio.sleep(1.0)
            assert BYE_RECEIVED not in borrower.log.read_text(errors="replace")
            assert server.sip.active_calls == 2

            await server.stop()  # ends the joined calls too
            assert borrower.wait_log(BYE_RECEIVED) and agent.wait_log(BYE_RECEIVED)
        assert not _pjsua_running()

    _run(scenario)
    (recording,) = (tmp_path / "recordings").rglob("*.fdrec")
    stereo = b"".join(decrypted_chunks(recording, RecordingCipher(KEY)))
    borrower_leg = ulaw_decode(stereo[0::2]).astype(np.float64)
    assert np.sqrt(np.mean(borrower_leg[-25 * 160 :] ** 2)) > 1000  # the borrower's tone
