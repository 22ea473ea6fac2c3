"""Serve's wiring hands an escalated carrier call to the transfer desk of its config."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from fairdial.campaign.dialler import _hand_off
from fairdial.campaign.recorder import AttemptRecord
from fairdial.conversation.engine import converse
from fairdial.policy import History
from fairdial.server.config import parse_config
from fairdial.server.engines import TransferableSession, screened_sessions, transfer_desk
from fairdial.telephony.events import AnsweredBy, AnsweredCall
from fairdial.telephony.transfer import Agent, AgentPool, SipTransfer, TransferDesk, TwilioTransfer
from fairdial.telephony.twilio import TwilioCredentials, TwilioRestClient
from fairdial.voice.engines import FakeSpeechToText, FakeTextToSpeech
from tests.conversation.fakes import ScriptedSession, facts

AGENTS = {"agents": [{"name": "desk-a", "target": "+15550100"}], "warm": False}


class RecordingTransferer:
    def __init__(self) -> None:
        self.cold_calls: list[tuple[str, str]] = []

    async def cold(self, call_id: str, agent: Agent) -> bool:
        self.cold_calls.append((call_id, agent.name))
        return True

    async def warm(self, call_id: str, agent: Agent, summary: str, language: str) -> bool:
        raise AssertionError("the config asks for cold transfers")


class ClosedTransport:
    closed = True

    async def receive(self) -> bytes | None:
        return None

    async def send(self, frame: bytes) -> None: ...

    async def clear(self) -> None: ...

    async def close(self) -> None: ...


def twilio_config(transfer: dict[str, Any]) -> Any:
    twilio = {"public_url": "https://bot.example.org", "from_number": "+15550199"}
    return parse_config({"twilio": twilio, "amd": {"enabled": False}, "transfer": transfer})


def test_a_config_without_agents_has_no_desk():
    server = SimpleNamespace(twilio_rest=object(), sip=None)
    assert transfer_desk(twilio_config({}), server, store=None) is None  # type: ignore[arg-type]


def test_a_twilio_server_transfers_over_its_rest_client():
    rest = TwilioRestClient(
        TwilioCredentials("AC" + "0" * 32, "token"), base_url="http://127.0.0.1:9"
    )
    server = SimpleNamespace(twilio_rest=rest, sip=None)

    desk = transfer_desk(twilio_config(AGENTS), server, store=None)  # type: ignore[arg-type]

    assert desk is not None
    assert isinstance(desk.transferer, TwilioTransfer)
    assert desk.warm is False
    assert [agent.name for agent in desk.pool.agents] == ["desk-a"]
    asyncio.run(rest.aclose())


def test_an_escalated_carrier_call_goes_through_the_desk():
    transferer = RecordingTransferer()
    desk = TransferDesk(AgentPool((Agent("desk-a", "+15550100"),)), transferer, warm=False)
    config = twilio_config(AGENTS)
    moved: list[str] = []
    factory = screened_sessions(
        config, FakeSpeechToText(), FakeTextToSpeech(), lambda: desk, moved=moved.append
    )
    call = AnsweredCall(
        "CA123", "ACC-1#1", "zh-TW", ClosedTransport(), AnsweredBy.HUMAN, lambda: asyncio.sleep(0)
    )

    async def scenario() -> tuple[Any, ScriptedSession]:
        opened = await factory(call)
        assert isinstance(opened, TransferableSession)
        # The conversation runs on a scripted borrower; the transfer goes through the wiring.
        scripted = ScriptedSession(["他上個月過世了"])
        opened.session = scripted
        record = AttemptRecord(
            target=SimpleNamespace(account_id=7, contact_point_key="cp1", history=History()),  # type: ignore[arg-type]
            decision=None,  # type: ignore[arg-type]
            planned_at=datetime(2026, 3, 11, tzinfo=UTC),
            channel="twilio",
        )
        hand_off = _hand_off(opened, record, lambda _at: None)
        outcome = await converse(opened, facts(), hand_off=hand_off)
        return outcome, scripted

    outcome, scripted = asyncio.run(scenario())

    assert transferer.cold_calls == [("CA123", "desk-a")]
    assert outcome.hand_off == "cold"
    assert scripted.hung_up is False
    assert moved == ["CA123"]  # the server is told the call is no longer the bot's to end
    assert desk.log[0].kind == "cold"


def test_a_sip_server_transfers_warm_with_its_voice_reading_the_summary():
    sip = SimpleNamespace()
    server = SimpleNamespace(twilio_rest=None, sip=sip)
    sip_section = {"user": "bot", "domain": "127.0.0.1"}
    voice = object()
    for warm in (True, False):
        config = parse_config(
            {"sip": sip_section, "amd": {"enabled": False}, "transfer": {**AGENTS, "warm": warm}}
        )

        desk = transfer_desk(config, server, None, voice)  # type: ignore[arg-type]

        assert desk is not None
        assert isinstance(desk.transferer, SipTransfer)
        assert desk.transferer._voice is voice
        assert desk.warm is warm
