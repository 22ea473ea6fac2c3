"""The compliance gate: may this call be placed now, and if not, why and from when.

`decide` is pure: the same pack, history, action and instant always give the same decision.
Each rule either passes, blocks until an instant it can vouch for, or blocks for good (a hold,
a missing consent). The next allowed instant is found by jumping to the latest of those
instants and checking again, so it is never earlier than the first truly allowed one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from fairdial.policy.facts import Facts, Inconvenient, facts_for
from fairdial.policy.history import Action, ContactPointInfo, History, counted_results
from fairdial.policy.packs import CapRule, PolicyPack
from fairdial.policy.reasons import Flag, Reason
from fairdial.policy.zones import ONE_DAY, day_start, local_instant, zone

# Beyond this the search gives up and reports no allowed instant rather than guess one.
SEARCH_HORIZON = timedelta(days=400)
MAX_STEPS = 2000

# Enum member lookups cost more than a module constant, and every decision needs some of these.
_OUTSIDE_HOURS = Reason.OUTSIDE_HOURS.value
_INCONVENIENT_TIME = Reason.INCONVENIENT_TIME.value
_INCONVENIENT_PLACE = Reason.INCONVENIENT_PLACE.value
_QUIET_PERIOD = Reason.CONVERSATION_QUIET_PERIOD.value
_NO_AI_VOICE_CONSENT = Reason.NO_AI_VOICE_CONSENT.value
_THIRD_PARTY_LIMIT = Reason.THIRD_PARTY_LIMIT.value
_HARASSMENT_PATTERN = Flag.HARASSMENT_PATTERN.value
_OVERRIDE_USED = Flag.OVERRIDE_USED.value


class PolicyInputError(ValueError):
    """The history or action cannot be judged (unknown contact point, no time zone, ...)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """Allow or block, with reason codes, flags, rule sources and the next allowed instant."""

    allowed: bool
    reasons: tuple[str, ...]
    flags: tuple[str, ...]
    next_allowed_at: datetime | None
    sources: tuple[str, ...]
    pack_id: str
    pack_version: str
    at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "reasons": list(self.reasons),
            "flags": list(self.flags),
            "next_allowed_at": None
            if self.next_allowed_at is None
            else self.next_allowed_at.astimezone(self.at.tzinfo).isoformat(),
            "sources": list(self.sources),
            "pack": self.pack_id,
            "pack_version": self.pack_version,
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)


@dataclass(slots=True)
class _Block:
    reason: str
    source: str
    until: datetime | None  # None: no passage of time lifts it


# Not frozen, for the cost of building one per decision; nothing changes it once built.
@dataclass(slots=True)
class _Context:
    pack: PolicyPack
    action: Action
    contact_point: ContactPointInfo
    window_zones: tuple[ZoneInfo, ...]
    borrower_zones: tuple[ZoneInfo, ...]
    day_zone: ZoneInfo
    facts: Facts


def decide(pack: PolicyPack, history: History, action: Action, at: datetime) -> Decision:
    """Judge `action` at the aware instant `at` against `pack`, using events up to `at`."""
    if at.tzinfo is None:
        raise PolicyInputError("decision time must carry a UTC offset")
    moment = at.astimezone(UTC)
    context = _context(pack, history, action, moment)

    blocks = _blocks(context, moment)
    lifted = _lift(context, blocks)
    flags = _flags(context, moment)
    if lifted:
        flags.append(_OVERRIDE_USED)

    if not blocks:
        sources = [*pack.gate_sources, *_flag_sources(context, flags)]
        return Decision(
            allowed=True,
            reasons=(),
            flags=tuple(flags),
            next_allowed_at=at,
            sources=tuple(dict.fromkeys(sources)),
            pack_id=pack.id,
            pack_version=pack.version,
            at=at,
        )

    sources = [block.source for block in blocks]
    if flags:
        sources += _flag_sources(context, flags)
    return Decision(
        allowed=False,
        reasons=tuple(dict.fromkeys([block.reason for block in blocks])),
        flags=tuple(flags),
        next_allowed_at=_next_allowed(context, moment, blocks),
        sources=tuple(dict.fromkeys(sources)),
        pack_id=pack.id,
        pack_version=pack.version,
        at=at,
    )


def next_convenient(
    pack: PolicyPack, history: History, action: Action, at: datetime
) -> datetime | None:
    """The first instant from `at` inside `pack`'s calling hours, in every zone the borrower
    may be in, and outside the times they named inconvenient; None when no such time comes.

    For a time promised to the borrower, such as a person's call-back: caps, holds and quiet
    periods are for that person to weigh, and do not push the promised hour later.
    """
    if at.tzinfo is None:
        raise PolicyInputError("decision time must carry a UTC offset")
    moment = at.astimezone(UTC)
    context = _context(pack, history, action, moment)
    blocks = _hours(context, moment)
    _lift(context, blocks)
    return _next_allowed(context, moment, blocks, _hours)


