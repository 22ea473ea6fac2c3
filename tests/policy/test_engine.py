from datetime import date, timedelta

import pytest
from policy_helpers import at, attempt, call, history

from fairdial.policy import (
    Action,
    ContactPointInfo,
    Event,
    History,
    PolicyInputError,
    decide,
    load_pack,
    next_convenient,
)

US = load_pack("US")


def test_inside_the_window_with_no_history_is_allowed() -> None:
    decision = decide(US, history(), call(), at("2026-04-07T10:00:00-04:00"))

    assert decision.allowed
    assert decision.reasons == ()
    assert decision.next_allowed_at == at("2026-04-07T10:00:00-04:00")
    assert decision.pack_id == "US" and decision.pack_version == US.version


@pytest.mark.parametrize(
    ("when", "allowed"),
    [("07:59:59", False), ("08:00:00", True), ("20:59:59", True), ("21:00:00", False)],
)
def test_window_edges(when: str, allowed: bool) -> None:
    decision = decide(US, history(), call(), at(f"2026-04-07T{when}-04:00"))

    assert decision.allowed is allowed


def test_window_applies_in_every_candidate_zone() -> None:
    both = history(zones=("America/New_York", "Pacific/Honolulu"))

    decision = decide(US, both, call(), at("2026-04-07T12:00:00-04:00"))

    # Noon in New York is 06:00 in Honolulu; 08:00 there is 14:00 in New York.
    assert decision.reasons == ("outside_hours",)
    assert decision.next_allowed_at == at("2026-04-07T14:00:00-04:00")


def test_window_across_spring_forward() -> None:
    decision = decide(US, history(), call(), at("2026-03-08T01:30:00-05:00"))

    assert decision.next_allowed_at == at("2026-03-08T08:00:00-04:00")


def test_busy_inbound_and_third_party_attempts_do_not_count() -> None:
    events = [attempt(f"2026-04-06T{9 + i:02d}:00:00-04:00") for i in range(6)]
    events += [
        attempt("2026-04-06T16:00:00-04:00", "busy"),
        attempt("2026-04-06T16:30:00-04:00", "not_in_service"),
        attempt("2026-04-06T17:00:00-04:00", "no_answer", to="third_party"),
    ]

    decision = decide(US, history(*events), call(), at("2026-04-07T10:00:00-04:00"))

    assert decision.allowed


def test_attempts_to_a_misdirected_number_do_not_count() -> None:
    events = [attempt(f"2026-04-06T{9 + i:02d}:00:00-04:00") for i in range(7)]
    blocked = decide(US, history(*events), call(), at("2026-04-07T10:00:00-04:00"))
    events.append(Event("misdirected", at("2026-04-06T20:00:00-04:00"), contact_point="m1"))

    cleared = decide(US, history(*events), call(), at("2026-04-07T10:00:00-04:00"))

    assert blocked.reasons == ("attempt_cap",)
    assert cleared.allowed


def test_conversation_day_is_day_one_of_the_quiet_period() -> None:
    talked = history(attempt("2026-04-07T20:00:00-04:00", "conversation"))

    day_seven = decide(US, talked, call(), at("2026-04-13T20:59:00-04:00"))
    day_eight = decide(US, talked, call(), at("2026-04-14T08:00:00-04:00"))
    other_debt = decide(US, talked, call(("D9",)), at("2026-04-08T10:00:00-04:00"))

    assert day_seven.reasons == ("conversation_quiet_period",)
    assert day_seven.next_allowed_at == at("2026-04-14T08:00:00-04:00")
    assert day_eight.allowed
    assert other_debt.allowed


def test_washington_allows_three_calls_a_week_per_borrower() -> None:
    events = [attempt(f"2026-04-0{d}T10:00:00-07:00", debts=(f"D{d}",)) for d in (6, 7, 8)]
    west = history(*events, zones=("America/Los_Angeles",))

    decision = decide(load_pack("US-WA"), west, call(("D99",)), at("2026-04-09T10:00:00-07:00"))

    assert decision.reasons == ("attempt_cap",)
    assert decision.next_allowed_at == at("2026-04-13T08:00:00-07:00")


