"""What the gate knows about a borrower: contact points, time zones and the events so far.

The campaign converts its records into these types; nothing here touches the database.
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from functools import cache
from typing import Any

# The carrier gave no account of the call and it may have rung: every rule that counts any
# placed call counts it, the stricter reading. A call that certainly never left counts nowhere.
UNKNOWN_RESULT = "unknown"
NOT_PLACED_RESULT = "not_placed"
ATTEMPT_RESULTS: frozenset[str] = frozenset(
    {
        "no_answer",
        "busy",
        "not_in_service",
        "voicemail",
        "message_left",
        "answered_dropped",
        "conversation",
        "inbound",
        UNKNOWN_RESULT,
        NOT_PLACED_RESULT,
    }
)
EVENT_KINDS: frozenset[str] = frozenset(
    {
        "attempt",
        "consent",
        "consent_revoked",
        "inconvenient",
        "misdirected",
        "hold",
        "hold_released",
    }
)
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CONTACT_POINT_KINDS: frozenset[str] = frozenset({"mobile", "landline", "voip", "unknown"})


@cache
def counted_results(listed: frozenset[str]) -> frozenset[str]:
    """The results a rule that lists `listed` counts: those, and an unknown outcome if any.

    Packs list the results their source counts; an unknown outcome is not one a source names,
    so it is counted wherever any result is, since the borrower's phone may have rung.
    """
    return listed | {UNKNOWN_RESULT} if listed else listed


@dataclass(frozen=True, slots=True)
class ContactPointInfo:
    """A number the borrower may be reached at; `place` is e.g. "home" or "work"."""

    id: str
    kind: str = "unknown"
    timezones: tuple[str, ...] = ()
    place: str | None = None
    ai_voice_consent: bool = False


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened; which fields matter depends on `kind` (see SCENARIOS.md)."""

    kind: str
    at: datetime
    contact_point: str | None = None
    debts: tuple[str, ...] = ()
    result: str | None = None
    to: str = "borrower"
    for_date: date | None = None
    days: tuple[str, ...] = ()
    from_time: time | None = None
    to_time: time | None = None
    through: date | None = None  # last local day an inconvenient time or place applies
    place: str | None = None
    hold: str | None = None

    def __lt__(self, other: Event) -> bool:
        return self.at < other.at


@dataclass(frozen=True, slots=True)
class Action:
    """The call the campaign wants to place. `override` names a pack override, if any."""

    contact_point: str
    debts: tuple[str, ...]
    channel: str = "call"
    voice: str = "ai"
    to: str = "borrower"
    override: str | None = None


@dataclass
class History:
    """Contact points, borrower time zones and events, kept in time order as they are appended."""

    contact_points: dict[str, ContactPointInfo] = field(default_factory=dict)
    borrower_timezones: tuple[str, ...] = ()
    events: list[Event] = field(default_factory=list)
    # Derived indexes keyed by (event count, frequency zone); rebuilt after any append.
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.events = sorted((_in_utc(event) for event in self.events), key=lambda e: e.at)

    def append(self, event: Event) -> None:
        """Add an event; events may arrive out of order and are kept sorted by time."""
        event = _in_utc(event)
        if self.events and event.at >= self.events[-1].at:
            self.events.append(event)
        else:
            insort(self.events, event)
        self._cache.clear()

    def add_contact_point(self, contact_point: ContactPointInfo) -> None:
        self.contact_points[contact_point.id] = contact_point
        self._cache.clear()


def _in_utc(event: Event) -> Event:
    # Comparisons between datetimes sharing one ZoneInfo ignore the DST fold; UTC has none.
    if event.at.tzinfo is None:
        raise ValueError("event time must carry a UTC offset")
    if event.at.tzinfo is UTC:
        return event
    return replace(event, at=event.at.astimezone(UTC))
