"""`fairdial policy check-utterance`: may the bot say this sentence, and why not."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from fairdial.cli.common import fail
from fairdial.cli.policy import policy_app
from fairdial.policy import PackError, load_pack
from fairdial.policy.guard import RECIPIENTS, GuardContext, GuardError, guard, rule_language


@policy_app.command("check-utterance")
def check_utterance(
    text: Annotated[str, typer.Argument(help="The sentence the bot would say.")],
    pack_id: Annotated[str, typer.Option("--pack", help="Policy pack id, e.g. US, US-MA, TW.")],
    language: Annotated[str, typer.Option("--lang", help="Language tag: en-US, zh-TW, zh-CN.")],
    to: Annotated[
        str, typer.Option("--to", help="Who hears it: borrower, third_party or voicemail.")
    ] = "borrower",
    not_disclosed: Annotated[
        bool,
        typer.Option("--not-disclosed", help="The debt-collector disclosure was not made yet."),
    ] = False,
    ai_not_disclosed: Annotated[
        bool,
        typer.Option("--ai-not-disclosed", help="The bot has not yet said it is automated."),
    ] = False,
    unverified: Annotated[
        bool, typer.Option("--unverified", help="The right party is not verified yet.")
    ] = False,
) -> None:
    """Print the guard's decision as JSON; exit 0 whether the sentence is allowed or not."""
    if to not in RECIPIENTS:
        raise fail(f"--to must be one of {', '.join(RECIPIENTS)}, not {to!r}")
    try:
        pack = load_pack(pack_id.upper())  # jurisdiction codes ignore case, as in an import
        rule_language(language)
        context = GuardContext(
            to=to, disclosed=not not_disclosed, ai_disclosed=not ai_not_disclosed,
            verified=not unverified,
        )  # fmt: skip
        decision = guard(text, language, pack, context)
    except (PackError, GuardError) as exc:
        raise fail(str(exc)) from None
    # Plain JSON with the Chinese left readable, so a compliance officer can paste it.
    typer.echo(json.dumps(decision.as_dict(), ensure_ascii=False, indent=2))
