"""The `fairdial` command line: one module per group of commands, registered here."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="fairdial",
    help="An AI phone agent for loan collections that keeps every contact rule.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # Imported here so that each module can use `app` and so that `fairdial --help` stays fast.
    from fairdial.cli import audit, campaign, chat, demo, nlu, policy, policy_guard, portfolio  # noqa: F401


def main() -> None:
    _register()
    app()