def _context(pack: PolicyPack, history: History, action: Action, moment: datetime) -> _Context:
    contact_point = history.contact_points.get(action.contact_point)
    if contact_point is None:
        raise PolicyInputError("action names a contact point the history does not have")
    if not action.debts and action.to == "borrower":
        raise PolicyInputError("a call to the borrower must name at least one debt")

    # Every zone the records point to is a place the borrower may be (comment 6(b)(1)(i)-2),
    # including the area codes of the numbers this call does not dial.
    if len(history.contact_points) == 1:
        numbers = tuple(contact_point.timezones)  # the dialled number is the only one
    else:
        others = (name for cp in history.contact_points.values() for name in cp.timezones)
        numbers = (*contact_point.timezones, *others)
    window, borrower, day_zone = _zones(
        tuple(history.borrower_timezones), numbers, pack.default_timezone
    )
    return _Context(
        pack=pack,
        action=action,
        contact_point=contact_point,
        window_zones=window,
        borrower_zones=borrower,
        day_zone=day_zone,
        facts=facts_for(history, pack, moment, day_zone),
    )


# Keyed by zone names, which repeat across a whole portfolio.
@lru_cache(maxsize=4096)
def _zones(
    borrower_names: tuple[str, ...], number_names: tuple[str, ...], default: str | None
) -> tuple[tuple[ZoneInfo, ...], tuple[ZoneInfo, ...], ZoneInfo]:
    """The zones the window must hold in, the borrower's zones, and the zone that counts days."""
    borrower = tuple(zone(name) for name in borrower_names)
    window = tuple(dict.fromkeys((*borrower, *(zone(name) for name in number_names))))
    if not window and default:
        window = (zone(default),)
    if not window:
        raise PolicyInputError("no time zone known for the borrower or the contact point")

    day_zone = borrower[0] if borrower else window[0]
    return window, borrower or window, day_zone


def _next_allowed(
    context: _Context,
    moment: datetime,
    blocks: list[_Block],
    blocks_at: Callable[[_Context, datetime], list[_Block]] | None = None,
) -> datetime | None:
    """Jump to the latest instant the current blocks vouch for, re-check, repeat; `blocks_at`
    finds the blocks at an instant (every rule's, by default)."""
    blocks_at = blocks_at or _blocks
    horizon = moment + SEARCH_HORIZON
    current = moment
    for _ in range(MAX_STEPS):
        if not blocks:
            return current
        untils: list[datetime] = []
        for block in blocks:
            if block.until is None:
                return None
            untils.append(block.until)
        candidate = max(untils)
        # Every bound is strictly later than the instant it was computed at; this only guards
        # against a daylight-saving corner producing a bound that does not move forward.
        current = candidate if candidate > current else current + timedelta(seconds=1)
        if current > horizon:
            return None
        blocks = blocks_at(context, current)
        _lift(context, blocks)
    return None


def _blocks(context: _Context, moment: datetime) -> list[_Block]:
    blocks: list[_Block] = []
    pack, action, facts = context.pack, context.action, context.facts

    for kind in facts.holds:
        blocks.append(_Block(kind, pack.hold_source(kind), None))

    if action.voice == "ai" and context.contact_point.kind in pack.ai_voice_kinds:
        revoked = facts.ai_revoked_all or context.contact_point.id in facts.ai_revoked
        if revoked or not context.contact_point.ai_voice_consent:
            source = pack.ai_voice_source or "artificial voice consent"
            blocks.append(_Block(_NO_AI_VOICE_CONSENT, source, None))

    window_block = _window(context, moment)
    if window_block is not None:
        blocks.append(window_block)

    # Caps and the quiet period count calendar days in the frequency zone.
    today = moment.astimezone(context.day_zone).toordinal()
    if action.to == "third_party":
        third = _third_party(context)
        if third is not None:
            blocks.append(third)
        for cap in pack.caps:
            cap_block = _third_party_cap(context, cap, today) if cap.scope == "debt" else None
            if cap_block is not None:
                blocks.append(cap_block)
        return blocks

    if facts.inconvenient:
        blocks.extend(_inconvenient(context, moment))
    for cap in pack.caps:
        cap_block = _cap(context, cap, moment, today)
        if cap_block is not None:
            blocks.append(cap_block)
    quiet = _quiet_period(context, moment, today)
    if quiet is not None:
        blocks.append(quiet)
    return blocks


