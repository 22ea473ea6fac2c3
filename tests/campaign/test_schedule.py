from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from fairdial.campaign.dialler import _Schedule

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _target(name: str, priority: float) -> SimpleNamespace:
    return SimpleNamespace(account_ref=name, priority=priority)


def test_the_best_ranked_ready_account_comes_first():
    schedule = _Schedule()
    schedule.push(_target("small", 1.0), NINE)
    schedule.push(_target("large", 5.0), NINE)
    schedule.push(_target("later", 9.0), NINE + timedelta(hours=2))
    assert schedule.take(NINE).target.account_ref == "large"
    assert schedule.take(NINE).target.account_ref == "small"
    assert schedule.take(NINE) is None
    assert schedule.next_time() == NINE + timedelta(hours=2)


def test_a_line_behind_never_takes_an_account_made_ready_by_a_line_ahead():
    schedule = _Schedule()
    schedule.push(_target("evening", 3.0), NINE + timedelta(hours=8))
    schedule.push(_target("morning", 1.0), NINE)
    # A line at 17:00 moves both into the ready set and takes the better one ...
    ahead = schedule.take(NINE + timedelta(hours=8))
    assert ahead.target.account_ref == "evening"
    schedule.push(ahead.target, NINE + timedelta(hours=10))
    # ... and a line still at 09:00 may take only what is ready at 09:00.
    assert schedule.take(NINE).target.account_ref == "morning"
    assert schedule.take(NINE) is None
    assert schedule.next_time() == NINE + timedelta(hours=10)
