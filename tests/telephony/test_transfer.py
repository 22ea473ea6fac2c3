import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from urllib.parse import parse_qsl

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse

from fairdial.store import open_store
from fairdial.store.models import Account, Borrower, Escalation
from fairdial.telephony.transfer import (
    Agent,
    AgentPool,
    SipTransfer,
    TransferDesk,
    TransferError,
    TwilioTransfer,
    dial_twiml,
)
from fairdial.telephony.twilio import TwilioCredentials, TwilioRestClient
from tests.telephony.fake_twilio_rest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    DroppingFront,
    FakeTwilioRest,
)
from tests.telephony.servers import serving

NOW = datetime(2026, 3, 2, 15, tzinfo=UTC)  # 10:00 in New York, 23:00 in Taipei
AGENT = Agent("desk-1", "+15005550010", ("en",))


@dataclass
class UpdateRecordingFake(FakeTwilioRest):
    """The local Twilio fake, also keeping the form of every call update."""

    updates: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    async def update(self, request: Request):  # type: ignore[no-untyped-def]
        form = dict(parse_qsl((await request.body()).decode()))
        self.updates.append((request.path_params["sid"], form))
        return await super().update(request)


def with_twilio(scenario):  # type: ignore[no-untyped-def]
    async def run():  # type: ignore[no-untyped-def]
        fake = UpdateRecordingFake()
        async with serving(fake.app()) as url:
            rest = TwilioRestClient(TwilioCredentials(ACCOUNT_SID, AUTH_TOKEN), base_url=url)
            call_sid = await rest.create_call(to="+15005550006", from_="+15005550009", twiml="<x/>")
            await fake.placed.get()
            fake.calls[call_sid].status = "in-progress"
            transfer = TwilioTransfer(rest, from_number="+15005550009", base_url=url)
            try:
                await scenario(fake, transfer, call_sid)
            finally:
                await rest.aclose()

    asyncio.run(asyncio.wait_for(run(), 10))


def test_a_cold_transfer_dials_the_agent_from_the_live_call() -> None:
    async def scenario(fake, transfer, call_sid):  # type: ignore[no-untyped-def]
        await transfer.cold(call_sid, AGENT)
        assert fake.updates == [
            (call_sid, {"Twiml": "<Response><Dial><Number>+15005550010</Number></Dial></Response>"})
        ]

    with_twilio(scenario)


def test_a_warm_transfer_briefs_the_agent_then_joins_the_borrower() -> None:
    async def scenario(fake, transfer, call_sid):  # type: ignore[no-untyped-def]
        await transfer.warm(
            call_sid, AGENT, "Borrower reports job loss & asks for a plan.", "en-US"
        )
        agent_leg = await fake.placed.get()
        assert agent_leg.field("To") == "+15005550010"
        twiml = agent_leg.field("Twiml")
        assert (
            '<Say language="en-US">Borrower reports job loss &amp; asks for a plan.</Say>' in twiml
        )
        assert (
            f'startConferenceOnEnter="true" endConferenceOnExit="true">fairdial-{call_sid}' in twiml
        )
        [(sid, form)] = fake.updates
        assert sid == call_sid
        assert "<Say" not in form["Twiml"]
        assert (
            f'startConferenceOnEnter="false" endConferenceOnExit="true">fairdial-{call_sid}'
            in form["Twiml"]
        )

    with_twilio(scenario)


def test_a_call_that_ended_before_its_transfer_is_no_failure() -> None:
    async def scenario(fake, transfer, call_sid):  # type: ignore[no-untyped-def]
        fake.calls[call_sid].status = "completed"
        assert await transfer.cold(call_sid, AGENT) is False

        desk = TransferDesk(AgentPool((AGENT,)), transfer, warm=False)
        handed = await desk.hand_off(
            call_sid, language="en-US", summary="s", reason="request_human", now=NOW
        )
        assert (handed.kind, handed.agent) == ("ended", AGENT)

    with_twilio(scenario)


