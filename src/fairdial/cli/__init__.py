"""The `fairdial` command line: one module per group of commands, registered here."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="fairdial",
    help="An AI phone agent for loan collections that keeps every contact rule.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# Commands whose modules need an optional extra, and the extra that provides them.
_OPTIONAL = {"recordings": "voice", "serve": "telephony"}


def _register() -> None:
    # Imported here so that each module can use `app` and so that `fairdial --help` stays fast.
    from fairdial.cli import (  # noqa: F401
        audit,
        campaign,
        chat,
        demo,
        nlu,
        policy,
        policy_guard,
        portfolio,
    )

    for name, extra in _OPTIONAL.items():
        try:
            importlib.import_module(f"fairdial.cli.{name}")
        except ImportError as error:
            _unavailable(name, extra, error)


def _unavailable(name: str, extra: str, error: ImportError) -> None:
    """Keep the command listed, and say what to install when someone runs it."""

    @app.command(name, help=f"(needs the '{extra}' extra)", add_help_option=False)
    def missing() -> None:
        typer.echo(
            f"error: fairdial {name} needs the '{extra}' extra ({error.name} is missing): "
            f"pip install 'fairdial[{extra}]'",
            err=True,
        )
        raise typer.Exit(2)


def main() -> None:
    _register()
    app()