@pytest.mark.parametrize(
    "kind",
    ["cease", "attorney", "dispute", "bankruptcy", "deceased", "medium_refused", "do_not_call"],
)
def test_every_hold_blocks_until_released(kind: str) -> None:
    held = Event("hold", at("2026-04-01T10:00:00-04:00"), hold=kind)
    released = Event("hold_released", at("2026-04-05T10:00:00-04:00"), hold=kind)

    blocked = decide(US, history(held), call(), at("2026-04-07T10:00:00-04:00"))
    free = decide(US, history(held, released), call(), at("2026-04-07T10:00:00-04:00"))

    assert blocked.reasons == (kind,)
    assert blocked.next_allowed_at is None
    assert free.allowed


def test_hold_placed_after_the_decision_time_is_not_seen() -> None:
    later = Event("hold", at("2026-04-08T10:00:00-04:00"), hold="cease")

    assert decide(US, history(later), call(), at("2026-04-07T10:00:00-04:00")).allowed


def test_ai_voice_needs_consent_on_mobiles_only() -> None:
    when = at("2026-04-07T10:00:00-04:00")

    mobile = decide(US, history(consent=False), call(), when)
    human = decide(US, history(consent=False), call(voice="human"), when)
    landline = decide(US, history(consent=False, kind="landline"), call(), when)

    assert mobile.reasons == ("no_ai_voice_consent",)
    assert mobile.next_allowed_at is None
    assert human.allowed
    assert landline.allowed


def test_revoked_consent_stops_ai_voice() -> None:
    revoked = Event("consent_revoked", at("2026-04-06T10:00:00-04:00"))

    decision = decide(US, history(revoked), call(), at("2026-04-07T10:00:00-04:00"))

    assert decision.reasons == ("no_ai_voice_consent",)


def test_inconvenient_span_across_midnight() -> None:
    nights = Event(
        "inconvenient",
        at("2026-04-01T10:00:00-04:00"),
        days=("fri",),
        from_time=at("2026-01-01T20:00:00").time(),
        to_time=at("2026-01-01T09:00:00").time(),
    )

    saturday_morning = decide(US, history(nights), call(), at("2026-04-11T08:30:00-04:00"))
    friday_noon = decide(US, history(nights), call(), at("2026-04-10T12:00:00-04:00"))

    assert saturday_morning.reasons == ("inconvenient_time",)
    assert saturday_morning.next_allowed_at == at("2026-04-11T09:00:00-04:00")
    assert friday_noon.allowed


def test_override_lifts_only_what_the_pack_allows_and_is_flagged() -> None:
    late = at("2026-04-07T21:30:00-04:00")
    held = history(Event("hold", at("2026-04-01T10:00:00-04:00"), hold="attorney"))

    lifted = decide(US, history(), call(override="consumer_consent"), late)
    still_held = decide(US, held, call(override="consumer_consent"), late)

    assert lifted.allowed and lifted.flags == ("override_used",)
    assert still_held.reasons == ("attorney",)


def test_third_party_may_be_reached_once() -> None:
    reached = attempt("2026-04-06T10:00:00-04:00", "conversation", to="third_party")
    to_third = Action(contact_point="m1", debts=(), to="third_party", voice="human")

    first = decide(US, history(), to_third, at("2026-04-07T10:00:00-04:00"))
    second = decide(US, history(reached), to_third, at("2026-04-07T10:00:00-04:00"))

    assert first.allowed
    assert second.reasons == ("third_party_limit",)
    # A location call to a third party does not start a quiet period for the borrower's debt.
    assert decide(US, history(reached), call(), at("2026-04-07T10:00:00-04:00")).allowed