def test_a_warm_transfer_to_a_borrower_who_hung_up_withdraws_the_agent_call() -> None:
    async def scenario(fake, transfer, call_sid):  # type: ignore[no-untyped-def]
        fake.calls[call_sid].status = "completed"
        assert await transfer.warm(call_sid, AGENT, "summary", "en-US") is False

        agent_leg = await fake.placed.get()
        assert agent_leg.field("To") == AGENT.target
        assert [sid for sid, _ in fake.updates] == [call_sid, agent_leg.sid]
        assert fake.updates[1][1] == {"Status": "completed"}
        assert fake.calls[agent_leg.sid].status == "completed"

    with_twilio(scenario)


def test_a_refused_warm_transfer_withdraws_the_agent_call() -> None:
    async def scenario(fake, transfer, call_sid):  # type: ignore[no-untyped-def]
        with pytest.raises(TransferError, match=r"refused the transfer.*code 20404"):
            await transfer.warm("CA-no-such-call", AGENT, "summary", "en-US")

        agent_leg = await fake.placed.get()
        assert fake.updates[-1] == (agent_leg.sid, {"Status": "completed"})

    with_twilio(scenario)


@dataclass
class LookupFailingFake(UpdateRecordingFake):
    """Places the call, answers 500, and cannot list calls: the placement stays unknown."""

    async def list_calls(self, request: Request):  # type: ignore[no-untyped-def]
        return JSONResponse({"code": 20500, "message": "Internal Server Error"}, status_code=500)


def test_an_agent_call_of_unknown_placement_is_not_placed_again() -> None:
    async def scenario() -> None:
        fake = LookupFailingFake()
        async with serving(fake.app()) as url:
            rest = TwilioRestClient(TwilioCredentials(ACCOUNT_SID, AUTH_TOKEN), base_url=url)
            transfer = TwilioTransfer(rest, from_number="+15005550009", base_url=url)
            fake.fail_after_placing = 1
            try:
                with pytest.raises(TransferError, match="may have been placed"):
                    await transfer.warm("CA-borrower", AGENT, "summary", "en-US")
            finally:
                await rest.aclose()

        assert [call.field("To") for call in fake.calls.values()] == [AGENT.target]
        assert fake.updates == []  # the borrower stays with the bot

    asyncio.run(asyncio.wait_for(scenario(), 10))


def test_a_transfer_whose_answer_is_lost_is_not_sent_again() -> None:
    async def scenario() -> None:
        fake = UpdateRecordingFake()
        async with serving(fake.app()) as url:
            front = DroppingFront(url, ["drop_after"])
            async with front.serving() as front_url:
                rest = TwilioRestClient(TwilioCredentials(ACCOUNT_SID, AUTH_TOKEN), base_url=url)
                call_sid = await rest.create_call(to="+15005550006", from_="+1", twiml="<x/>")
                fake.calls[call_sid].status = "in-progress"
                transfer = TwilioTransfer(rest, from_number="+15005550009", base_url=front_url)
                try:
                    with pytest.raises(TransferError, match="may have happened"):
                        await transfer.cold(call_sid, AGENT)
                finally:
                    await rest.aclose()

        assert len(fake.updates) == 1 and len(front.requests) == 1

    asyncio.run(asyncio.wait_for(scenario(), 10))


