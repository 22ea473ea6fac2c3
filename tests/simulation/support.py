"""Accounts for the simulation tests and a scripted stand-in for the conversation engine."""

from __future__ import annotations

from datetime import date

from fairdial.conversation.facts import AccountFacts, OfferBounds
from fairdial.money import minor_digits
from fairdial.telephony.base import BotUtterance, CallSession

TODAY = date(2024, 5, 22)  # a Wednesday


def make_facts(
    ref: str = "A-1",
    language: str = "zh-TW",
    balance_minor: int | None = None,
    dpd: int = 20,
    kind: str = "birth_year",
    factor: str = "1985",
) -> AccountFacts:
    currency = {"zh-TW": "TWD", "zh-CN": "CNY", "en-US": "USD"}[language]
    jurisdiction = {"zh-TW": "TW", "zh-CN": "CN", "en-US": "US-CA"}[language]
    if balance_minor is None:  # 23,000 in the account's currency
        balance_minor = 23_000 * 10 ** minor_digits(currency)
    return AccountFacts(
        account_ref=ref,
        borrower_name="Test Borrower",
        identity_factor=factor,
        identity_factor_kind=kind,
        balance_minor=balance_minor,
        currency=currency,
        dpd=dpd,
        language=language,
        jurisdiction=jurisdiction,
        company_name="Example Finance",
        today=TODAY,
        bounds=OfferBounds(),
    )


# The acts a plain collection call walks through, with the slots the engine would fill.
SCRIPT: tuple[BotUtterance, ...] = (
    BotUtterance("您好，這裡是範例金融的自動語音助理", "greet_disclose"),
    BotUtterance("請問是王先生嗎", "ask_for_party", {"name": "王先生"}),
    BotUtterance("請問您的出生年", "verify_identity", {"identity_kind": "birth_year"}),
    BotUtterance("本通話為催收，將會錄音", "disclosure"),
    BotUtterance(
        "您的帳款兩萬三千元已逾期二十天",
        "state_debt",
        {"amount_minor": 23_000, "currency": "TWD", "dpd": 20},
    ),
    BotUtterance(
        "請問您可以在五月三十一日前繳清嗎",
        "ask_payment",
        {"amount_minor": 23_000, "due_date": "2024-05-31"},
    ),
    BotUtterance(
        "我們可以提供六期分期",
        "offer_plan",
        {"months": 6, "first_payment_minor": 3_834, "amount_minor": 23_000},
    ),
    BotUtterance(
        "那先繳一萬元可以嗎", "counter_offer", {"amount_minor": 1_000_000, "due_date": "2024-05-31"}
    ),
    BotUtterance("謝謝您，再見", "closing"),
)


async def walk(session: CallSession, script: tuple[BotUtterance, ...] = SCRIPT) -> list[str]:
    """Say each act and listen once, as a naive engine would; returns what was heard."""
    heard: list[str] = []
    for utterance in script:
        if session.hung_up:
            break
        await session.say(utterance)
        turn = await session.listen()
        if turn is not None:
            heard.append(turn.text)
    await session.hangup()
    return heard
