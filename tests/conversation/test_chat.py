"""Whole conversations through `fairdial chat --replies ... --json`, on a store in tmp_path."""

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairdial.cli import _register, app
from fairdial.cli import chat as _chat  # noqa: F401  (registers the command)
from fairdial.config import load_settings
from fairdial.conversation import acts
from fairdial.portfolio import import_portfolio
from fairdial.store import open_store

REPLIES = Path(__file__).parent / "replies"
TODAY = date(2026, 3, 11)  # a Wednesday
PORTFOLIO = """\
account_ref,name,birth_date,phone,balance,currency,dpd,language,jurisdiction,product,ai_voice_consent
TW-1,王小明,1985-06-01,+886912345678,12050,TWD,45,zh-TW,TW,credit_card,yes
US-1,John Smith,1985-06-01,+14155550123,12050.00,USD,45,en-US,US-CA,credit_card,yes
"""
ACCOUNT = {"zh-TW": "TW-1", "en-US": "US-1"}
BALANCE = {"zh-TW": 12_050, "en-US": 1_205_000}
FLOOR = {"zh-TW": 1_205, "en-US": 120_500}  # credit_card: 10% of the balance first
LATEST = TODAY + timedelta(days=14)  # credit_card: promises at most 14 days out
DEBT_WORDS = {
    "zh-TW": ("帳款", "欠", "債", "一萬兩千", "逾期", "繳", "還款"),
    "en-US": ("debt", "owe", "$12,050", "balance", "past-due", "collect", "payment"),
}
LANGUAGES = ("zh-TW", "en-US")
runner = CliRunner()
_register()


