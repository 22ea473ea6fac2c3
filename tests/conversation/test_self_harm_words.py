"""去死 said of oneself is distress; aimed at the caller it is abuse.

"我失業了，乾脆去死算了" names a hardship and a wish to die in one turn: distress wins, and the
borrower hears the crisis line before the call goes to a person.
"""

from datetime import date

import pytest

from fairdial.conversation import acts
from fairdial.conversation.understanding import understand
from fairdial.dispositions import Disposition

from .fakes import facts, run

TODAY = date(2026, 3, 11)

SAID_OF_ONESELF = {
    "zh-TW": [
        "乾脆去死算了",
        "我去死好了",
        "不如死了算了",
        "想死",
        "死了算了",
        "乾脆死一死",
        "我去死",
    ],
    "zh-CN": ["干脆去死算了", "我去死好了", "不如死了算了", "干脆死一死", "索性去死"],
    "en-US": ["I might as well die", "I'd be better off dead", "I should just die"],
}
AIMED_AT_THE_CALLER = {
    "zh-TW": ["你去死", "你們去死吧", "你乾脆去死算了", "去死啦", "你去死好了"],
    "zh-CN": ["你去死", "你们去死吧", "你干脆去死算了"],
    "en-US": ["go die", "drop dead", "you should just die"],
}
HARDSHIP_AND_DISTRESS = {
    "zh-TW": "我失業了，乾脆去死算了",
    "zh-CN": "我失业了，干脆去死算了",
    "en-US": "I lost my job, I might as well die",
}
ACCOUNTS = {
    "zh-TW": ({"jurisdiction": "TW", "currency": "TWD"}, "1925"),
    "zh-CN": ({"jurisdiction": "CN", "currency": "CNY"}, "12356"),
    "en-US": ({"jurisdiction": "US-CA", "currency": "USD"}, "988"),
}
VERIFIED = {"zh-TW": ["我就是", "1985"], "zh-CN": ["我就是", "1985"], "en-US": ["speaking", "1985"]}


def cases(table: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(lang, text) for lang, texts in table.items() for text in texts]


@pytest.mark.parametrize(("lang", "text"), cases(SAID_OF_ONESELF))
def test_wishing_oneself_dead_is_distress(lang, text):
    result = understand(text, lang, TODAY)

    assert result.intent == "distress"
    assert "abusive" not in result.also


@pytest.mark.parametrize(("lang", "text"), cases(AIMED_AT_THE_CALLER))
def test_telling_the_caller_to_die_is_abuse(lang, text):
    result = understand(text, lang, TODAY)

    assert result.intent == "abusive"
    assert "distress" not in result.also


@pytest.mark.parametrize("lang", sorted(HARDSHIP_AND_DISTRESS))
def test_distress_wins_over_the_hardship_said_with_it(lang):
    result = understand(HARDSHIP_AND_DISTRESS[lang], lang, TODAY)

    assert result.intent == "distress"
    assert "hardship" in result.also


@pytest.mark.parametrize("lang", sorted(HARDSHIP_AND_DISTRESS))
def test_the_crisis_line_is_said_after_a_hardship_and_distress_turn(lang):
    changes, number = ACCOUNTS[lang]
    outcome, session = run([*VERIFIED[lang], HARDSHIP_AND_DISTRESS[lang]], facts(lang, **changes))

    empathy = [u for u in session.said if u.act == acts.EMPATHY]
    assert len(empathy) == 1 and number in empathy[0].text
    assert outcome.disposition is Disposition.ESCALATED
    assert outcome.escalation == "distress"