def test_two_voicemails_in_five_minutes_raise_the_harassment_flag() -> None:
    one = attempt("2026-04-07T10:00:00-04:00", "voicemail")
    two = attempt("2026-04-07T10:03:00-04:00", "message_left")

    decision = decide(US, history(one, two), call(), at("2026-04-07T15:00:00-04:00"))
    calm = decide(US, history(one), call(), at("2026-04-07T15:00:00-04:00"))

    assert decision.allowed and decision.flags == ("harassment_pattern",)
    assert calm.flags == ()


def test_history_appends_out_of_order_and_refreshes_its_cache() -> None:
    talked = history()
    when = at("2026-04-08T10:00:00-04:00")
    assert decide(US, talked, call(), when).allowed

    talked.append(attempt("2026-04-07T10:00:00-04:00", "conversation"))
    talked.append(attempt("2026-04-06T10:00:00-04:00", "no_answer"))

    assert [e.result for e in talked.events] == ["no_answer", "conversation"]
    assert decide(US, talked, call(), when).reasons == ("conversation_quiet_period",)


def test_naive_time_and_unknown_contact_point_are_refused() -> None:
    with pytest.raises(PolicyInputError):
        decide(US, history(), call(), at("2026-04-07T10:00:00"))
    with pytest.raises(PolicyInputError):
        decide(
            US,
            history(),
            Action(contact_point="nope", debts=("D1",)),
            at("2026-04-07T10:00:00-04:00"),
        )


def test_next_allowed_instant_is_allowed_and_the_minute_before_is_not() -> None:
    events = [attempt(f"2026-04-0{d}T10:00:00-04:00") for d in (6, 6, 7, 7, 8, 8, 9)]
    decision = decide(US, history(*events), call(), at("2026-04-10T10:00:00-04:00"))
    assert decision.next_allowed_at is not None

    again = decide(US, history(*events), call(), decision.next_allowed_at)
    before = decide(US, history(*events), call(), decision.next_allowed_at - timedelta(minutes=1))

    assert again.allowed
    assert not before.allowed


def consent(when: str, debts: tuple[str, ...] = ("D1",)) -> Event:
    return Event("consent", at(when), debts=debts)


def test_consent_runs_seven_calendar_days_from_the_day_it_is_received() -> None:
    # Comment 14(b)(3)(i)-3.iii: consent on Thursday June 4 stops excluding calls on June 11,
    # even before the hour it was given.
    calls = [attempt(f"2020-06-11T{h:02d}:00:00-04:00") for h in range(8, 15)]
    given = history(consent("2020-06-04T15:00:00-04:00"), *calls)
    week_before = history(
        consent("2020-06-04T15:00:00-04:00"),
        *[attempt(f"2020-06-10T{h:02d}:00:00-04:00") for h in range(8, 15)],
    )

    eighth = decide(US, given, call(), at("2020-06-11T14:30:00-04:00"))
    excluded = decide(US, week_before, call(), at("2020-06-10T14:30:00-04:00"))

    assert eighth.reasons == ("attempt_cap",)
    assert excluded.allowed


def test_a_conversation_ends_the_consent_for_the_debts_discussed_only() -> None:
    # Comment 14(b)(3)(i)-2(3): the consent expires for the particular debt talked about.
    events = [
        consent("2020-04-03T10:05:00-04:00", debts=()),
        attempt("2020-04-06T10:00:00-04:00", "conversation", debts=("D1",)),
        attempt("2020-04-06T11:00:00-04:00", "conversation", debts=("D2",)),
        attempt("2020-04-03T10:00:00-04:00", "conversation", debts=("D3",)),
    ]
    when = at("2020-04-08T10:00:00-04:00")

    d1 = decide(US, history(*events[:2]), call(("D1",)), when)
    d2 = decide(US, history(*events[:2]), call(("D2",)), when)
    d3 = decide(US, history(events[0], events[3]), call(("D3",)), when)

    assert d1.reasons == ("conversation_quiet_period",)
    assert d2.allowed
    # The conversation in which the consent was given does not end it.
    assert d3.allowed


