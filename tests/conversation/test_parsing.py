from datetime import date

import pytest

from fairdial.conversation import speech
from fairdial.conversation.amounts import find_amount, find_months
from fairdial.conversation.dates import find_date, find_time
from fairdial.conversation.identity import identity_matches
from fairdial.conversation.numbers import chinese_to_int, english_to_int
from fairdial.conversation.speech import en_amount, en_date, zh_amount, zh_date
from fairdial.conversation.text import normalise

TODAY = date(2026, 3, 11)  # a Wednesday
BALANCE = 1_205_000


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("五千", 500_000),
        ("兩萬三", 2_300_000),
        ("两万三", 2_300_000),
        ("1.5萬", 1_500_000),
        ("1.5万", 1_500_000),
        ("三千五百塊", 350_000),
        ("三千五", 350_000),
        ("一萬零五百元", 1_050_000),
        ("我先還5000啦", 500_000),
        ("five hundred", 50_000),
        ("two thousand five hundred dollars", 250_000),
        ("$1,200", 120_000),
        ("1.2k", 120_000),
        ("300 bucks", 30_000),
        ("$1,234.50", 123_450),
        ("half", BALANCE // 2),
        ("我先還一半", BALANCE // 2),
        ("我先还一半", BALANCE // 2),
        ("all of it", BALANCE),
        ("一次還清", BALANCE),
    ],
)
def test_amounts(text, minor):
    found = find_amount(normalise(text), BALANCE)
    assert found is not None and found.value == minor


@pytest.mark.parametrize(
    "text", ["萬一不行呢", "我一下再打", "三個月前失業", "on the 15th", "15號"]
)
def test_words_that_are_not_amounts(text):
    assert find_amount(normalise(text), BALANCE) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天", date(2026, 3, 12)),
        ("後天", date(2026, 3, 13)),
        ("后天", date(2026, 3, 13)),
        ("下週五", date(2026, 3, 20)),
        ("下禮拜五", date(2026, 3, 20)),
        ("下礼拜五", date(2026, 3, 20)),
        ("下周五", date(2026, 3, 20)),
        ("禮拜五", date(2026, 3, 13)),
        ("下個月五號", date(2026, 4, 5)),
        ("下个月5号", date(2026, 4, 5)),
        ("月底", date(2026, 3, 31)),
        ("這個月15號", date(2026, 3, 15)),
        ("这个月十五号", date(2026, 3, 15)),
        ("3月13日", date(2026, 3, 13)),
        ("三天後", date(2026, 3, 14)),
        ("tomorrow", date(2026, 3, 12)),
        ("tmrw", date(2026, 3, 12)),
        ("next Friday", date(2026, 3, 20)),
        ("friday", date(2026, 3, 13)),
        ("the 15th", date(2026, 3, 15)),
        ("on the 5th", date(2026, 4, 5)),
        ("end of the month", date(2026, 3, 31)),
        ("in two weeks", date(2026, 3, 25)),
        ("March 20th", date(2026, 3, 20)),
    ],
)
def test_dates(text, expected):
    found = find_date(normalise(text), TODAY)
    assert found is not None and found.value == expected


def test_month_is_not_monday():
    assert find_date(normalise("I can pay 500 a month"), TODAY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("晚上七點", "19:00"),
        ("下午三點半", "15:30"),
        ("晚上7點以後", "after 19:00"),
        ("after 6pm", "after 18:00"),
        ("at 7:30pm", "19:30"),
        ("三點", "15:00"),
        ("tonight", "evening"),
    ],
)
def test_times(text, expected):
    found = find_time(normalise(text))
    assert found is not None and found.value == expected


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("分六期", 6),
        ("分3個月", 3),
        ("分3个月", 3),
        ("over 3 months", 3),
        ("6 installments", 6),
        ("twelve monthly payments", 12),
        ("can I do 6 months", 6),
    ],
)
def test_plan_months(text, months):
    found = find_months(normalise(text))
    assert found is not None and found.value == months


