"""Property: the next allowed instant is allowed, and no sampled instant before it is."""

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_helpers import history

from fairdial.policy import Action, Event, decide, load_pack

START = datetime.fromisoformat("2026-03-01T00:00:00+00:00")
RESULTS = ["no_answer", "busy", "voicemail", "message_left", "conversation", "inbound"]
PACKS = ["US", "US-MA", "US-WA", "TW"]
ZONES = ["America/New_York", "America/Los_Angeles", "Pacific/Honolulu", "Asia/Taipei"]

events = st.lists(
    st.builds(
        lambda minutes, result, debts: Event(
            "attempt",
            START + timedelta(minutes=minutes),
            contact_point="m1",
            debts=tuple(debts),
            result=result,
        ),
        st.integers(0, 60 * 24 * 20),
        st.sampled_from(RESULTS),
        st.lists(st.sampled_from(["D1", "D2"]), min_size=1, max_size=2, unique=True),
    ),
    max_size=25,
)
inconvenient = st.lists(
    st.builds(
        lambda day, start, length: Event(
            "inconvenient",
            START,
            days=(day,),
            from_time=(datetime(2026, 1, 1) + timedelta(minutes=start)).time(),
            to_time=(datetime(2026, 1, 1) + timedelta(minutes=start + length)).time(),
        ),
        st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
        st.integers(0, 60 * 20),
        st.integers(15, 60 * 3),
    ),
    max_size=2,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pack_id=st.sampled_from(PACKS),
    zones=st.lists(st.sampled_from(ZONES), min_size=1, max_size=2, unique=True),
    attempts=events,
    spans=inconvenient,
    offset=st.integers(60 * 24 * 20, 60 * 24 * 22),
    debts=st.lists(st.sampled_from(["D1", "D2"]), min_size=1, max_size=2, unique=True),
    samples=st.lists(st.floats(0, 1), min_size=1, max_size=8),
)
def test_next_allowed_at_is_the_first_allowed_instant(
    pack_id: str,
    zones: list[str],
    attempts: list[Event],
    spans: list[Event],
    offset: int,
    debts: list[str],
    samples: list[float],
) -> None:
    pack = load_pack(pack_id)
    known = history(*attempts, *spans, zones=tuple(zones))
    action = Action(contact_point="m1", debts=tuple(debts))
    at = START + timedelta(minutes=offset)

    decision = decide(pack, known, action, at)
    if decision.next_allowed_at is None:
        assert not decision.allowed
        return

    assert decide(pack, known, action, decision.next_allowed_at).allowed
    gap = decision.next_allowed_at - at
    for fraction in samples:
        instant = at + gap * fraction
        if instant < decision.next_allowed_at:
            assert not decide(pack, known, action, instant).allowed
    if gap > timedelta(seconds=1):
        assert not decide(
            pack, known, action, decision.next_allowed_at - timedelta(seconds=1)
        ).allowed
