"""Small builders so each test reads as the situation it checks."""

from __future__ import annotations

from datetime import datetime

from fairdial.policy import Action, ContactPointInfo, Event, History

NY = "America/New_York"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def history(
    *events: Event,
    kind: str = "mobile",
    place: str | None = None,
    consent: bool = True,
    zones: tuple[str, ...] = (NY,),
) -> History:
    mobile = ContactPointInfo(
        "m1", kind=kind, timezones=zones, place=place, ai_voice_consent=consent
    )
    return History(contact_points={"m1": mobile}, borrower_timezones=zones, events=list(events))


def attempt(
    when: str, result: str = "no_answer", debts: tuple[str, ...] = ("D1",), to: str = "borrower"
) -> Event:
    return Event("attempt", at(when), contact_point="m1", debts=debts, result=result, to=to)


def call(debts: tuple[str, ...] = ("D1",), **kwargs: object) -> Action:
    return Action(contact_point="m1", debts=debts, **kwargs)  # type: ignore[arg-type]