@pytest.fixture(scope="module")
def store_options(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    home = tmp_path_factory.mktemp("chat")
    url = f"sqlite:///{(home / 'fairdial.db').as_posix()}"
    portfolio = home / "portfolio.csv"
    portfolio.write_text(PORTFOLIO, encoding="utf-8")
    store = open_store(settings=load_settings(url, home))
    try:
        report = import_portfolio(store, portfolio, "csv")
    finally:
        store.close()
    assert (report.accepted, report.rejected) == (2, 0)
    return ["--db", url, "--home", str(home)]


def chat(options: list[str], language: str, replies: str, *extra: str) -> dict:
    result = runner.invoke(
        app,
        ["chat", "--account", ACCOUNT[language], "--replies", str(REPLIES / f"{replies}.txt"),
         "--json", "--today", TODAY.isoformat(), *options, *extra],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def bot_turns(call: dict) -> list[dict]:
    return [turn for turn in call["turns"] if turn["speaker"] == "bot"]


def said_before_verification(call: dict) -> str:
    """Everything the bot said before the identity answer matched (all of it, if never)."""
    said = []
    for turn in call["turns"]:
        if turn["speaker"] == "borrower" and turn["confidence"] == 1.0:
            break
        if turn["speaker"] == "bot":
            said.append(turn["text"])
    return " ".join(said)


def assert_nothing_about_the_debt(text: str, language: str) -> None:
    for word in DEBT_WORDS[language]:
        assert word not in text, word


def assert_debt_kept_until_verified(call: dict, language: str) -> None:
    assert_nothing_about_the_debt(said_before_verification(call), language)
    early = []
    for turn in call["turns"]:
        if turn["speaker"] == "borrower" and turn["confidence"] == 1.0:
            break
        early.append(turn.get("act"))
    assert not set(early) & acts.DEBT_ACTS


ESCALATIONS = [
    ("hardship", "hardship", "hardship", []),
    ("distress", "escalated", "distress", []),
    ("dispute", "dispute", "dispute", ["dispute"]),
    ("attorney", "escalated", "attorney", ["attorney"]),
    ("bankruptcy", "escalated", "bankruptcy", ["bankruptcy"]),
    ("deceased", "escalated", "deceased", ["deceased"]),
    ("request_human", "escalated", "request_human", []),
    ("unclear", "escalated", "low_confidence", []),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("replies", "disposition", "escalation", "holds"), ESCALATIONS)
def test_escalations_hand_off_with_a_summary(
    store_options, language, replies, disposition, escalation, holds
):
    call = chat(store_options, language, f"{language}-{replies}")
    outcome = call["outcome"]
    assert (outcome["disposition"], outcome["escalation"]) == (disposition, escalation)
    assert outcome["holds"] == holds
    assert bot_turns(call)[-1]["act"] in (acts.ESCALATE, acts.CLOSING)
    assert outcome["promise"] is None and outcome["plan"] is None
    summary = outcome["summary"]
    assert f"account {ACCOUNT[language]}" in summary and f"escalated: {escalation}" in summary
    assert "王小明" not in summary and "John Smith" not in summary and "1985" not in summary
    assert_debt_kept_until_verified(call, language)
    assert outcome["guard_blocks"] == 0 and outcome["guard_events"] == []


@pytest.mark.parametrize(
    ("language", "crisis_line"), [("zh-TW", "1925"), ("en-US", "988")]
)  # fmt: skip
def test_distress_is_immediate_and_names_the_local_crisis_line(
    store_options, language, crisis_line
):
    call = chat(store_options, language, f"{language}-distress")
    after = call["turns"][[t.get("intent") for t in call["turns"]].index("distress") + 1 :]
    assert [turn["act"] for turn in after] == [acts.EMPATHY, acts.ESCALATE]
    assert crisis_line in after[0]["text"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_hardship_turns_the_script_gentle(store_options, language):
    call = chat(store_options, language, f"{language}-hardship")
    assert call["outcome"]["variant"] == "hardship"
    empathy = next(t for t in bot_turns(call) if t["act"] == acts.EMPATHY)
    assert ("不會催您" if language == "zh-TW" else "no pressure") in empathy["text"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_deceased_before_verification_reveals_nothing(store_options, language):
    call = chat(store_options, language, f"{language}-deceased")
    assert not call["outcome"]["right_party"]
    assert_nothing_about_the_debt(" ".join(t["text"] for t in bot_turns(call)), language)


@pytest.mark.parametrize(
    ("language", "holds"), [("zh-TW", ["cease"]), ("en-US", ["cease", "medium_refused"])]
)
def test_stop_contact_places_the_hold_and_ends_politely(store_options, language, holds):
    call = chat(store_options, language, f"{language}-stop_contact")
    outcome = call["outcome"]
    assert outcome["disposition"] == "stop_contact" and outcome["holds"] == holds
    assert outcome["escalation"] is None
    assert bot_turns(call)[-1]["act"] == acts.STOP_ACK
    assert_debt_kept_until_verified(call, language)


@pytest.mark.parametrize(
    ("language", "callback_at"), [("zh-TW", "19:00"), ("en-US", "after 18:00")]
)  # fmt: skip
def test_third_party_hears_nothing_about_the_debt(store_options, language, callback_at):
    call = chat(store_options, language, f"{language}-third_party")
    outcome = call["outcome"]
    assert outcome["disposition"] == "third_party" and not outcome["right_party"]
    assert outcome["callback_at"] == callback_at
    assert acts.THIRD_PARTY_MESSAGE in [t["act"] for t in bot_turns(call)]
    assert_nothing_about_the_debt(" ".join(t["text"] for t in bot_turns(call)), language)
    assert not {t["act"] for t in bot_turns(call)} & acts.DEBT_ACTS


@pytest.mark.parametrize("language", LANGUAGES)
def test_wrong_number_apologises_and_reveals_nothing(store_options, language):
    call = chat(store_options, language, f"{language}-wrong_number")
    assert call["outcome"]["disposition"] == "wrong_number"
    assert [t["act"] for t in bot_turns(call)][-1] == acts.WRONG_NUMBER_APOLOGY
    assert_nothing_about_the_debt(" ".join(t["text"] for t in bot_turns(call)), language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_voicemail_follows_the_pack(store_options, language):
    call = chat(store_options, language, "silence", "--answered-by", "machine")
    if language == "en-US":  # the US pack allows a limited-content message
        assert call["outcome"]["disposition"] == "voicemail_left"
        assert [t["act"] for t in bot_turns(call)] == [acts.VOICEMAIL_MESSAGE]
        assert_nothing_about_the_debt(bot_turns(call)[0]["text"], language)
    else:  # Taiwan's pack allows none: a shared mailbox could reveal the call's purpose
        assert call["outcome"]["disposition"] == "voicemail_no_message"
        assert bot_turns(call) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_silence_before_verification_is_no_response(store_options, language):
    call = chat(store_options, language, "silence")
    assert call["outcome"]["disposition"] == "no_response"
    assert [t["act"] for t in bot_turns(call)][-2:] == [acts.REPROMPT, acts.CLOSING]
    assert [t["speaker"] for t in call["turns"]].count("borrower") == 0


@pytest.mark.parametrize(
    ("language", "due", "spoken"),
    [("zh-TW", "2026-03-12", "一萬兩千零五十元"), ("en-US", "2026-03-20", "$12,050")],
)  # fmt: skip
def test_promise_in_full(store_options, language, due, spoken):
    call = chat(store_options, language, f"{language}-promise")
    outcome = call["outcome"]
    assert outcome["disposition"] == "promise_to_pay"
    assert outcome["promise"]["amount_minor"] == BALANCE[language]
    assert outcome["promise"]["due_date"] == due and not outcome["promise"]["settlement"]
    assert outcome["concessions"] == []
    texts = [t["text"] for t in bot_turns(call)]
    assert any(spoken in text for text in texts)
    intents = [t["intent"] for t in call["turns"] if t["speaker"] == "borrower"]
    assert intents[-1] == "promise_to_pay"
    assert_debt_kept_until_verified(call, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_plan_sums_to_the_balance_inside_the_bounds(store_options, language):
    call = chat(store_options, language, f"{language}-plan")
    outcome = call["outcome"]
    assert outcome["disposition"] == "payment_plan"
    plan = outcome["plan"]
    amounts = [row["amount_minor"] for row in plan["installments"]]
    assert plan["months"] == len(amounts) == 6
    assert sum(amounts) == plan["total_minor"] == BALANCE[language]
    assert amounts[0] >= FLOOR[language]
    assert date.fromisoformat(plan["installments"][0]["due_date"]) <= LATEST
    assert [c["kind"] for c in outcome["concessions"]] == ["plan_offered"]
    assert outcome["concessions"][0]["total_minor"] == BALANCE[language]


@pytest.mark.parametrize(
    ("language", "offered"), [("zh-TW", 7_230), ("en-US", 723_000)]
)  # fmt: skip
def test_settlement_offered_at_the_floor_and_accepted(store_options, language, offered):
    call = chat(store_options, language, f"{language}-settlement", "--settlement-floor", "0.6")
    outcome = call["outcome"]
    assert outcome["disposition"] == "promise_to_pay"
    assert outcome["promise"]["amount_minor"] == offered >= BALANCE[language] * 0.6
    assert outcome["promise"]["settlement"]
    assert [c["kind"] for c in outcome["concessions"]] == ["settlement_offered"]
    assert outcome["concessions"][0]["amount_minor"] == offered
    assert acts.OFFER_SETTLEMENT in [t["act"] for t in bot_turns(call)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_settlement_without_a_floor(store_options, language):
    call = chat(store_options, language, f"{language}-settlement")
    outcome = call["outcome"]
    assert acts.OFFER_SETTLEMENT not in [t["act"] for t in bot_turns(call)]
    assert outcome["plan"] is not None and outcome["plan"]["total_minor"] == BALANCE[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_late_date_is_countered_with_the_latest_allowed(store_options, language):
    call = chat(store_options, language, f"{language}-late_date")
    outcome = call["outcome"]
    assert outcome["promise"]["due_date"] == LATEST.isoformat()
    countered = outcome["concessions"][0]
    assert countered["kind"] == "date_countered" and countered["offered_date"] == "2026-03-25"


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_amount_below_the_floor_is_never_accepted(store_options, language):
    call = chat(store_options, language, f"{language}-small_amount", "--settlement-floor", "0.6")
    outcome = call["outcome"]
    assert outcome["promise"] is None and outcome["plan"] is None
    kinds = [c["kind"] for c in outcome["concessions"]]
    assert kinds[:3] == ["amount_countered", "settlement_offered", "plan_offered"]
    assert outcome["concessions"][0]["offered_minor"] == FLOOR[language]
    for concession in outcome["concessions"]:
        for key in ("amount_minor", "offered_minor", "first_payment_minor"):
            if key in concession:
                assert concession[key] >= FLOOR[language]


def test_a_missing_account_is_a_clear_error(store_options):
    result = runner.invoke(
        app, ["chat", "--account", "NOPE-9", "--replies", str(REPLIES / "silence.txt"),
              "--json", *store_options],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "no account 'NOPE-9'" in result.output


def test_the_language_can_be_chosen(store_options):
    result = runner.invoke(
        app, ["chat", "--account", "TW-1", "--lang", "zh-CN", "--replies",
              str(REPLIES / "zh-TW-promise.txt"), "--json", "--today", "2026-03-11",
              *store_options],
    )  # fmt: skip
    call = json.loads(result.output)
    assert call["language"] == "zh-CN"
    assert "一万两千零五十元" in " ".join(t["text"] for t in bot_turns(call))