def _hours(context: _Context, moment: datetime) -> list[_Block]:
    """The blocks of the clock alone: outside the window, or at an inconvenient time."""
    window_block = _window(context, moment)
    blocks = [] if window_block is None else [window_block]
    if context.facts.inconvenient and context.action.to == "borrower":
        blocks.extend(_inconvenient(context, moment))
    return blocks


def _lift(context: _Context, blocks: list[_Block]) -> bool:
    """Remove the blocks the action's override may lift; True when it lifted any."""
    name = context.action.override
    if name is None or name not in context.pack.overrides:
        return False
    lifts = context.pack.overrides[name].lifts
    before = len(blocks)
    blocks[:] = [block for block in blocks if block.reason not in lifts]
    return len(blocks) < before


def _window(context: _Context, moment: datetime) -> _Block | None:
    window = context.pack.window
    latest: datetime | None = None
    for tz in context.window_zones:
        local = moment.astimezone(tz)
        clock = local.time()  # naive, as the window's bounds are
        if window.start <= clock < window.end:
            continue
        opens_on = local.date() if clock < window.start else local.date() + ONE_DAY
        opening = local_instant(opens_on, window.start, tz)
        latest = opening if latest is None or opening > latest else latest
    if latest is None:
        return None
    return _Block(_OUTSIDE_HOURS, window.source, latest)


def _inconvenient(context: _Context, moment: datetime) -> list[_Block]:
    blocks: list[_Block] = []
    source = context.pack.inconvenient_source
    place = context.contact_point.place
    for spec in context.facts.inconvenient:
        if spec.place is not None and spec.place != place:
            continue
        reason = _INCONVENIENT_PLACE if spec.place else _INCONVENIENT_TIME
        if not spec.days and spec.start is None:
            blocks.extend(_inconvenient_always(spec, reason, source, context, moment))
            continue
        until: datetime | None = None
        for tz in context.borrower_zones:
            ends = _inconvenient_until(spec, moment.astimezone(tz), tz)
            if ends is not None and (until is None or ends > until):
                until = ends
        if until is not None:
            blocks.append(_Block(reason, source, until))
    return blocks


def _inconvenient_always(
    spec: Inconvenient, reason: str, source: str, context: _Context, moment: datetime
) -> list[_Block]:
    """A place (or every time) named inconvenient, for good or through a last day."""
    if spec.through is None:
        return [_Block(reason, source, None)]
    ends = [day_start(spec.through + ONE_DAY, tz) for tz in context.borrower_zones]
    until = max(ends)
    return [_Block(reason, source, until)] if moment < until else []


def _inconvenient_until(spec: Inconvenient, local: datetime, tz: ZoneInfo) -> datetime | None:
    """When the inconvenient span that holds `local` ends, or None when it does not hold."""
    today = local.date()
    weekday = local.weekday()
    every_day = not spec.days
    if spec.start is None or spec.end is None:
        listed = weekday in spec.days and _in_force(spec, today)
        return day_start(today + ONE_DAY, tz) if listed else None

    clock = local.time().replace(tzinfo=None)
    if spec.start < spec.end:
        listed = (every_day or weekday in spec.days) and _in_force(spec, today)
        if listed and spec.start <= clock < spec.end:
            return local_instant(today, spec.end, tz)
        return None
    # A span across midnight belongs to the day it starts on.
    if clock >= spec.start and (every_day or weekday in spec.days) and _in_force(spec, today):
        return local_instant(today + ONE_DAY, spec.end, tz)
    yesterday = today - ONE_DAY
    if clock < spec.end and (every_day or (weekday - 1) % 7 in spec.days):
        return local_instant(today, spec.end, tz) if _in_force(spec, yesterday) else None
    return None


def _in_force(spec: Inconvenient, day: date) -> bool:
    return spec.through is None or day <= spec.through


def _cap(context: _Context, cap: CapRule, moment: datetime, today: int) -> _Block | None:
    tz = context.day_zone
    first_day = today - cap.days + 1
    facts = context.facts
    if cap.scope == "borrower":
        return _over_cap(cap, facts.counted_days(cap, None), first_day, tz)

    latest: datetime | None = None
    for debt in context.action.debts:
        if cap.consent_excludes and _consent_covers(context, moment, debt):
            continue
        block = _over_cap(cap, facts.counted_days(cap, debt), first_day, tz)
        if block is None or block.until is None:
            continue
        until = block.until
        if cap.consent_excludes:
            until = min(until, _next_consent(context, moment, debt) or until)
        latest = until if latest is None or until > latest else latest
    if latest is None:
        return None
    return _Block(cap.code, cap.source, latest)


