"""`fairdial chat`: talk to the bot as the borrower of one stored account, or replay a file."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from fairdial.campaign.settings import COMPANY_NAMES, bounds_for
from fairdial.cli import app
from fairdial.cli.common import DbOption, HomeOption, console, fail, store_from_options
from fairdial.conversation.console_session import ConsoleSession
from fairdial.conversation.facts import AccountFacts, OfferBounds
from fairdial.conversation.outcome import ConversationOutcome
from fairdial.conversation.script import ScriptError, load_script
from fairdial.telephony.base import BotUtterance


@app.command("chat")
def chat_command(
    account_ref: Annotated[str, typer.Option("--account", help="The account's reference.")],
    language: Annotated[
        str | None, typer.Option("--lang", help="Speak this language instead of the borrower's.")
    ] = None,
    replies: Annotated[
        Path | None,
        typer.Option("--replies", help="Borrower lines, one per row; an empty row is silence."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the call as JSON.")] = False,
    today: Annotated[
        str | None, typer.Option("--today", help="The call's date, YYYY-MM-DD (default: today).")
    ] = None,
    answered_by: Annotated[
        str, typer.Option("--answered-by", help="'human', or 'machine' for a voicemail.")
    ] = "human",
    settlement_floor: Annotated[
        float | None,
        typer.Option(
            "--settlement-floor",
            help="Try a settlement floor (share of the balance, e.g. 0.6) the product lacks.",
        ),
    ] = None,
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Hold one conversation with the bot in the terminal, as the account's borrower would."""
    # The store and the understanding models load here, not for `fairdial --help`.
    from sqlalchemy import select

    from fairdial.conversation.account_facts import account_facts
    from fairdial.conversation.engine import converse
    from fairdial.store.models import Account, CallAttempt

    if answered_by not in ("human", "machine"):
        raise fail("--answered-by takes 'human' or 'machine'")
    if settlement_floor is not None and not 0 < settlement_floor < 1:
        raise fail("--settlement-floor is a share of the balance between 0 and 1, e.g. 0.6")
    call_date = _parse_day(today)
    lines = _read_replies(replies) if replies is not None else None
    if lines is None and as_json:
        raise fail("--json needs --replies: a conversation typed live is shown as it happens")

    with store_from_options(db, home, must_exist=True) as store, store.session() as session:
        account = session.scalars(select(Account).where(Account.ref == account_ref)).first()
        if account is None:
            raise fail(f"no account {account_ref!r} in the store; import a portfolio first")
        if account.dpd <= 0 or account.balance_minor <= 0:
            # A collection call about a debt that is not overdue, or not owed, must not happen.
            raise fail(f"account {account_ref} is not overdue with a balance owed; nothing to call")
        spoken = _script_language(language) if language else account.borrower.language
        try:
            load_script(spoken)
        except ScriptError as exc:
            raise fail(str(exc)) from None
        talked = session.scalars(
            select(CallAttempt.id).where(
                CallAttempt.account_id == account.id, CallAttempt.result == "conversation"
            )
        ).first()
        facts = account_facts(
            account,
            account.borrower,
            today=call_date,
            company_name=COMPANY_NAMES.get(spoken, COMPANY_NAMES["en-US"]),
            bounds=_bounds(account.product, settlement_floor),
            first_contact=talked is None,
            language=spoken,
        )

    if lines is not None:
        outcome = asyncio.run(converse(ConsoleSession.replaying(lines, answered_by), facts))
        if as_json:
            typer.echo(json.dumps(chat_record(facts, outcome), ensure_ascii=False, indent=2))
        else:
            _print_transcript(outcome)
            _print_outcome(outcome)
        return

    console.print("[dim]you are the borrower; an empty line is silence, Ctrl-D hangs up[/]")
    live = ConsoleSession(_prompt, _show, answered_by)
    outcome = asyncio.run(converse(live, facts))
    _print_outcome(outcome)


def _script_language(tag: str) -> str:
    """The tag as its script spells it: language tags ignore case (RFC 5646 section 2.1.1)."""
    from fairdial.portfolio.fields import script_languages

    languages = script_languages()
    if tag.strip().lower() not in languages:
        known = ", ".join(languages.values())
        raise fail(f"--lang: no conversation script for language {tag!r}; known: {known}")
    return languages[tag.strip().lower()]


def _bounds(product: str, settlement_floor: float | None) -> OfferBounds:
    bounds = bounds_for(product)
    if settlement_floor is None:
        return bounds
    return replace(bounds, settlement_floor_pct=settlement_floor)


def _parse_day(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"--today must be a date like 2026-03-11, not {text!r}") from None


def _read_replies(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise fail(f"cannot read the replies file {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise fail(f"the replies file {path} is not UTF-8 (byte {exc.start})") from None


def _prompt() -> str | None:
    try:
        return input("you> ")
    except EOFError:
        return None


def _show(utterance: BotUtterance) -> None:
    console.print(f"[bold cyan]bot>[/] {utterance.text} [dim]({utterance.act})[/]")


def chat_record(facts: AccountFacts, outcome: ConversationOutcome) -> dict[str, Any]:
    """The call as JSON-ready data: every turn, then what came of it."""
    turns: list[dict[str, Any]] = []
    for turn in outcome.turns:
        if turn.speaker == "bot":
            turns.append({"speaker": "bot", "text": turn.text, "act": turn.act})
        else:
            turns.append(
                {
                    "speaker": "borrower",
                    "text": turn.text,
                    "intent": turn.intent,
                    "confidence": turn.confidence,
                }
            )
    promise = outcome.promise
    plan = outcome.plan
    return {
        "account": facts.account_ref,
        "language": facts.language,
        "jurisdiction": facts.jurisdiction,
        "turns": turns,
        "outcome": {
            "disposition": str(outcome.disposition),
            "right_party": outcome.right_party,
            "promise": None
            if promise is None
            else {
                "amount_minor": promise.amount_minor,
                "currency": facts.currency,
                "due_date": promise.due_date.isoformat(),
                "settlement": promise.settlement,
            },
            "plan": None
            if plan is None
            else {
                "months": plan.months,
                "total_minor": plan.total_minor,
                "currency": facts.currency,
                "installments": [
                    {"due_date": due.isoformat(), "amount_minor": amount}
                    for due, amount in plan.installments
                ],
            },
            "escalation": outcome.escalation,
            "holds": list(outcome.holds),
            "callback_at": outcome.callback_at,
            "concessions": list(outcome.concessions),
            "guard_blocks": outcome.guard_blocks,
            "guard_events": list(outcome.guard_events),
            "variant": outcome.variant,
            "summary": outcome.summary,
        },
    }


def _print_transcript(outcome: ConversationOutcome) -> None:
    for turn in outcome.turns:
        if turn.speaker == "bot":
            console.print(f"[bold cyan]bot>[/] {turn.text} [dim]({turn.act})[/]", highlight=False)
        else:
            console.print(f"[bold]you>[/] {turn.text} [dim]({turn.intent})[/]", highlight=False)


def _print_outcome(outcome: ConversationOutcome) -> None:
    console.print(f"[bold]outcome:[/] {outcome.summary}", highlight=False)
    for event in outcome.guard_events:
        reasons = ", ".join(event["reasons"])
        console.print(f"[yellow]guard blocked[/] {event['act']}: {reasons}", highlight=False)
