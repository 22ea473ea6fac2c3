import json

from typer.testing import CliRunner

import fairdial.cli.policy_guard  # noqa: F401  registers check-utterance
from fairdial.cli import app

runner = CliRunner()


def test_check_utterance_prints_a_block_as_json_and_exits_zero() -> None:
    result = runner.invoke(
        app,
        ["policy", "check-utterance", "--pack", "TW", "--lang", "zh-TW", "你會被逮捕。"],
    )

    assert result.exit_code == 0
    decision = json.loads(result.stdout)
    assert decision["allowed"] is False
    assert decision["reasons"] == ["threat"]
    assert decision["pack_id"] == "TW"


def test_check_utterance_applies_recipient_and_disclosure_flags() -> None:
    voicemail = runner.invoke(
        app,
        ["policy", "check-utterance", "--pack", "US", "--lang", "en-US", "--to", "voicemail",
         "Please call us about your overdue account."],
    )  # fmt: skip
    undisclosed = runner.invoke(
        app,
        ["policy", "check-utterance", "--pack", "US", "--lang", "en-US", "--not-disclosed",
         "You owe $500."],
    )  # fmt: skip
    unverified = runner.invoke(
        app,
        ["policy", "check-utterance", "--pack", "CN", "--lang", "zh-CN", "--unverified",
         "您的欠款是三千元。"],
    )  # fmt: skip

    assert json.loads(voicemail.stdout)["reasons"] == ["third_party_disclosure"]
    assert json.loads(undisclosed.stdout)["reasons"] == ["missing_disclosure"]
    assert json.loads(unverified.stdout)["reasons"] == ["unverified_disclosure"]


def test_check_utterance_passes_a_legitimate_line() -> None:
    result = runner.invoke(
        app,
        ["policy", "check-utterance", "--pack", "US", "--lang", "en-US",
         "We can help you set up a payment plan."],
    )  # fmt: skip

    assert result.exit_code == 0
    assert json.loads(result.stdout)["allowed"] is True


def test_unknown_pack_language_or_recipient_exit_two_with_one_line() -> None:
    for args, expected in (
        (["--pack", "XX", "--lang", "en-US"], "unknown policy pack 'XX'"),
        (["--pack", "US", "--lang", "fr-FR"], "no utterance rules for language 'fr-FR'"),
        (["--pack", "US", "--lang", "en-US", "--to", "email"], "--to must be one of"),
    ):
        result = runner.invoke(app, ["policy", "check-utterance", *args, "Hello."])

        assert result.exit_code == 2
        assert expected in result.output
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1
