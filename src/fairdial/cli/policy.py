"""`fairdial policy`: check a scenario against its policy pack, and list the packs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fairdial.cli import app
from fairdial.cli.common import console, fail
from fairdial.policy import (
    PackError,
    PolicyInputError,
    ScenarioError,
    decide,
    load_pack,
    load_scenario,
    pack_ids,
    scenario_cases,
)

policy_app = typer.Typer(
    help="Policy packs and the compliance gate: may this call be placed, and why not.",
    no_args_is_help=True,
)


@policy_app.command("check")
def check(
    scenario: Annotated[Path, typer.Argument(help="Scenario JSON file (see policy/SCENARIOS.md).")],
    case: Annotated[
        int | None,
        typer.Option(min=1, help="For a file with `cases`: decide only this one (1-based)."),
    ] = None,
) -> None:
    """Print the decision for a scenario as JSON; exit 0 whether the call is allowed or not.

    A file with several `cases` prints a JSON list with one decision per case.
    """
    try:
        cases = scenario_cases(scenario)
        if case is not None:
            if case > len(cases):
                raise fail(f"{scenario.name}: --case {case}, but the file holds {len(cases)}")
            cases = [cases[case - 1]]
        decisions = [decide(*_loaded(one)) for one in cases]
    except (ScenarioError, PolicyInputError, PackError) as exc:
        raise fail(f"{scenario.name}: {exc}") from None
    if len(decisions) == 1:
        console.print_json(decisions[0].to_json())
        return
    console.print_json(data=[decision.as_dict() for decision in decisions])


def _loaded(case: dict[str, Any]) -> tuple[Any, ...]:
    pack, history, action, at = load_scenario(case)
    return pack, history, action, at


@policy_app.command("packs")
def packs() -> None:
    """List every policy pack id with its version."""
    for pack_id in pack_ids():
        pack = load_pack(pack_id)
        # Plain tab-separated lines so the list can be piped into other tools.
        typer.echo(f"{pack.id}\t{pack.version}\t{pack.name}")


app.add_typer(policy_app, name="policy")
