"""The gate's caches change how fast a decision is taken, never what it says.

Facts are built once per history and reused across decision times, cap counts and zone lookups
are remembered, and a day's plan asks at most two questions. Each test compares those paths with
the plain one: a fresh history, an uncached wall-clock reading, two calls to `decide`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairdial.campaign.planning import plan_day
from fairdial.policy import (
    Action,
    ContactPointInfo,
    Decision,
    Event,
    History,
    PolicyInputError,
    decide,
    load_pack,
)
from fairdial.policy.zones import day_start, local_instant

START = datetime(2026, 3, 1, tzinfo=UTC)  # the US clocks change on 8 March, Taiwan's never do
PACKS = ["US", "US-MA", "US-WA", "US-NY", "TW", "CN", "HK"]
ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Phoenix",
    "Pacific/Honolulu",
    "Asia/Taipei",
]
RESULTS = [
    "no_answer",
    "busy",
    "not_in_service",
    "voicemail",
    "message_left",
    "answered_dropped",
    "conversation",
    "inbound",
]
HOLDS = ["cease", "attorney", "dispute", "bankruptcy", "do_not_call"]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

minutes = st.integers(0, 60 * 24 * 16)
debts = st.lists(st.sampled_from(["D1", "D2"]), max_size=2, unique=True).map(tuple)
contact_points = st.sampled_from(["m1", "h1"])


def _at(offset: int) -> datetime:
    return START + timedelta(minutes=offset)


def _clock(offset: int) -> time:
    return (datetime(2026, 1, 1) + timedelta(minutes=offset)).time()


def attempts(days: int) -> st.SearchStrategy[Event]:
    return st.builds(
        lambda offset, point, about, result, third: Event(
            "attempt",
            _at(offset),
            contact_point=point,
            debts=about,
            result=result,
            to="third_party" if third else "borrower",
        ),
        st.integers(0, 60 * 24 * days),
        contact_points,
        debts,
        st.sampled_from(RESULTS),
        st.integers(0, 9).map(lambda draw: draw == 0),  # one call in ten is to a third party
    )


consents = st.builds(
    lambda offset, about, day: Event(
        "consent",
        _at(offset),
        debts=about,
        for_date=None if day is None else (START + timedelta(days=day)).date(),
    ),
    minutes,
    debts,
    st.none() | st.integers(0, 18),
)
others = st.one_of(
    consents,
    st.builds(
        lambda offset, point: Event("consent_revoked", _at(offset), contact_point=point),
        minutes,
        st.none() | contact_points,
    ),
    st.builds(
        lambda offset, point: Event("misdirected", _at(offset), contact_point=point),
        minutes,
        contact_points,
    ),
    st.builds(
        lambda offset, kind: Event("hold", _at(offset), hold=kind), minutes, st.sampled_from(HOLDS)
    ),
    st.builds(
        lambda offset, kind: Event("hold_released", _at(offset), hold=kind),
        minutes,
        st.sampled_from(HOLDS),
    ),
    st.builds(
        lambda offset, days, start, length, place, through: Event(
            "inconvenient",
            _at(offset),
            days=days,
            from_time=None if start is None else _clock(start),
            to_time=None if start is None else _clock(start + length),
            place=place,
            through=None if through is None else (START + timedelta(days=through)).date(),
        ),
        minutes,
        st.lists(st.sampled_from(WEEKDAYS), max_size=2, unique=True).map(tuple),
        st.none() | st.integers(0, 60 * 23),
        st.integers(15, 60 * 10),
        st.none() | st.sampled_from(["home", "work"]),
        st.none() | st.integers(0, 18),
    ),
)


Case = tuple[str, list[Event], dict[str, ContactPointInfo], tuple[str, ...], Action]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zones = tuple(draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=2, unique=True)))
    points = {
        "m1": ContactPointInfo("m1", kind="mobile", timezones=zones, ai_voice_consent=True),
        "h1": ContactPointInfo(
            "h1",
            kind="landline",
            timezones=tuple(draw(st.lists(st.sampled_from(ZONES), max_size=1))),
            place="home",
            ai_voice_consent=draw(st.booleans()),
        ),
    }
    if draw(st.booleans()):
        del points["h1"]
    # Calls packed into a few days reach the caps; spread over two weeks they mostly do not.
    span = draw(st.sampled_from([1, 3, 16]))
    calls = draw(st.lists(attempts(span), max_size=20))
    copies = draw(st.sampled_from([1, 1, 4]))  # redialling a few minutes apart
    calls = [
        replace(call, at=call.at + timedelta(minutes=7 * n))
        for call in calls
        for n in range(copies)
    ]
    events = calls + draw(st.lists(others, max_size=3))
    action = Action(
        contact_point=draw(st.sampled_from(sorted(points))),
        debts=draw(st.lists(st.sampled_from(["D1", "D2"]), min_size=1, max_size=2, unique=True)),
        voice=draw(st.sampled_from(["ai", "human"])),
        to=draw(st.sampled_from(["borrower", "borrower", "third_party"])),
        override=draw(st.sampled_from([None, None, "consumer_consent", "consumer_request"])),
    )
    return draw(st.sampled_from(PACKS)), events, points, zones, action


def _history(
    events: list[Event], points: dict[str, ContactPointInfo], zones: tuple[str, ...]
) -> History:
    return History(contact_points=dict(points), borrower_timezones=zones, events=list(events))


def _outcome(pack_id: str, history: History, action: Action, at: datetime) -> object:
    try:
        return _exact(decide(load_pack(pack_id), history, action, at))
    except PolicyInputError as exc:
        return str(exc)


def _exact(decision: Decision) -> tuple[object, ...]:
    # repr keeps the zone and fold of the next allowed instant, which == would not compare.
    return (
        decision.allowed,
        decision.reasons,
        decision.flags,
        repr(decision.next_allowed_at),
        decision.sources,
        decision.pack_id,
        decision.pack_version,
        repr(decision.at),
    )


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), offsets=st.lists(st.integers(0, 60 * 24 * 19), min_size=2, max_size=6))
def test_a_history_asked_many_times_answers_as_a_fresh_one(case: Case, offsets: list[int]) -> None:
    pack_id, events, points, zones, action = case
    reused = _history(events, points, zones)
    # Decision times fall before, between and after the events, so some see only part of them;
    # the fresh history holds just the events up to the decision time.
    for offset in offsets:
        instant = _at(offset)
        known = [event for event in events if event.at <= instant]
        fresh = _history(known, points, zones)
        outcome = _outcome(pack_id, reused, action, instant)
        assert outcome == _outcome(pack_id, fresh, action, instant)
        if isinstance(outcome, tuple) and isinstance(outcome[1], tuple):
            _check_caps(pack_id, known, action, instant, zones[0], reasons=outcome[1])


def _check_caps(
    pack_id: str,
    known: list[Event],
    action: Action,
    at: datetime,
    zone: str,
    reasons: tuple[str, ...],
) -> None:
    """Each cap blocks exactly when a plain count of the calls it covers reaches its limit.

    Only checked for calls to the borrower, where no consent may exclude calls from the count
    and no override lifts the cap.
    """
    pack = load_pack(pack_id)
    if action.to != "borrower":
        return
    consented = any(event.kind == "consent" for event in known)
    lifted = pack.overrides[action.override].lifts if action.override in pack.overrides else set()
    misdirected = {event.contact_point for event in known if event.kind == "misdirected"}
    tz = ZoneInfo(zone)
    today = at.astimezone(tz).date()
    # Two caps may share a code (a state's borrower cap beside the federal per-debt one).
    over: dict[str, bool] = {}
    unknown: set[str] = set()
    for cap in pack.caps:
        if consented and cap.consent_excludes:
            unknown.add(cap.code)
            continue
        first_day = today - timedelta(days=cap.days - 1)
        counted = [
            event
            for event in known
            if event.kind == "attempt"
            and event.to == "borrower"
            and event.contact_point not in misdirected
            and event.result in cap.counts
            and event.at.astimezone(tz).date() >= first_day
        ]
        if cap.scope == "borrower":
            reached = len(counted) >= cap.limit
        else:
            reached = any(
                sum(debt in event.debts for event in counted) >= cap.limit for debt in action.debts
            )
        over[cap.code] = over.get(cap.code, False) or reached
    for code, reached in over.items():
        if code not in lifted and (reached or code not in unknown):
            assert (code in reasons) == reached


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), day=st.integers(14, 18), zone_index=st.integers(0, 1))
def test_a_day_plan_is_the_decision_at_midnight_or_else_at_noon(
    case: Case,
    day: int,
    zone_index: int,
) -> None:
    pack_id, events, points, zones, action = case
    local = ZoneInfo(zones[min(zone_index, len(zones) - 1)])
    midnight = datetime.combine((START + timedelta(days=day)).date(), time(0), local)
    pack = load_pack(pack_id)

    try:
        plan = plan_day(pack, _history(events, points, zones), action, midnight)
    except PolicyInputError:
        return

    first = decide(pack, _history(events, points, zones), action, midnight)
    ready = midnight if first.allowed else first.next_allowed_at
    if ready is not None and ready < midnight + timedelta(days=1):
        assert (repr(plan.ready_at), _exact(plan.decision)) == (repr(ready), _exact(first))
        return
    noon = decide(pack, _history(events, points, zones), action, midnight + timedelta(hours=12))
    assert plan.ready_at is None
    assert _exact(plan.decision) == _exact(noon)


def _reading(day: date, clock: time, tz: ZoneInfo) -> datetime:
    first = datetime.combine(day, clock, tzinfo=tz)
    return min(first, first.replace(fold=1), key=lambda value: value.timestamp())


def test_remembered_wall_clock_readings_keep_their_fold_and_zone():
    new_york = ZoneInfo("America/New_York")
    fall_back, spring_forward = date(2026, 11, 1), date(2026, 3, 8)
    for day in (fall_back, spring_forward):
        for clock in (time(1, 30), time(1, 30, fold=1), time(2, 30), time(2, 30, fold=1)):
            got = local_instant(day, clock, new_york)
            assert (got, got.fold, got.tzinfo) == (
                _reading(day, clock, new_york),
                _reading(day, clock, new_york).fold,
                new_york,
            )
    assert day_start(spring_forward, new_york) == _reading(spring_forward, time(0), new_york)


def test_each_debt_keeps_its_own_count_when_the_counts_are_remembered():
    # Seven calls about D2 in a week reach the federal cap for D2 alone; D1 is asked about first,
    # so a count remembered for one debt must not stand in for the other.
    calls = [
        Event("attempt", _at(60 * 24 * day + 60 * 14), contact_point="m1", debts=("D2",),
              result="no_answer")
        for day in range(7)
    ]  # fmt: skip
    points = {"m1": ContactPointInfo("m1", kind="mobile", timezones=("America/Chicago",))}
    known = _history(calls, points, ("America/Chicago",))
    pack = load_pack("US")
    evening = _at(60 * 24 * 6 + 60 * 20)

    both = decide(pack, known, Action("m1", ("D1", "D2"), voice="human"), evening)
    only_d1 = decide(pack, known, Action("m1", ("D1",), voice="human"), evening)

    assert both.reasons == ("attempt_cap",)
    # The first call leaves the seven days at midnight, the window opens at eight.
    assert both.next_allowed_at == datetime(2026, 3, 8, 8, tzinfo=ZoneInfo("America/Chicago"))
    assert only_d1.allowed