def test_every_contact_point_zone_is_a_place_the_borrower_may_be() -> None:
    # Comment 6(b)(1)(i)-2.ii: a Mountain landline on file narrows calls to the Eastern mobile.
    mobile = ContactPointInfo("m1", "mobile", ("America/New_York",), ai_voice_consent=True)
    landline = ContactPointInfo("l1", "landline", ("America/Denver",))
    both = History(contact_points={"m1": mobile, "l1": landline})

    early = decide(US, both, call(), at("2020-04-07T09:30:00-04:00"))

    assert early.reasons == ("outside_hours",)
    assert early.next_allowed_at == at("2020-04-07T10:00:00-04:00")


def test_the_call_frequency_protects_a_third_party_too() -> None:
    # Comment 14(b)(2)(i)-1.iii allows seven unanswered location calls in seven days; an eighth
    # would exceed the frequency for that person.
    calls = [
        attempt(f"2020-10-{d:02d}T10:00:00-04:00", to="third_party", debts=()) for d in range(6, 13)
    ]
    to_third = Action(contact_point="m1", debts=(), to="third_party", voice="human")

    eighth = decide(US, history(*calls), to_third, at("2020-10-12T15:00:00-04:00"))

    assert eighth.reasons == ("attempt_cap",)
    assert eighth.next_allowed_at == at("2020-10-13T08:00:00-04:00")
    assert decide(US, history(*calls), call(), at("2020-10-12T15:00:00-04:00")).allowed


def test_an_inconvenient_place_with_a_last_day_lifts_after_it() -> None:
    not_home = Event(
        "inconvenient", at("2020-04-01T10:00:00-04:00"), place="home", through=date(2020, 4, 30)
    )
    home = history(not_home, kind="landline", place="home")

    april = decide(US, home, call(), at("2020-04-20T10:00:00-04:00"))
    may = decide(US, home, call(), at("2020-05-01T10:00:00-04:00"))

    assert april.reasons == ("inconvenient_place",)
    assert april.next_allowed_at == at("2020-05-01T08:00:00-04:00")
    assert may.allowed


def test_two_unanswered_calls_in_five_minutes_raise_the_harassment_flag() -> None:
    # Comment 14(b)(2)(i)-2.i names this pattern as one that may rebut the presumption.
    one = attempt("2026-04-07T10:00:00-04:00")
    two = attempt("2026-04-07T10:04:00-04:00")

    decision = decide(US, history(one, two), call(), at("2026-04-07T15:00:00-04:00"))

    assert decision.allowed and decision.flags == ("harassment_pattern",)


def test_a_promised_time_keeps_to_the_hours_but_not_to_caps_or_quiet_periods() -> None:
    talked = history(attempt("2026-04-07T20:30:00-04:00", "conversation"))
    evening = at("2026-04-07T20:40:00-04:00")

    assert decide(US, talked, call(), evening).reasons == ("conversation_quiet_period",)
    assert next_convenient(US, talked, call(), evening) == evening
    # A quarter past nine is outside the window: the next morning's opening instead.
    late = at("2026-04-07T21:15:00-04:00")
    assert next_convenient(US, talked, call(), late) == at("2026-04-08T08:00:00-04:00")


def test_a_promised_time_holds_in_every_zone_and_avoids_inconvenient_times() -> None:
    both = history(zones=("America/New_York", "Pacific/Honolulu"))
    nights = Event(
        "inconvenient",
        at("2026-04-01T10:00:00-04:00"),
        days=("sat",),
        from_time=at("2026-01-01T00:00:00").time(),
        to_time=at("2026-01-01T10:30:00").time(),
    )

    noon = at("2026-04-07T12:00:00-04:00")
    assert next_convenient(US, both, call(), noon) == at("2026-04-07T14:00:00-04:00")
    saturday = at("2026-04-11T08:30:00-04:00")
    assert next_convenient(US, history(nights), call(), saturday) == at(
        "2026-04-11T10:30:00-04:00"
    )
    with pytest.raises(PolicyInputError, match="UTC offset"):
        next_convenient(US, both, call(), at("2026-04-07T12:00:00"))