def test_chinese_numerals():
    assert chinese_to_int("一萬兩千零五十") == 12_050
    assert chinese_to_int("一千零五") == 1005
    assert chinese_to_int("一九八五") == 1985
    assert chinese_to_int("萬一") is None


def test_spoken_amounts_and_dates():
    assert zh_amount(12_050, "TWD") == "一萬兩千零五十元"
    assert zh_amount(23_000, "TWD") == "兩萬三千元"
    assert zh_amount(10_000, "TWD") == "一萬元"
    assert zh_amount(1_205_050, "CNY") == "一萬兩千零五十元五角"
    assert zh_amount(441_717, "CNY") == "四千四百一十七元一角七分"
    assert zh_amount(10_005, "CNY") == "一百元零五分"
    assert speech.amount(2_300_050, "CNY", "zh-CN") == "两万三千元五角"
    assert en_amount(123_450, "USD") == "$1,234.50"
    assert en_amount(1_205_000, "USD") == "$12,050"
    assert zh_date(date(2026, 3, 13)) == "3月13日星期五"
    assert en_date(date(2026, 3, 13)) == "Friday, March 13"


@pytest.mark.parametrize(
    ("answer", "ok"),
    [("1985", True), ("八五年", True), ("民國74年", True), ("nineteen eighty five", True),
     ("一九八六", False), ("85年次", False), ("", False)],
)  # fmt: skip
def test_birth_year_answers(answer, ok):
    assert identity_matches(answer, "1985", "birth_year") is ok


def test_id_last4_keeps_leading_zero():
    assert identity_matches("零四二一", "0421", "id_last4")
    assert identity_matches("oh four two one", "0421", "id_last4")
    assert not identity_matches("4210", "0421", "id_last4")


NEW_YEAR = date(2026, 1, 10)  # 2026 is not a leap year


@pytest.mark.parametrize(
    ("text", "today"),
    [
        ("I'll pay on February 30", NEW_YEAR),
        ("February 30th", NEW_YEAR),
        ("February 29th", NEW_YEAR),
        ("April 31st", NEW_YEAR),
        ("the 30th of feb", NEW_YEAR),
        ("2/30", NEW_YEAR),
        ("我2月30號還一萬", NEW_YEAR),
        ("我4月31號還一萬", NEW_YEAR),
        ("我2月30号还一万", NEW_YEAR),
        ("二月三十號", NEW_YEAR),
        ("下個月31號", NEW_YEAR),  # February
        ("下个月30号", NEW_YEAR),
        ("31號", date(2026, 4, 10)),  # April has 30 days
        ("the 31st", date(2026, 4, 10)),
        ("13月5號", NEW_YEAR),
    ],
)
def test_a_day_the_calendar_lacks_is_no_date(text, today):
    found = find_date(normalise(text), today)
    assert found is not None, "the words name a date, so their span must be known"
    assert found.value is None


def test_an_impossible_date_keeps_its_span():
    text = normalise("I'll pay on February 30")
    found = find_date(text, NEW_YEAR)
    assert found is not None and text[found.span[0] : found.span[1]] == "february 30"


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("February 28", NEW_YEAR, date(2026, 2, 28)),
        ("February 28th", NEW_YEAR, date(2026, 2, 28)),
        ("2月28號", NEW_YEAR, date(2026, 2, 28)),
        ("2月28号", NEW_YEAR, date(2026, 2, 28)),
        ("April 30th", NEW_YEAR, date(2026, 4, 30)),
        ("4月30號", NEW_YEAR, date(2026, 4, 30)),
        ("the 31st", NEW_YEAR, date(2026, 1, 31)),
        ("31號", NEW_YEAR, date(2026, 1, 31)),
        ("下個月28號", NEW_YEAR, date(2026, 2, 28)),
        ("Feb 29", date(2027, 12, 1), date(2028, 2, 29)),  # the next February is a leap one
        ("January 5th", NEW_YEAR, date(2027, 1, 5)),  # already past: next year's
    ],
)
def test_real_neighbours_of_impossible_dates(text, today, expected):
    found = find_date(normalise(text), today)
    assert found is not None and found.value == expected


