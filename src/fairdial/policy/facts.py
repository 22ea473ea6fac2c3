"""One pass over a borrower's events, turned into the indexes the decision rules read.

Built once per (history, decision time, frequency zone) and reused while the engine searches
for the next allowed instant, because no event can happen between a decision and that search.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fairdial.policy.history import Event, History
from fairdial.policy.packs import PolicyPack
from fairdial.policy.zones import day_start


@dataclass(frozen=True, slots=True)
class Consent:
    """The borrower asked to be called (on `for_date`, if given) about `debts` (empty: all).

    `until` is the start of the eighth local day counting the day of the consent as the first;
    `conversations` are the later conversations, each of which ends the consent for its debts.
    """

    at: datetime
    until: datetime
    debts: frozenset[str]
    for_date: date | None
    revoked_at: datetime | None
    conversations: tuple[tuple[datetime, frozenset[str]], ...] = ()

    def covers(self, instant: datetime, debt: str, tz: ZoneInfo) -> bool:
        if not (self.at <= instant < self.until):
            return False
        if self.revoked_at is not None and instant >= self.revoked_at:
            return False
        if self.debts and debt not in self.debts:
            return False
        if self.ended(debt, instant):
            return False
        return self.for_date is None or instant.astimezone(tz).date() == self.for_date

    def ended(self, debt: str, instant: datetime) -> bool:
        """True when a conversation about `debt` (or about no named debt) came before `instant`.

        The call that led to that conversation was itself placed with consent, hence the strict
        comparison.
        """
        return any(
            moment < instant and (not debts or debt in debts)
            for moment, debts in self.conversations
        )


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime
    day: int  # ordinal of the local calendar day in the frequency zone
    contact_point: str | None
    debts: frozenset[str]
    result: str
    consented_debts: frozenset[str]  # debts for which a consent excludes this call
    consented_all: bool


@dataclass(frozen=True, slots=True)
class Inconvenient:
    days: frozenset[int]  # weekday numbers, Monday = 0; empty means every day
    start: time | None  # None with `end`: the whole of each listed day
    end: time | None
    place: str | None
    through: date | None = None  # last day it applies; None: until the borrower says otherwise


@dataclass(slots=True)
class Facts:
    holds: list[str] = field(default_factory=list)
    misdirected: set[str] = field(default_factory=set)
    consents: list[Consent] = field(default_factory=list)
    ai_revoked_all: bool = False
    ai_revoked: set[str] = field(default_factory=set)
    attempts: list[Attempt] = field(default_factory=list)  # outbound, to the borrower, counted
    conversations: list[tuple[int, frozenset[str]]] = field(default_factory=list)
    third_party: list[Event] = field(default_factory=list)
    # Per number, the times of calls with a result the harassment alarm watches; and the start
    # of every run of such calls that already makes the pattern, in time order.
    machine: dict[str | None, list[datetime]] = field(default_factory=dict)
    bursts: list[datetime] = field(default_factory=list)
    inconvenient: list[Inconvenient] = field(default_factory=list)


def facts_for(history: History, pack: PolicyPack, at: datetime, tz: ZoneInfo) -> Facts:
    """The facts from every event at or before `at`, cached on the history until it changes."""
    count = bisect_right([event.at for event in history.events], at) if history.events else 0
    key = (count, pack.id, pack.version, tz.key)
    cached = history._cache.get(key)
    if cached is None:
        cached = _build(history.events[:count], pack, tz)
        history._cache[key] = cached
    return cached


def _build(events: list[Event], pack: PolicyPack, tz: ZoneInfo) -> Facts:
    facts = Facts()
    revocations = [event.at for event in events if event.kind == "consent_revoked"]
    misdirected = {e.contact_point for e in events if e.kind == "misdirected" and e.contact_point}
    facts.misdirected = {cp for cp in misdirected if cp is not None}
    conversations = _conversations(events, pack, facts.misdirected)
    machine_results = pack.harassment.results if pack.harassment is not None else frozenset()
    active_holds: dict[str, None] = {}

    for event in events:
        kind = event.kind
        if kind == "hold" and event.hold:
            active_holds[event.hold] = None
        elif kind == "hold_released" and event.hold:
            active_holds.pop(event.hold, None)
        elif kind == "consent" and pack.consent_days > 0:
            revoked = next((moment for moment in revocations if moment >= event.at), None)
            # Regulation F counts the day the consent is received as the first of seven days.
            last_day = event.at.astimezone(tz).date() + timedelta(days=pack.consent_days)
            facts.consents.append(
                Consent(
                    at=event.at,
                    until=day_start(last_day, tz),
                    debts=frozenset(event.debts),
                    for_date=event.for_date,
                    revoked_at=revoked,
                    conversations=tuple(c for c in conversations if c[0] > event.at),
                )
            )
        elif kind == "consent_revoked":
            if event.contact_point is None:
                facts.ai_revoked_all = True
            else:
                facts.ai_revoked.add(event.contact_point)
        elif kind == "inconvenient":
            facts.inconvenient.append(
                Inconvenient(
                    days=frozenset(_WEEKDAY_NUMBER[day] for day in event.days),
                    start=event.from_time,
                    end=event.to_time,
                    place=event.place,
                    through=event.through,
                )
            )

    for event in events:
        if event.kind != "attempt" or event.contact_point in facts.misdirected:
            continue
        if event.to == "third_party":
            facts.third_party.append(event)
            continue
        if event.result in machine_results:
            facts.machine.setdefault(event.contact_point, []).append(event.at)
        day = event.at.astimezone(tz).toordinal()
        debts = frozenset(event.debts)
        if _is_conversation(event, pack):
            facts.conversations.append((day, debts))
        if event.result == "inbound":
            continue
        consented = frozenset(
            debt
            for debt in debts
            if any(consent.covers(event.at, debt, tz) for consent in facts.consents)
        )
        facts.attempts.append(
            Attempt(
                at=event.at,
                day=day,
                contact_point=event.contact_point,
                debts=debts,
                result=event.result or "",
                consented_debts=consented,
                consented_all=bool(debts) and consented == debts,
            )
        )

    facts.holds = list(active_holds)
    if pack.harassment is not None:
        facts.bursts = _bursts(facts.machine, pack.harassment.count, pack.harassment.minutes)
    return facts


def _bursts(machine: dict[str | None, list[datetime]], count: int, minutes: int) -> list[datetime]:
    span = timedelta(minutes=minutes)
    starts = [
        times[index]
        for times in machine.values()
        for index in range(len(times) - count + 1)
        if times[index + count - 1] - times[index] < span
    ]
    return sorted(starts)


def _conversations(
    events: list[Event], pack: PolicyPack, misdirected: set[str]
) -> list[tuple[datetime, frozenset[str]]]:
    return [
        (event.at, frozenset(event.debts))
        for event in events
        if event.kind == "attempt"
        and event.to != "third_party"
        and event.contact_point not in misdirected
        and _is_conversation(event, pack)
    ]


def _is_conversation(event: Event, pack: PolicyPack) -> bool:
    if event.result == "conversation":
        return True
    quiet = pack.quiet_period
    return event.result == "inbound" and quiet is not None and quiet.inbound_is_conversation


_WEEKDAY_NUMBER = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