def _over_cap(cap: CapRule, days: list[int], first_day: int, tz: ZoneInfo) -> _Block | None:
    """Block when `limit` of the counted `days` (latest first) fall on or after `first_day`."""
    if len(days) < cap.limit or days[cap.limit - 1] < first_day:
        return None
    # The call becomes possible on the day the cap-th most recent attempt leaves the window.
    clears = days[cap.limit - 1] + cap.days
    return _Block(cap.code, cap.source, day_start(datetime.fromordinal(clears).date(), tz))


def _quiet_period(context: _Context, moment: datetime, today: int) -> _Block | None:
    quiet = context.pack.quiet_period
    if quiet is None or not context.facts.conversations:
        return None
    tz = context.day_zone
    latest: datetime | None = None
    for debt in context.action.debts:
        last = context.facts.last_conversation(debt)
        if last is None or today > last + quiet.days - 1:
            continue
        if _consent_covers(context, moment, debt):
            continue
        until = day_start(datetime.fromordinal(last + quiet.days).date(), tz)
        until = min(until, _next_consent(context, moment, debt) or until)
        latest = until if latest is None or until > latest else latest
    if latest is None:
        return None
    return _Block(_QUIET_PERIOD, quiet.source, latest)


def _consent_covers(context: _Context, moment: datetime, debt: str) -> bool:
    return any(c.covers(moment, debt, context.day_zone) for c in context.facts.consents)


def _next_consent(context: _Context, moment: datetime, debt: str) -> datetime | None:
    """The earliest later instant at which a consent for `debt` starts to cover calls."""
    earliest: datetime | None = None
    for consent in context.facts.consents:
        if consent.for_date is None or (consent.debts and debt not in consent.debts):
            continue
        if consent.revoked_at is not None and consent.revoked_at <= moment:
            continue
        start = max(day_start(consent.for_date, context.day_zone), consent.at)
        end = min(day_start(consent.for_date + ONE_DAY, context.day_zone), consent.until)
        if consent.ended(debt, start):
            continue
        if moment < start < end and (earliest is None or start < earliest):
            earliest = start
    return earliest


def _third_party(context: _Context) -> _Block | None:
    rule = context.pack.third_party
    if rule is None:
        return None
    cp = context.action.contact_point
    counts = counted_results(rule.counts)
    reached = sum(
        1
        for event in context.facts.third_party
        if event.contact_point == cp and event.result in counts
    )
    if reached < rule.limit:
        return None
    return _Block(_THIRD_PARTY_LIMIT, rule.source, None)


def _third_party_cap(context: _Context, cap: CapRule, today: int) -> _Block | None:
    """The call frequency also protects a third party (comment 14(b)(2)(i)-1.iii).

    Their calls are counted per number, whatever debt they were about.
    """
    tz = context.day_zone
    first_day = today - cap.days + 1
    counts = counted_results(cap.counts)
    days = [
        day
        for event in context.facts.third_party
        if event.contact_point == context.action.contact_point
        and event.result in counts
        and (day := event.at.astimezone(tz).toordinal()) >= first_day
    ]
    days.sort(reverse=True)
    return _over_cap(cap, days, first_day, tz)


def _flags(context: _Context, moment: datetime) -> list[str]:
    rule = context.pack.harassment
    if rule is None or not context.facts.machine:
        return []
    span = _minutes(rule.minutes)
    times = context.facts.machine.get(context.action.contact_point, [])
    recent = 0
    for instant in reversed(times):
        if moment - instant >= span:
            break
        recent += 1
    # Calling again now could make the pattern: the number just went unanswered or to voicemail.
    if recent + 1 >= rule.count:
        return [_HARASSMENT_PATTERN]
    bursts = context.facts.bursts
    if bursts and bursts[-1] >= moment - _SEVEN_DAYS:
        return [_HARASSMENT_PATTERN]
    return []


_SEVEN_DAYS = timedelta(days=7)


@lru_cache(maxsize=64)
def _minutes(count: int) -> timedelta:
    # Building a timedelta from keywords costs more than looking one up.
    return timedelta(minutes=count)


def _flag_sources(context: _Context, flags: list[str]) -> list[str]:
    sources: list[str] = []
    pack = context.pack
    if _HARASSMENT_PATTERN in flags and pack.harassment is not None:
        sources.append(pack.harassment.source)
    if _OVERRIDE_USED in flags and context.action.override in pack.overrides:
        sources.append(pack.overrides[context.action.override].source)
    return sources