@pytest.mark.parametrize(
    "text", ["tomorrow", "in two weeks", "next month", "明天", "下個月5號", "下周五", "下個月底"]
)
def test_a_date_past_the_calendar_is_no_date(text):
    found = find_date(normalise(text), date(9999, 12, 31))
    assert found is not None and found.value is None


def test_the_calendar_last_day_itself_is_a_date():
    found = find_date("today", date(9999, 12, 31))
    assert found is not None and found.value == date(9999, 12, 31)


def test_payday_on_the_31st_is_the_month_last_day():
    found = find_date(normalise("when I get paid"), date(2026, 4, 10), payday=31)
    assert found is not None and found.value == date(2026, 4, 30)


@pytest.mark.parametrize(
    ("text", "per_unit"),
    [
        ("1e308 dollars", 100),
        ("1E308 dollars", 100),
        ("1e308元", 100),
        ("1,000e5 dollars", 100),
        ("$0.001", 100),
        ("0.001元", 100),
        ("0.5元", 1),  # TWD is paid in whole dollars
        ("nt$12.5", 1),
        ("99999999999999999999999999999999 dollars", 100),
        ("99999999999999999999999999999999元", 1),
        ("1000000000001 dollars", 100),
        ("九千九百九十九兆兆元", 1),
        ("九千九百九十九兆兆元", 100),
        ("兩萬萬元", 1),
        ("三千千塊", 1),
        ("-500 dollars", 100),
        ("I'll pay -500 dollars", 100),
        ("-$500", 100),
        ("$-500", 100),
        ("minus 500 dollars", 100),
        ("negative five hundred dollars", 100),
        ("我還-500元", 1),
        ("負五百元", 1),
        ("负五百元", 100),
        ("0 dollars", 100),
        ("零元", 1),
        ("1,2,3 dollars", 100),
        ("12,00 dollars", 100),
        ("a million million dollars", 100),
        ("nineteen eighty dollars", 100),
        ("1.2.3 dollars", 100),
    ],
)
def test_an_absurd_amount_is_no_amount(text, per_unit):
    assert find_amount(normalise(text), BALANCE, per_unit) is None


def test_an_absurd_first_amount_is_not_replaced_by_a_later_one():
    assert find_amount(normalise("-500 dollars, or maybe 300"), BALANCE) is None


@pytest.mark.parametrize(
    ("text", "per_unit", "minor"),
    [
        ("$0.50", 100, 50),
        ("$0.01", 100, 1),
        ("1.5萬", 1, 15_000),
        ("1.5万", 100, 1_500_000),
        ("a thousand dollars", 100, 100_000),
        ("twenty five dollars", 100, 2_500),
        ("a hundred thousand dollars", 100, 10_000_000),
        ("兩萬三", 1, 23_000),
        ("两万三", 100, 2_300_000),
        ("一兆元", 1, 10**12),  # the ceiling itself still counts
        ("1000000000000 dollars", 100, 10**14),
        ("500-600 dollars", 100, 50_000),  # a range, not a negative 600
        ("I can pay - 500 dollars", 100, 50_000),  # a dash, not a minus sign
        ("我還5000,明天", 1, 5_000),
        ("nt$12", 1, 12),
    ],
)
def test_real_neighbours_of_absurd_amounts(text, per_unit, minor):
    found = find_amount(normalise(text), BALANCE, per_unit)
    assert found is not None and found.value == minor


def test_malformed_numerals_are_not_read_as_other_numbers():
    assert chinese_to_int("九千九百九十九兆兆") is None
    assert chinese_to_int("兩萬萬") is None
    assert chinese_to_int("五十百") is None
    assert chinese_to_int("一兆") == 10**12
    assert chinese_to_int("一億兩千萬") == 120_000_000
    assert english_to_int("nineteen eighty five") is None
    assert english_to_int("million million") is None
    assert english_to_int("five five") is None
    assert english_to_int("one hundred and twenty three") == 123
    assert english_to_int("twenty five hundred") == 2500
