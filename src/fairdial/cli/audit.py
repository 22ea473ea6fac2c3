"""`fairdial audit verify`: prove the audit chain is whole and every attempt kept its rules."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from fairdial.cli import app
from fairdial.cli.common import DbOption, HomeOption, console, store_from_options

audit_app = typer.Typer(help="Check the audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify_command(
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Re-check the hash chain and every recorded attempt; exit 1 on any problem."""
    from fairdial.audit.verify import verify

    with store_from_options(db, home, must_exist=True) as store, store.session() as session:
        report = verify(session)
    if json_out:
        print(json.dumps(report.to_json(), indent=2))
    else:
        for problem in report.chain_problems:
            console.print(f"[red]chain:[/] {problem}", highlight=False)
        for problem in report.record_problems:
            console.print(f"[red]record:[/] {problem}", highlight=False)
        for violation in report.violations:
            console.print(f"[red]violation:[/] {violation}", highlight=False)
        verdict = "[green]ok[/]" if report.ok else "[red]FAILED[/]"
        console.print(
            f"audit {verdict}: {report.events} events chained, "
            f"{report.attempts_checked} attempts re-checked, "
            f"{len(report.violations)} violations, {len(report.chain_problems)} chain problems, "
            f"{len(report.record_problems)} record problems"
        )
    if not report.ok:
        raise typer.Exit(1)
