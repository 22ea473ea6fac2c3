import asyncio
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from fairdial.campaign.clock import RealTimeClock, SimulatedClock, local_day_bounds
from fairdial.policy.history import ContactPointInfo, History

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _target(zone: str) -> SimpleNamespace:
    point = ContactPointInfo("cp1", "mobile", (zone,))
    return SimpleNamespace(contact_point_key="cp1", history=History({"cp1": point}, (zone,)))


def test_a_simulated_line_jumps_forward_and_never_back():
    line = SimulatedClock().line(NINE)
    asyncio.run(line.wait_until(NINE + timedelta(hours=2)))
    assert line.now() == NINE + timedelta(hours=2)
    asyncio.run(line.wait_until(NINE))
    assert line.now() == NINE + timedelta(hours=2)
    assert line.call_ended(NINE, 90.0) == NINE + timedelta(seconds=90)


def test_a_simulated_day_is_the_campaign_day_in_the_account_zone():
    target = _target("Asia/Taipei")
    assert SimulatedClock().calling_day(target, date(2026, 3, 2)) == date(2026, 3, 2)  # type: ignore[arg-type]
    start, end = local_day_bounds(target, date(2026, 3, 2))  # type: ignore[arg-type]
    assert start == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    assert end - start == timedelta(days=1)


def test_a_real_line_sleeps_until_the_instant_it_waits_for():
    clock = RealTimeClock()
    when = clock.now() + timedelta(seconds=0.2)
    asyncio.run(clock.line(when).wait_until(when))
    assert clock.now() >= when


def test_closing_wakes_a_waiting_line_and_ends_the_run_now():
    clock = RealTimeClock(closes_at=datetime.now(UTC) + timedelta(hours=8))

    async def wait_then_close() -> None:
        waiting = asyncio.create_task(clock.wait_until(clock.now() + timedelta(hours=1)))
        await asyncio.sleep(0.05)
        assert not waiting.done()
        clock.close()
        await asyncio.wait_for(waiting, 5)

    asyncio.run(wait_then_close())
    assert clock.closes_at is not None and clock.closes_at <= clock.now()


def test_each_account_is_called_on_its_own_local_today():
    clock = RealTimeClock()
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12"):  # 26 hours apart
        before = datetime.now(ZoneInfo(zone)).date()
        called = clock.calling_day(_target(zone), date(2000, 1, 1))  # type: ignore[arg-type]
        after = datetime.now(ZoneInfo(zone)).date()
        assert called in {before, after}


def test_a_closing_time_without_a_zone_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        RealTimeClock(closes_at=datetime(2026, 3, 2, 17, 0))
