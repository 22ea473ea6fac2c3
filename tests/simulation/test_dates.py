import random
from datetime import date, timedelta

from fairdial.simulation.dates import _forms_en, _forms_zh, pick_date, say_past_date

WEDNESDAY = date(2024, 5, 22)


def test_relative_words_match_the_gap():
    assert "明天" in _forms_zh(WEDNESDAY, WEDNESDAY + timedelta(days=1), simplified=False)
    assert "後天" in _forms_zh(WEDNESDAY, WEDNESDAY + timedelta(days=2), simplified=False)
    assert "后天" in _forms_zh(WEDNESDAY, WEDNESDAY + timedelta(days=2), simplified=True)
    assert "tomorrow" in _forms_en(WEDNESDAY, WEDNESDAY + timedelta(days=1))


def test_next_week_and_month_end():
    friday_next_week = date(2024, 5, 31)
    tw = _forms_zh(WEDNESDAY, friday_next_week, simplified=False)
    cn = _forms_zh(WEDNESDAY, friday_next_week, simplified=True)
    en = _forms_en(WEDNESDAY, friday_next_week)
    assert {"下禮拜五", "月底", "31號"} <= set(tw)
    assert {"下周五", "月底", "31号"} <= set(cn)
    assert {"next Friday", "end of the month", "on the 31st"} <= set(en)
    # this week's Friday is never called "next Friday"
    assert "next Friday" not in _forms_en(WEDNESDAY, date(2024, 5, 24))


def test_day_of_next_month():
    assert "下個月4號" in _forms_zh(WEDNESDAY, date(2024, 6, 4), simplified=False)
    assert "on the 4th" in _forms_en(WEDNESDAY, date(2024, 6, 4))


def test_past_dates():
    rng = random.Random(1)
    assert say_past_date(WEDNESDAY, WEDNESDAY - timedelta(days=1), "zh-TW", rng) in {
        "昨天",
        "21號",
    }
    assert say_past_date(WEDNESDAY, date(2024, 5, 17), "en-US", rng) in {
        "five days ago",
        "last Friday",
        "on the 17th",
    }


def test_picked_dates_are_ahead_and_near():
    rng = random.Random(5)
    picks = [pick_date(WEDNESDAY, rng, 14) for _ in range(500)]
    assert all(WEDNESDAY < day <= WEDNESDAY + timedelta(days=14) for day in picks)
    assert len(set(picks)) >= 8
