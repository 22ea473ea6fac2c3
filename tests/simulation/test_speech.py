import random
import re
from datetime import date

import opencc

from fairdial.simulation.speech import Voice

TODAY = date(2024, 5, 22)
KEYS = (
    "hello",
    "confirm_party",
    "wrong_number",
    "third_party",
    "promise",
    "partial_offer",
    "plan_request",
    "hardship.job_loss",
    "hardship.bereavement",
    "dispute.not_my_loan",
    "already_paid",
    "stop_calling",
    "callback",
    "refuse",
    "distress",
)
TRADITIONAL_ONLY = set("這說會錢還個們後麼時過對點塊號禮週繳給沒問題話電兒幾開帳萬兩錯間")
SIMPLIFIED_ONLY = set("这说会钱还个们后么时过对点块号礼缴给没问题话电儿几开账万两错间")


def _lines(language: str, count: int = 60) -> list[str]:
    voice = Voice(language, random.Random(9), chattiness=0.7, today=TODAY)
    lines = []
    for key in KEYS:
        for _ in range(count):
            amount, _ = voice.amount(12_500, "TWD")
            lines.append(
                voice.line(
                    key,
                    amount=amount,
                    date=voice.day(date(2024, 5, 31)),
                    months=voice.months_word(6),
                    who=voice.who(),
                    when=voice.when()[0],
                    factor="1985",
                )
            )
    return lines


def test_zh_cn_is_simplified_throughout():
    to_simplified = opencc.OpenCC("t2s")
    for line in _lines("zh-CN"):
        assert not TRADITIONAL_ONLY & set(line), line
        assert to_simplified.convert(line) == line, line


def test_zh_tw_is_traditional_throughout():
    for line in _lines("zh-TW"):
        assert not SIMPLIFIED_ONLY & set(line), line


def test_en_us_has_no_chinese():
    for line in _lines("en-US"):
        assert not re.search(r"[\u3000-\u9fff]", line), line


def test_one_meaning_is_said_many_ways():
    for language in ("zh-TW", "zh-CN", "en-US"):
        voice = Voice(language, random.Random(1), chattiness=0.6, today=TODAY)
        said = set()
        for _ in range(200):
            amount, _ = voice.amount(23_000, "TWD")
            said.add(voice.line("promise", amount=amount, date=voice.day(date(2024, 5, 31))))
        assert len(said) >= 120, language


def test_taiwanese_particles_and_english_mixing_show_up():
    text = "".join(_lines("zh-TW"))
    for particle in ("啦", "喔", "齁", "欸"):
        assert particle in text
    assert "OK" in text


def test_full_amount_with_cents_is_never_read_as_a_different_number():
    voice = Voice("en-US", random.Random(2), chattiness=0.5, today=TODAY)
    for _ in range(200):
        spoken, meant = voice.amount(123_456, "USD", full=True)
        assert meant in {123_456, 123_400}
        if meant == 123_400:
            assert "1" in spoken or "one" in spoken or "k" in spoken
