"""The `fairdial` command line: one module per group of commands, registered here."""

from __future__ import annotations

import importlib
import importlib.util

import typer

app = typer.Typer(
    name="fairdial",
    help="An AI phone agent for loan collections that keeps every contact rule.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# Commands that need an optional extra: the extra, and the packages of it the command imports
# when it runs (looked up, not imported, so that listing the commands stays quick).
_OPTIONAL = {
    "recordings": ("voice", ("soxr",)),
    "serve": ("telephony", ("httpx", "starlette", "uvicorn", "websockets")),
}


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

    for name, (extra, packages) in _OPTIONAL.items():
        absent = next((p for p in packages if importlib.util.find_spec(p) is None), None)
        if absent is None:
            importlib.import_module(f"fairdial.cli.{name}")
        else:
            _unavailable(name, extra, absent)


def _unavailable(name: str, extra: str, absent: str) -> None:
    """Keep the command listed, and say what to install when someone runs it."""

    @app.command(name, help=f"(needs the '{extra}' extra)", add_help_option=False)
    def missing() -> None:
        typer.echo(
            f"error: fairdial {name} needs the '{extra}' extra ({absent} is missing): "
            f"pip install 'fairdial[{extra}]'",
            err=True,
        )
        raise typer.Exit(2)


def main() -> None:
    _register()
    app()
