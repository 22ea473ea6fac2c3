import random

from fairdial.simulation.amounts import (
    chinese_colloquial,
    chinese_number,
    english_words,
    round_spoken,
    say_amount,
)


def test_chinese_numbers_read_as_people_write_them():
    assert chinese_number(5000) == "五千"
    assert chinese_number(23000) == "兩萬三千"
    assert chinese_number(23000, "simp") == "两万三千"
    assert chinese_number(10005) == "一萬零五"
    assert chinese_number(15) == "十五"
    assert chinese_number(120000) == "十二萬"
    assert chinese_number(200) == "兩百"


def test_clipped_forms_only_for_two_leading_digits():
    assert chinese_colloquial(23000) == "兩萬三"
    assert chinese_colloquial(1500, "simp") == "一千五"
    assert chinese_colloquial(12000) == "一萬二"
    assert chinese_colloquial(20000) is None
    assert chinese_colloquial(23500) is None


def test_english_words():
    assert english_words(500) == "five hundred"
    assert english_words(1200) == "one thousand two hundred"
    assert english_words(45) == "forty-five"
    assert english_words(2_000_000) == "two million"


def test_spoken_amounts_vary_across_forms():
    rng = random.Random(3)
    zh = {say_amount(23_000, "TWD", "zh-TW", rng) for _ in range(200)}
    en = {say_amount(120_000, "USD", "en-US", rng) for _ in range(200)}
    assert {"兩萬三", "2.3萬", "23000元"} <= zh
    assert {"$1,200", "twelve hundred", "1.2k"} <= en


def test_rounding_gives_whole_friendly_amounts():
    rng = random.Random(0)
    for _ in range(100):
        amount = round_spoken(12_345, "TWD", rng)
        assert amount % 100 == 0
        assert 0 < amount <= 1_234_567
