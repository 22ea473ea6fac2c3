"""Accounts without a birth date, an ID or a name: verify with what exists, else hand off."""

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from fairdial.cli import _register, app
from fairdial.cli import chat as _chat  # noqa: F401  (registers the command)
from fairdial.config import load_settings
from fairdial.conversation import acts
from fairdial.conversation.account_facts import identity_factor
from fairdial.conversation.identity import identity_matches
from fairdial.dispositions import Disposition
from fairdial.portfolio import import_portfolio
from fairdial.store import open_store
from fairdial.store.models import Borrower

from .fakes import bot_acts, facts, run

TODAY = date(2026, 3, 11)
NO_FACTOR = {"identity_factor": "", "identity_factor_kind": ""}
# What a person who is not the borrower could learn about the debt from the bot.
DEBT_WORDS = {
    "zh-TW": ("帳款", "欠", "債", "逾期", "繳", "還款", "一萬"),
    "en-US": ("debt", "owe", "$", "balance", "past-due", "collect", "payment"),
}
CONFIRM = {"zh-TW": "我就是", "en-US": "yes, speaking"}
runner = CliRunner()
_register()


def borrower(**fields: str | None) -> Borrower:
    return Borrower(ref="B-1", language="en-US", **fields)


def test_the_birth_year_is_asked_first():
    assert identity_factor(borrower(birth_date="1985-06-01", national_id="A123456789")) == (
        "1985",
        "birth_year",
    )


def test_without_a_birth_date_the_id_is_asked():
    assert identity_factor(borrower(birth_date=None, national_id="A123456789")) == (
        "6789",
        "id_last4",
    )
    assert identity_factor(borrower(birth_date="", national_id="F223344556")) == (
        "4556",
        "id_last4",
    )


def test_without_either_there_is_no_factor():
    assert identity_factor(borrower(birth_date=None, national_id=None)) == ("", "")
    assert identity_factor(borrower(birth_date="", national_id="")) == ("", "")


@pytest.mark.parametrize(("factor", "kind"), [("", ""), ("", "birth_year"), ("19", "birth_year")])
def test_no_answer_matches_a_missing_or_malformed_factor(factor, kind):
    for answer in ("1985", "", "19", "八五"):
        assert identity_matches(answer, factor, kind) is False


def test_the_id_verifies_an_account_without_a_birth_date():
    account = facts("en-US", identity_factor="6789", identity_factor_kind="id_last4")
    outcome, session = run(["yes, speaking", "6 7 8 9", "I'll pay all of it on friday"], account)

    ask = next(u for u in session.said if u.act == acts.VERIFY_IDENTITY)
    assert "last four digits of your ID" in ask.text
    assert outcome.right_party
    assert outcome.disposition is Disposition.PROMISE_TO_PAY


def assert_nothing_about_the_debt(outcome, session, language):  # type: ignore[no-untyped-def]
    said = [u.text for u in session.said]
    assert not [act for act in bot_acts(outcome) if act in acts.DEBT_ACTS]
    assert not [text for text in said if any(word in text for word in DEBT_WORDS[language])]
    assert outcome.right_party is False
    assert outcome.disposition is Disposition.ESCALATED
    assert outcome.escalation == "identity_unverifiable"
    assert outcome.guard_blocks == 0  # the pack's guard let every sentence through


@pytest.mark.parametrize("language", ["zh-TW", "en-US"])
def test_no_factor_hands_off_after_the_name_without_naming_the_debt(language):
    outcome, session = run([CONFIRM[language], "1985", "好"], facts(language, **NO_FACTOR))

    assert bot_acts(outcome)[:2] == [acts.GREET_DISCLOSE, acts.ASK_FOR_PARTY]
    assert acts.VERIFY_IDENTITY not in bot_acts(outcome)
    assert_nothing_about_the_debt(outcome, session, language)


@pytest.mark.parametrize("language", ["zh-TW", "en-US"])
@pytest.mark.parametrize("factor", [{}, NO_FACTOR])
def test_no_name_hands_off_at_once_without_naming_the_debt(language, factor):
    outcome, session = run([CONFIRM[language], "1985"], facts(language, borrower_name="", **factor))

    assert acts.ASK_FOR_PARTY not in bot_acts(outcome)
    assert acts.VERIFY_IDENTITY not in bot_acts(outcome)
    assert_nothing_about_the_debt(outcome, session, language)


def test_a_wrong_number_is_still_recorded_as_one_without_a_factor():
    outcome, _ = run(["wrong number"], facts("en-US", **NO_FACTOR))

    assert outcome.disposition is Disposition.WRONG_NUMBER
    assert outcome.escalation is None


def test_distress_still_gets_the_crisis_line_without_a_factor():
    outcome, session = run(["I want to kill myself"], facts("en-US", **NO_FACTOR))

    empathy = [u.text for u in session.said if u.act == acts.EMPATHY]
    assert len(empathy) == 1 and "988" in empathy[0]
    assert outcome.escalation == "distress"
    assert not [u for u in session.said if u.act in acts.DEBT_ACTS]


PORTFOLIO = """\
account_ref,name,national_id,phone,balance,currency,dpd,language,jurisdiction,ai_voice_consent
NB-1,Joe Q,,+14155550113,100,USD,30,en-US,US-CA,yes
NB-2,,,+14155550114,100,USD,30,en-US,US-CA,yes
NB-3,Ann Lee,A123456789,+14155550115,100,USD,30,en-US,US-CA,yes
"""


@pytest.fixture(scope="module")
def store_options(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    home = tmp_path_factory.mktemp("identity")
    url = f"sqlite:///{(home / 'fairdial.db').as_posix()}"
    portfolio = home / "portfolio.csv"
    portfolio.write_text(PORTFOLIO, encoding="utf-8")
    store = open_store(settings=load_settings(url, home))
    try:
        report = import_portfolio(store, portfolio, "csv")
    finally:
        store.close()
    assert (report.accepted, report.rejected) == (3, 0)
    return ["--db", url, "--home", str(home)]


def chat(options: list[str], account: str, replies: list[str], tmp_path) -> dict:  # type: ignore[no-untyped-def]
    path = tmp_path / "replies.txt"
    path.write_text("\n".join(replies) + "\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["chat", "--account", account, "--replies", str(path), "--json",
         "--today", TODAY.isoformat(), *options],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("account", ["NB-1", "NB-2"])
def test_imported_accounts_without_a_factor_end_in_a_hand_off(store_options, account, tmp_path):
    call = chat(store_options, account, ["yes", "1975", "I can pay it all tomorrow"], tmp_path)

    assert call["outcome"]["disposition"] == "escalated"
    assert call["outcome"]["right_party"] is False
    bot = [turn["text"] for turn in call["turns"] if turn["speaker"] == "bot"]
    assert not [text for text in bot if any(w in text for w in DEBT_WORDS["en-US"])]


def test_an_imported_account_with_only_an_id_is_verified_by_it(store_options, tmp_path):
    call = chat(store_options, "NB-3", ["yes", "6789", "I can pay it all tomorrow"], tmp_path)

    assert call["outcome"]["right_party"] is True
    assert call["outcome"]["disposition"] == "promise_to_pay"