def test_sip_uses_refer_and_an_agent_not_reached_is_a_failed_transfer() -> None:
    class Referrer:
        def __init__(self) -> None:
            self.referred: list[tuple[str, str]] = []

        async def transfer(self, call_id: str, agent_uri: str) -> bool:
            self.referred.append((call_id, agent_uri))
            return call_id == "c1"  # the others' agents never answer

        def is_up(self, call_id: str) -> bool:
            return call_id == "c2"  # c3's borrower has hung up

    referrer = Referrer()
    sip = SipTransfer(referrer)
    assert asyncio.run(sip.cold("c1", Agent("a", "sip:desk@pbx.example"))) is True
    # Still talking to the bot: the desk must hear of the failure and book a callback.
    with pytest.raises(TransferError, match="agent was not reached"):
        asyncio.run(sip.cold("c2", AGENT))
    assert asyncio.run(sip.cold("c3", AGENT)) is False  # nobody left to move
    assert referrer.referred == [
        ("c1", "sip:desk@pbx.example"),
        ("c2", "tel:+15005550010"),
        ("c3", "tel:+15005550010"),
    ]
    with pytest.raises(TransferError, match="without a voice"):
        asyncio.run(sip.warm("c1", AGENT, "summary", "en"))
    assert dial_twiml("sip:desk@pbx.example") == (
        "<Response><Dial><Sip>sip:desk@pbx.example</Sip></Dial></Response>"
    )


def test_agent_availability_from_configuration() -> None:
    pool = AgentPool.from_config(
        [
            {
                "name": "tw",
                "target": "+886200000000",
                "languages": ["zh"],
                "hours": "09:00-18:00",
                "timezone": "Asia/Taipei",
            },
            {"name": "off", "target": "+15005550011", "available": False},
            {
                "name": "us",
                "target": "+15005550010",
                "languages": ["en"],
                "hours": "08:00-20:00",
                "timezone": "America/New_York",
            },
        ],
        callback_after_min=90,
    )
    assert pool.agents[0].hours == (time(9), time(18))
    assert pool.pick(NOW, "en-US").name == "us"
    assert pool.pick(NOW, "zh-TW") is None  # 23:00 in Taipei
    assert pool.pick(NOW - timedelta(hours=12), "zh-TW").name == "tw"
    assert pool.callback_after == timedelta(minutes=90)


def test_no_agent_free_books_a_callback_escalation(tmp_path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with store.transaction() as session:
        borrower = Borrower(ref="b", language="zh-TW", created_at=NOW, updated_at=NOW)
        session.add(borrower)
        session.flush()
        account = Account(
            ref="a",
            borrower_id=borrower.id,
            source="t",
            product="card",
            currency="TWD",
            balance_minor=1,
            principal_minor=1,
            dpd=5,
            jurisdiction="TW",
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(account)
        session.flush()
        account_id = account.id

    class NeverCalled:
        async def cold(self, call_id, agent):  # type: ignore[no-untyped-def]
            raise AssertionError

        warm = cold

    desk = TransferDesk(AgentPool((), timedelta(hours=2)), NeverCalled(), store)  # type: ignore[arg-type]
    handed = asyncio.run(
        desk.hand_off(
            "CA1",
            language="zh-TW",
            summary="要求真人",
            reason="request_human",
            now=NOW,
            account_id=account_id,
        )
    )
    assert handed.kind == "callback" and handed.due_at == NOW + timedelta(hours=2)
    with store.session() as session:
        row = session.get(Escalation, handed.escalation_id)
        # Open, so no campaign calls the account before the person does; the due time says when.
        assert (row.status, row.reason, row.summary) == ("open", "request_human", "要求真人")
        assert row.due_at == NOW + timedelta(hours=2)
    store.close()


def test_agent_languages_match_by_tag_ignoring_case() -> None:
    pool = AgentPool(
        (
            Agent("taipei", "+886200000001", ("ZH-tw",)),
            Agent("any-chinese", "+886200000002", ("zh",)),
            Agent("us", "+15005550010", ("en-us",)),
        )
    )
    assert pool.pick(NOW, "zh-TW").name == "taipei"
    assert pool.pick(NOW, "zh-CN").name == "any-chinese"  # zh-TW covers only zh-TW
    assert pool.pick(NOW, "en-US").name == "us"
    assert pool.pick(NOW, "en") is None  # en-US does not cover every English
    assert Agent("zhuang", "+15005550012", ("zh",)).free_at(NOW, "zha") is False
