"""Turns stored records into the contact history a policy pack judges, and keeps it current."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from fairdial.policy import ContactPointInfo, Event, History
from fairdial.store.models import CallAttempt, ContactPoint, Hold


def point_key(contact_point_id: int) -> str:
    return f"cp{contact_point_id}"


def history_for(
    account_ref: str,
    points: Iterable[ContactPoint],
    attempts: Iterable[CallAttempt],
    holds: Iterable[Hold],
) -> History:
    points = list(points)
    infos = {
        point_key(p.id): ContactPointInfo(
            id=point_key(p.id),
            kind=p.kind,
            timezones=tuple(p.timezones),
            place=p.place,
            ai_voice_consent=p.ai_voice_consent,
        )
        for p in points
    }
    events: list[Event] = []
    for attempt in attempts:
        if attempt.result is None or attempt.started_at is None:
            continue
        events.append(
            attempt_event(account_ref, attempt.contact_point_id, attempt.started_at, attempt.result)
        )
        if attempt.disposition == "wrong_number" and attempt.contact_point_id is not None:
            # From this call on the number is known not to be the borrower's.
            ended = attempt.ended_at or attempt.started_at
            events.append(misdirected_event(attempt.contact_point_id, ended))
    for hold in holds:
        events.append(Event(kind="hold", at=hold.placed_at, hold=hold.kind))
        if hold.released_at is not None:
            events.append(Event(kind="hold_released", at=hold.released_at, hold=hold.kind))
    borrower_zones = tuple(sorted({zone for p in points for zone in p.timezones}))
    return History(contact_points=infos, borrower_timezones=borrower_zones, events=events)


def attempt_event(
    account_ref: str, contact_point_id: int | None, at: datetime, result: str
) -> Event:
    return Event(
        kind="attempt",
        at=at,
        contact_point=point_key(contact_point_id) if contact_point_id else None,
        debts=(account_ref,),
        result=result,
    )


def hold_event(kind: str, at: datetime) -> Event:
    return Event(kind="hold", at=at, hold=kind)


def misdirected_event(contact_point_id: int, at: datetime) -> Event:
    return Event(kind="misdirected", at=at, contact_point=point_key(contact_point_id))
