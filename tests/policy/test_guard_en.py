"""English sentences the bot might say to a verified borrower, with the guard's verdict."""

import pytest

from fairdial.policy import load_pack
from fairdial.policy.guard import guard

BLOCKED = [
    ("You'll be arrested if you don't pay.", ("threat",)),
    ("We will send the police to your house.", ("threat",)),
    ("We're going to sue you today.", ("threat",)),
    ("You could go to jail for this.", ("threat",)),
    ("The sheriff will seize your car next week.", ("threat",)),
    ("We will garnish your wages.", ("threat",)),
    ("We know where you live.", ("threat",)),
    ("Your kids will pay for this.", ("threat",)),
    ("We'll tell your employer about this.", ("threat",)),
    ("This could lead to criminal charges.", ("threat",)),
    ("You are a deadbeat.", ("abusive_language",)),
    ("Stop wasting my time, you idiot.", ("abusive_language",)),
    ("What the hell is wrong with you?", ("abusive_language",)),
    ("Shame on you for not paying.", ("abusive_language",)),
    ("You are a liar and a thief.", ("abusive_language",)),
    ("I am an attorney with the firm handling your file.", ("false_representation",)),
    ("I'm calling from the sheriff's office.", ("false_representation",)),
    ("A lawsuit has been filed against you.", ("false_representation",)),
    ("We've already filed a case in court.", ("false_representation",)),
    ("Our legal department is reviewing your file.", ("false_representation",)),
    ("Pay within the hour or else.", ("false_urgency",)),
    ("This is your last chance to settle.", ("false_urgency",)),
    ("You have to pay right now, before it's too late.", ("false_urgency",)),
    ("This offer expires in 30 minutes.", ("false_urgency",)),
    ("Pay today or we'll take you to court.", ("threat", "false_urgency")),
    ("Listen, you moron, you’ll be arrested.", ("threat", "abusive_language")),
]

ALLOWED = [
    "We can help you set up a payment plan.",
    "If you dispute the debt, you can tell us.",
    "This call may be recorded.",
    "I am an automated assistant calling for First Lending.",
    "This is an attempt to collect a debt, and any information obtained will be used for that "
    "purpose.",
    "This communication is from a debt collector.",
    "Your balance is $1,250.00 and the minimum payment is $75.",
    "Would you like to pay today or next week?",
    "If you have an attorney, please give us their name and number.",
    "A human agent will call you back within 24 hours.",
    "This is a courtesy call from First Lending.",
    "The arrears can be paid in three instalments.",
    "We can lower the monthly payment to $100.",
    "Would a payment on Friday work for you?",
    "Can you tell me a good time to call back?",
    "We will not charge any fees for setting up the plan.",
    "I understand this is a difficult time for you.",
    "Thanks, I've noted that you already paid.",
    "Please hold while I transfer you to a colleague.",
    "Could you confirm your date of birth?",
    "You can also pay online at any time.",
    "Thank you for your time, have a good day.",
    "May I speak with Bill Jones?",
    "Our offices are open until 8 pm.",
    "If you would rather talk to a person, I can transfer you.",
]


@pytest.mark.parametrize(("text", "reasons"), BLOCKED)
def test_blocked_english_sentences_name_their_reasons(text: str, reasons: tuple[str, ...]) -> None:
    decision = guard(text, "en-US", load_pack("US"))

    assert decision.allowed is False
    assert decision.reasons == reasons


@pytest.mark.parametrize("text", ALLOWED)
def test_legitimate_english_sentences_pass(text: str) -> None:
    decision = guard(text, "en-US", load_pack("US"))

    assert decision.allowed is True, decision.matches
    assert decision.reasons == ()


def test_the_tables_hold_at_least_25_sentences_each() -> None:
    assert len(BLOCKED) >= 25
    assert len(ALLOWED) >= 25


def test_a_threat_names_the_rule_and_the_fdcpa_section() -> None:
    decision = guard("You'll be arrested tomorrow.", "en-US", load_pack("US"))

    assert decision.matches == ("threat.arrest",)
    assert any("1692e(4)" in source for source in decision.sources)
    assert decision.pack_id == "US"
