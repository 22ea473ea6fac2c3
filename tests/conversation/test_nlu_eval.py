import json
from pathlib import Path

from typer.testing import CliRunner

import fairdial.cli.nlu  # noqa: F401  registers the commands on the app
from fairdial.cli import app
from fairdial.conversation.nlu.evaluate import evaluate

HELDOUT = Path(__file__).parents[2] / "eval" / "nlu" / "heldout.jsonl"
runner = CliRunner()


def test_heldout_targets():
    report = evaluate(HELDOUT)
    for lang, tally in report.by_lang.items():
        assert tally.accuracy >= 0.90, lang
    assert report.by_entity["amount"].accuracy >= 0.95
    assert report.by_entity["date"].accuracy >= 0.95
    assert report.distress_not_escalated == 0
    assert report.by_intent["distress"].total >= 30


def test_understand_prints_the_public_shape():
    result = runner.invoke(
        app, ["understand", "--lang", "zh-TW", "--today", "2026-03-11", "我下個月五號還兩萬三"]
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["intent"] == "promise_to_pay"
    assert shown["entities"] == {
        "amount": 23000, "currency": "TWD", "date": "2026-04-05", "time": None, "months": None,
        "hardship": None,
    }  # fmt: skip


def test_understand_with_payday_and_dollars():
    result = runner.invoke(
        app,
        ["understand", "--lang", "en-US", "--today", "2026-03-11", "--payday", "20",
         "I'll pay $1,200 on payday"],
    )  # fmt: skip
    shown = json.loads(result.output)
    assert shown["entities"]["amount"] == 1200
    assert shown["entities"]["currency"] == "USD"
    assert shown["entities"]["date"] == "2026-03-20"


def test_eval_writes_one_prediction_per_line(tmp_path):
    data = tmp_path / "set.jsonl"
    lines = [
        {"text": "我明天還五千", "lang": "zh-TW", "today": "2026-03-11",
         "intent": "promise_to_pay", "entities": {"amount": 5000, "date": "2026-03-12"}},
        {"text": "I want to kill myself", "lang": "en-US", "today": "2026-03-11",
         "intent": "distress"},
    ]  # fmt: skip
    data.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    out = tmp_path / "predictions.jsonl"
    result = runner.invoke(app, ["eval", "nlu", str(data), "--predictions", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["accuracy"] == 1.0
    assert summary["entities"]["amount"]["right"] == 1
    assert summary["distress_missed"] == 0
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [shown["intent"] for shown in written] == ["promise_to_pay", "distress"]


def test_eval_names_the_bad_line(tmp_path):
    data = tmp_path / "set.jsonl"
    good = '{"text": "好", "lang": "zh-TW", "today": "2026-03-11", "intent": "affirm"}'
    data.write_text(good + "\n{broken\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "nlu", str(data)])
    assert result.exit_code == 2
    assert "line 2" in result.output
