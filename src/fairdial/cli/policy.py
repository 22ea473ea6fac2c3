"""`fairdial policy`: check a scenario against its policy pack, and list the packs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
)

policy_app = typer.Typer(
    help="Policy packs and the compliance gate: may this call be placed, and why not.",
    no_args_is_help=True,
)


@policy_app.command("check")
def check(
    scenario: Annotated[Path, typer.Argument(help="Scenario JSON file (see policy/SCENARIOS.md).")],
) -> None:
    """Print the decision for a scenario as JSON; exit 0 whether the call is allowed or not."""
    try:
        pack, history, action, at = load_scenario(scenario)
        decision = decide(pack, history, action, at)
    except (ScenarioError, PolicyInputError, PackError) as exc:
        raise fail(f"{scenario.name}: {exc}") from None
    console.print_json(decision.to_json())


@policy_app.command("packs")
def packs() -> None:
    """List every policy pack id with its version."""
    for pack_id in pack_ids():
        pack = load_pack(pack_id)
        # Plain tab-separated lines so the list can be piped into other tools.
        typer.echo(f"{pack.id}\t{pack.version}\t{pack.name}")


app.add_typer(policy_app, name="policy")
