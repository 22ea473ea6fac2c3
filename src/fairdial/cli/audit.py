"""`fairdial audit`: prove the audit chain is whole and every attempt kept its rules, and anchor
the chain's head outside the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from fairdial.cli import app
from fairdial.cli.common import DbOption, HomeOption, console, fail, store_from_options

if TYPE_CHECKING:
    from fairdial.audit.anchor import StoreIdentity
    from fairdial.audit.verify import AuditReport
    from fairdial.store import Store

audit_app = typer.Typer(help="Check the audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify_command(
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    anchors_file: Annotated[
        Path | None,
        typer.Option(
            "--anchors", help="Also check the chain against the anchors in this file (JSON lines)."
        ),
    ] = None,
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Re-check the hash chain and every recorded attempt; exit 1 on any problem."""
    from fairdial.audit.anchor import AnchorError, check_anchors, read_anchors
    from fairdial.audit.verify import verify

    anchors = []
    if anchors_file is not None:
        try:
            anchors = read_anchors(anchors_file)
        except AnchorError as exc:
            raise fail(str(exc)) from None

    with store_from_options(db, home, must_exist=True) as store, store.session() as session:
        report = verify(session)
        if anchors:
            identity, key = _identity_and_key(store, db, home)
            report.anchors_checked = len(anchors)
            report.anchor_problems = check_anchors(session, anchors, identity, key)
    if json_out:
        print(json.dumps(report.to_json(), indent=2))
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(report: AuditReport) -> None:
    for link in report.chain_problems:
        _problem("chain", link)
    for record in report.record_problems:
        _problem("record", record)
    for violation in report.violations:
        _problem("violation", violation)
    # The first anchor that fails bounds where history changed; the ones after it add little.
    if report.anchor_problems:
        first = report.anchor_problems[0]
        _problem(f"anchor line {first.line}", first.problem)
    if len(report.anchor_problems) > 1:
        more = len(report.anchor_problems) - 1
        _problem("anchors", f"{more} later anchors fail too (--json lists them)")
    verdict = "[green]ok[/]" if report.ok else "[red]FAILED[/]"
    anchored = ""
    if report.anchors_checked:
        held = report.anchors_checked - len(report.anchor_problems)
        anchored = f", {held} of {report.anchors_checked} anchors hold"
    console.print(
        f"audit {verdict}: {report.events} events chained, "
        f"{report.attempts_checked} attempts re-checked, "
        f"{len(report.violations)} violations, {len(report.chain_problems)} chain problems, "
        f"{len(report.record_problems)} record problems{anchored}",
        soft_wrap=True,
    )


def _problem(label: str, problem: object) -> None:
    # Escaped: a problem may quote a list or an address in brackets, which is not markup.
    console.print(f"[red]{label}:[/] {escape(str(problem))}", highlight=False, soft_wrap=True)


@audit_app.command("anchor")
def anchor_command(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Append the anchor to this file as one JSON line."),
    ] = None,
    sign: Annotated[
        bool,
        typer.Option("--sign", help="Sign the anchor with a key derived from the store's key."),
    ] = False,
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Print the audit chain's head (event, hash, time, store) to keep outside the store."""
    from fairdial.audit.anchor import AnchorError, append_anchor, take_anchor

    with store_from_options(db, home, must_exist=True) as store, store.session() as session:
        identity, key = _identity_and_key(store, db, home)
        try:
            anchor = take_anchor(session, identity, datetime.now(UTC), key if sign else None)
        except AnchorError as exc:
            raise fail(str(exc)) from None
    if out is not None:
        try:
            append_anchor(out, anchor)
        except AnchorError as exc:
            raise fail(str(exc)) from None
    print(anchor.to_line())


def _identity_and_key(
    store: Store, db: str | None, home: Path | None
) -> tuple[StoreIdentity, bytes]:
    """The store's identity and its anchor key, from the master key the store was opened with."""
    from fairdial.audit.anchor import StoreIdentity, anchor_key
    from fairdial.config import load_settings
    from fairdial.store.crypto import load_key

    settings = load_settings(db, home)
    master = load_key(settings.key, settings.key_file)
    if master is None:
        raise fail(f"the store's key file {settings.key_file} is gone; set FAIRDIAL_KEY")
    return StoreIdentity.of(store.engine.url, store.cipher.key_id), anchor_key(master)
