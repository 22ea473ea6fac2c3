"""Property: whatever the histories, the dialler never places a call its policy pack blocks."""

import asyncio
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairdial.campaign.dialler import Dialler
from fairdial.campaign.gate import Gate
from fairdial.campaign.recorder import AttemptRecord, remember
from fairdial.campaign.settings import CampaignSettings
from fairdial.campaign.targets import Target
from fairdial.conversation.facts import AccountFacts, OfferBounds
from fairdial.policy import Action, ContactPointInfo, Event, History, decide, load_pack
from fairdial.telephony.sim import SimChannel

DAY = date(2026, 3, 9)
MARKETS = {
    "TW": (("Asia/Taipei",), "zh-TW", "TWD"),
    "CN": (("Asia/Shanghai",), "zh-CN", "CNY"),
    "US-NY": (("America/New_York",), "en-US", "USD"),
    "US-TX": (("America/Chicago", "America/Denver"), "en-US", "USD"),
    "US-MA": (("America/New_York",), "en-US", "USD"),
    "US-WA": (("America/Los_Angeles",), "en-US", "USD"),
}
RESULTS = ["no_answer", "busy", "voicemail", "message_left", "answered_dropped", "conversation"]


class MemoryRecorder:
    """Keeps records in memory, updating histories exactly as the store-backed recorder does."""

    def __init__(self) -> None:
        self.records: list[AttemptRecord] = []

    async def add(self, record: AttemptRecord) -> None:
        self.add_nowait(record)

    def add_nowait(self, record: AttemptRecord) -> None:
        remember(record)
        self.records.append(record)

    async def run(self, work):  # type: ignore[no-untyped-def]
        return work()

    async def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


past_attempt = st.tuples(
    st.integers(min_value=0, max_value=9),  # days before the campaign
    st.integers(min_value=8, max_value=20),  # local hour
    st.sampled_from(RESULTS),
)
account = st.fixed_dictionaries(
    {
        "market": st.sampled_from(sorted(MARKETS)),
        "attempts": st.lists(past_attempt, max_size=9),
        "hold": st.sampled_from([None, None, None, "cease", "dispute", "attorney"]),
        "released": st.booleans(),
        "consent": st.booleans(),
        "ai_consent": st.booleans(),
        "balance": st.integers(min_value=500, max_value=500_000),
        "dpd": st.integers(min_value=1, max_value=180),
    }
)


def _target(n: int, spec: dict) -> Target:
    zones, language, currency = MARKETS[spec["market"]]
    tz = ZoneInfo(zones[0])
    events = [
        Event(
            kind="attempt",
            at=datetime.combine(DAY - timedelta(days=days + 1), time(hour), tz),
            contact_point=f"cp{n}",
            debts=(f"acc-{n}",),
            result=result,
        )
        for days, hour, result in spec["attempts"]
    ]
    if spec["hold"]:
        placed = datetime.combine(DAY - timedelta(days=5), time(12), tz)
        events.append(Event(kind="hold", at=placed, hold=spec["hold"]))
        if spec["released"]:
            released = placed + timedelta(days=2)
            events.append(Event(kind="hold_released", at=released, hold=spec["hold"]))
    if spec["consent"]:
        asked = datetime.combine(DAY - timedelta(days=1), time(15), tz)
        events.append(Event(kind="consent", at=asked, debts=(f"acc-{n}",), for_date=DAY))
    point = ContactPointInfo(
        id=f"cp{n}", kind="mobile", timezones=zones, ai_voice_consent=spec["ai_consent"]
    )
    history = History(contact_points={point.id: point}, borrower_timezones=zones, events=events)
    facts = AccountFacts(
        account_ref=f"acc-{n}",
        borrower_name="Test Borrower",
        identity_factor="1980",
        identity_factor_kind="birth_year",
        balance_minor=spec["balance"],
        currency=currency,
        dpd=spec["dpd"],
        language=language,
        jurisdiction=spec["market"],
        company_name="Example Services",
        today=DAY,
        bounds=OfferBounds(),
    )
    return Target(
        account_id=n,
        account_ref=f"acc-{n}",
        product="credit_card",
        pack_id=spec["market"],
        priority=float(spec["balance"]),
        contact_point_id=n,
        number="+10000000000",
        facts=facts,
        attributes={},
        history=history,
    )


def _before(history: History, at: datetime) -> History:
    return History(
        contact_points=history.contact_points,
        borrower_timezones=history.borrower_timezones,
        events=[event for event in history.events if event.at < at],
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(account, min_size=1, max_size=6), seed=st.integers(0, 10_000))
def test_the_dialler_never_places_a_call_the_gate_blocks_nor_tells_others(specs, seed):
    targets = [_target(n, spec) for n, spec in enumerate(specs, start=1)]
    by_ref = {t.account_ref: t for t in targets}
    channel = SimChannel(
        facts_for=lambda ref: (by_ref[ref].facts, {}), seed=seed, keep_sessions=True
    )
    recorder = MemoryRecorder()
    dialler = Dialler(channel, Gate(), recorder, CampaignSettings(lines=3))

    for offset in range(3):
        day = DAY + timedelta(days=offset)
        for target in targets:
            target.facts = replace(target.facts, today=day)
        asyncio.run(dialler.run_day(day, targets))

    for record in recorder.records:
        target = record.target
        pack = load_pack(target.pack_id)
        action = Action(contact_point=target.contact_point_key, debts=(target.account_ref,))
        if record.started_at is None:
            assert not record.decision.allowed
            continue
        again = decide(pack, _before(target.history, record.started_at), action, record.started_at)
        assert again.allowed, (target.pack_id, record.started_at, again.reasons)

    # Nobody but the verified debtor heard anything about a debt: not a relative, a stranger,
    # nor a voicemail box.
    assert not [s for s in channel.sessions.values() if s.disclosed_to_non_debtor]
