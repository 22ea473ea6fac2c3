"""One pass over a borrower's events, turned into the indexes the decision rules read.

Built once per (history, decision time, frequency zone) and reused while the engine searches
for the next allowed instant, because no event can happen between a decision and that search.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fairdial.policy.history import Event, History, counted_results
from fairdial.policy.packs import CapRule, PolicyPack
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


# Not frozen: a plan builds one per call in every history, and a frozen dataclass takes about
# four times as long to build. Nothing changes an attempt once built.
@dataclass(slots=True)
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
    # Answers worked out on first use: the search for the next allowed instant asks them again at
    # every step, and they depend only on the events.
    _counted: dict[tuple[frozenset[str], bool, str | None], list[int]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _last_conversation: dict[str, int | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def counted_days(self, cap: CapRule, debt: str | None) -> list[int]:
        """The local days of the attempts `cap` counts, latest first.

        `debt` None counts for the whole borrower; a debt counts only the attempts about it.
        Attempts a consent excludes are left out when the cap says so.
        """
        counts, excludes = cap.counts, cap.consent_excludes
        key = (counts, excludes, debt)
        days = self._counted.get(key)
        if days is not None:
            return days

        counts = counted_results(counts)

        if debt is None:
            days = [
                attempt.day
                for attempt in self.attempts
                if attempt.result in counts and not (excludes and attempt.consented_all)
            ]
        else:
            days = [
                attempt.day
                for attempt in self.attempts
                if attempt.result in counts
                and debt in attempt.debts
                and not (excludes and (attempt.consented_all or debt in attempt.consented_debts))
            ]
        days.sort(reverse=True)
        self._counted[key] = days
        return days

    def last_conversation(self, debt: str) -> int | None:
        """The local day of the latest conversation about `debt`, if there was one."""
        if debt not in self._last_conversation:
            self._last_conversation[debt] = max(
                (day for day, debts in self.conversations if debt in debts), default=None
            )
        return self._last_conversation[debt]


def facts_for(history: History, pack: PolicyPack, at: datetime, tz: ZoneInfo) -> Facts:
    """The facts from every event at or before `at`, cached on the history until it changes."""
    events = history.events
    # Most decisions come after the last event, and then every event counts.
    if not events or at >= events[-1].at:
        count = len(events)
    else:
        count = bisect_right(events, at, key=_event_time)
    key = (count, pack.id, pack.version, tz.key)
    cached = history._cache.get(key)
    if cached is None:
        cached = _build(events[:count], pack, tz)
        history._cache[key] = cached
    return cached


def _event_time(event: Event) -> datetime:
    return event.at


def _build(events: list[Event], pack: PolicyPack, tz: ZoneInfo) -> Facts:
    facts = Facts()
    # Attempts are nearly every event; the other kinds are few and read first, because an
    # attempt's consent exclusion needs every consent known.
    others = [event for event in events if event.kind != "attempt"]
    if others:
        _read_others(facts, events, others, pack, tz)
    _read_attempts(facts, events, pack, tz)

    if pack.harassment is not None and facts.machine:
        facts.bursts = _bursts(facts.machine, pack.harassment.count, pack.harassment.minutes)
    return facts


def _read_others(
    facts: Facts, events: list[Event], others: list[Event], pack: PolicyPack, tz: ZoneInfo
) -> None:
    """Holds, consents, revocations, misdirected numbers and inconvenient times."""
    revocations = [event.at for event in others if event.kind == "consent_revoked"]
    facts.misdirected = {
        e.contact_point for e in others if e.kind == "misdirected" and e.contact_point
    }
    conversations: list[tuple[datetime, frozenset[str]]] | None = None
    active_holds: dict[str, None] = {}

    for event in others:
        kind = event.kind
        if kind == "hold" and event.hold:
            active_holds[event.hold] = None
        elif kind == "hold_released" and event.hold:
            active_holds.pop(event.hold, None)
        elif kind == "consent" and pack.consent_days > 0:
            if conversations is None:
                conversations = _conversations(events, pack, facts.misdirected)
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
    facts.holds = list(active_holds)


def _read_attempts(facts: Facts, events: list[Event], pack: PolicyPack, tz: ZoneInfo) -> None:
    """Calls to the borrower (counted per local day in `tz`) and calls to third parties."""
    misdirected = facts.misdirected
    consents = facts.consents
    machine_results = counted_results(
        pack.harassment.results if pack.harassment is not None else frozenset()
    )
    quiet = pack.quiet_period
    inbound_is_conversation = quiet is not None and quiet.inbound_is_conversation

    for event in events:
        if event.kind != "attempt" or event.contact_point in misdirected:
            continue
        if event.to == "third_party":
            facts.third_party.append(event)
            continue
        at, result = event.at, event.result
        if result in machine_results:
            facts.machine.setdefault(event.contact_point, []).append(at)
        day = at.astimezone(tz).toordinal()
        debts = frozenset(event.debts)
        if result == "conversation" or (result == "inbound" and inbound_is_conversation):
            facts.conversations.append((day, debts))
        if result == "inbound":
            continue
        if consents:
            consented = frozenset(
                debt for debt in debts if any(c.covers(at, debt, tz) for c in consents)
            )
            consented_all = bool(debts) and consented == debts
        else:
            consented, consented_all = _NO_DEBTS, False
        facts.attempts.append(
            Attempt(at, day, event.contact_point, debts, result or "", consented, consented_all)
        )


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


_NO_DEBTS: frozenset[str] = frozenset()
_WEEKDAY_NUMBER = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
