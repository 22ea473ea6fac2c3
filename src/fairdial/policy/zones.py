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
    first = datetime.combine(day, clock, tzinfo=tz)
    second = first.replace(fold=1)
    return min(first, second, key=lambda value: value.timestamp())


def day_start(day: date, tz: ZoneInfo) -> datetime:
    return local_instant(day, time(0), tz)


ONE_DAY = timedelta(days=1)
