"""`--lang` takes a language tag in any case and uses the spelling the scripts and models know."""

import json

import pytest
from typer.testing import CliRunner

from fairdial.cli import _register, app
from fairdial.config import load_settings
from fairdial.portfolio import import_portfolio
from fairdial.store import open_store

_register()
runner = CliRunner()
PORTFOLIO = """\
account_ref,name,birth_date,phone,balance,currency,dpd,language,jurisdiction,product,ai_voice_consent
US-1,Jo Doe,1985-06-01,+14155550123,120.00,USD,45,en-US,US-CA,credit_card,yes
"""


@pytest.fixture
def store_options(tmp_path) -> list[str]:
    url = f"sqlite:///{(tmp_path / 'fairdial.db').as_posix()}"
    portfolio = tmp_path / "portfolio.csv"
    portfolio.write_text(PORTFOLIO, encoding="utf-8")
    store = open_store(settings=load_settings(url, tmp_path))
    try:
        assert import_portfolio(store, portfolio, "csv").accepted == 1
    finally:
        store.close()
    return ["--db", url, "--home", str(tmp_path)]


def _chat(store_options: list[str], tmp_path, lang: str):
    replies = tmp_path / "replies.txt"
    replies.write_text("", encoding="utf-8")
    return runner.invoke(
        app,
        ["chat", "--account", "US-1", "--lang", lang, "--replies", str(replies), "--json",
         "--today", "2026-03-11", *store_options],
    )  # fmt: skip


@pytest.mark.parametrize(("given", "canonical"), [("ZH-tw", "zh-TW"), ("zh-cn", "zh-CN")])
def test_chat_accepts_a_tag_in_any_case(store_options, tmp_path, given, canonical):
    result = _chat(store_options, tmp_path, given)

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["language"] == canonical


def test_chat_names_an_unknown_language(store_options, tmp_path):
    result = _chat(store_options, tmp_path, "fr-FR")

    assert result.exit_code == 2
    assert "--lang: no conversation script for language 'fr-FR'" in result.output
    assert "zh-TW" in result.output


@pytest.mark.parametrize(
    ("given", "text", "currency"),
    [("ZH-cn", "我下周五还五十块", "CNY"), ("EN-us", "I can pay 50 next friday", "USD")],
)
def test_understand_accepts_a_tag_in_any_case(given, text, currency):
    result = runner.invoke(app, ["understand", text, "--lang", given, "--today", "2026-03-11"])

    assert result.exit_code == 0, result.output
    read = json.loads(result.output)
    assert read["intent"] == "promise_to_pay"
    assert read["entities"]["amount"] == 50
    assert read["entities"]["currency"] == currency
    assert read["entities"]["date"] == "2026-03-20"


def test_understand_names_an_unknown_language():
    result = runner.invoke(app, ["understand", "ok", "--lang", "fr-FR"])

    assert result.exit_code == 2
    assert "--lang must be one of zh-TW, zh-CN, en-US, not 'fr-FR'" in result.output
