"""`fairdial understand` and `fairdial eval nlu`: read one borrower turn, or score a data set."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from fairdial.cli import app
from fairdial.cli.common import console, fail
from fairdial.conversation.nlu.dataset import LANGS, DatasetError
from fairdial.money import to_minor

eval_app = typer.Typer(help="Measure the parts of fairdial on labelled data.", no_args_is_help=True)


@app.command("understand")
def understand_command(
    text: Annotated[str, typer.Argument(help="What the borrower said.")],
    lang: Annotated[str, typer.Option("--lang", help="zh-TW, zh-CN or en-US.")],
    today: Annotated[
        str | None, typer.Option("--today", help="Day of the call, YYYY-MM-DD (default: today).")
    ] = None,
    payday: Annotated[
        int | None, typer.Option("--payday", help="Borrower's payday, day of the month.")
    ] = None,
    balance: Annotated[
        str | None, typer.Option("--balance", help="Balance in major units, for 'half'.")
    ] = None,
) -> None:
    """Print the intent, confidence and entities of one borrower turn as JSON."""
    from fairdial.conversation.understanding import default_currency, public, understand

    # Language tags ignore case (RFC 5646 section 2.1.1); the models know the canonical spelling.
    canonical = {known.lower(): known for known in LANGS}
    if lang.strip().lower() not in canonical:
        raise fail(f"--lang must be one of {', '.join(LANGS)}, not {lang!r}")
    lang = canonical[lang.strip().lower()]
    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError:
        raise fail("--today must be a date like 2026-03-11") from None
    if payday is not None and not 1 <= payday <= 31:
        raise fail("--payday must be a day of the month, 1 to 31")
    currency = default_currency(lang)
    balance_minor = None
    if balance is not None:
        try:
            balance_minor = to_minor(Decimal(balance), currency or "USD")
        except (InvalidOperation, ValueError):
            raise fail(f"--balance must be an amount in {currency}") from None

    result = understand(text, lang, day, balance_minor=balance_minor, payday=payday)
    typer.echo(json.dumps(public(result), ensure_ascii=False))


def _percent(value: float) -> str:
    return f"{value:.3f}"


@eval_app.command("nlu")
def eval_nlu(
    dataset: Annotated[Path, typer.Argument(help="Labelled JSONL, one borrower turn a line.")],
    predictions: Annotated[
        Path | None,
        typer.Option("--predictions", help="Write what `understand` prints for each line here."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Accuracy per intent and language, top confusions, entity accuracy, missed distress."""
    from fairdial.conversation.nlu.evaluate import evaluate

    if not dataset.is_file():
        raise fail(f"{dataset}: no such file")
    try:
        report = evaluate(dataset)
    except DatasetError as exc:
        raise fail(str(exc)) from None

    if predictions:
        with open(predictions, "w", encoding="utf-8") as handle:
            for shown in report.predictions:
                handle.write(json.dumps(shown, ensure_ascii=False) + "\n")

    summary = report.to_json()
    if as_json:
        console.print_json(json.dumps(summary, ensure_ascii=False))
        return

    lines = [f"examples  {report.overall.total}", f"accuracy  {_percent(report.overall.accuracy)}"]
    lines.append("by language")
    for lang, tally in sorted(report.by_lang.items()):
        lines.append(f"  {lang:<18}{_percent(tally.accuracy)}  {tally.right}/{tally.total}")
    lines.append("by intent")
    for intent, tally in sorted(report.by_intent.items()):
        lines.append(f"  {intent:<18}{_percent(tally.accuracy)}  {tally.right}/{tally.total}")
    lines.append("most frequent confusions (expected -> predicted)")
    for (gold, guess), count in report.confusions.most_common(10):
        lines.append(f"  {count:>3}  {gold} -> {guess}")
    lines.append("entities (lines that list the entity)")
    for key, tally in sorted(report.by_entity.items()):
        lines.append(f"  {key:<18}{_percent(tally.accuracy)}  {tally.right}/{tally.total}")
    entity_lines = report.entity_lines
    lines.append(
        f"  {'all listed':<18}{_percent(entity_lines.accuracy)}  "
        f"{entity_lines.right}/{entity_lines.total}"
    )
    lines.append(f"distress read as another intent     {report.distress_missed}")
    lines.append(f"distress read as a non-escalating   {report.distress_not_escalated}")
    typer.echo("\n".join(lines))


app.add_typer(eval_app, name="eval")
