"""Time zone lookups and local-time arithmetic, cached because every decision needs them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class UnknownTimezoneError(ValueError):
    pass


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; raises UnknownTimezoneError for a name that is not one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnknownTimezoneError(f"unknown time zone {name!r}") from exc


def local_instant(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The first real instant at or after wall-clock `clock` on `day` in `tz`.

    Around a daylight-saving change a wall time can be ambiguous or missing; taking the earlier
    of the two readings keeps every bound the engine derives from it a lower bound.
    """
    # Times that differ only in fold or in their own zone can hash and compare alike, yet
    # combine into different instants: only plain wall times go through the cache.
    if clock.fold or clock.tzinfo is not None:
        return _earliest_reading(day, clock, tz)
    return _cached_reading(day, clock, tz)


def _earliest_reading(day: date, clock: time, tz: ZoneInfo) -> datetime:
    first = datetime.combine(day, clock, tzinfo=tz)
    second = first.replace(fold=1)
    return min(first, second, key=lambda value: value.timestamp())


# A day's plan asks for the same few local instants (today's window opening, the day a cap
# clears) for every account in a zone, so the answers are kept rather than recomputed.
_cached_reading = lru_cache(maxsize=65536)(_earliest_reading)


def day_start(day: date, tz: ZoneInfo) -> datetime:
    return _cached_reading(day, _MIDNIGHT, tz)


_MIDNIGHT = time(0)


ONE_DAY = timedelta(days=1)
