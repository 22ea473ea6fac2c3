"""Options shared by commands: where the store is, and how errors reach the user."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from fairdial.config import load_settings

if TYPE_CHECKING:
    from fairdial.store import Store

console = Console()
err_console = Console(stderr=True)
SQLITE_READONLY = 8

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL (default: FAIRDIAL_DATABASE_URL, else SQLite in .fairdial)."
    ),
]
HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="Working folder for the SQLite store and key (default: FAIRDIAL_HOME or .fairdial).",
    ),
]


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error for the user and return the exit to raise."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def store_from_options(
    db: str | None, home: Path | None, *, must_exist: bool = False
) -> Iterator[Store]:
    """The store the options name; `must_exist` for commands that only read one."""
    # Imported here, as in every command that needs them: `fairdial --help` loads none of them.
    from sqlalchemy.exc import OperationalError

    from fairdial.store import open_store

    settings = load_settings(db, home)
    try:
        store = open_store(settings=settings, must_exist=must_exist)
    except Exception as exc:
        raise fail(str(exc)) from exc
    try:
        yield store
    except (OperationalError, OSError) as exc:
        if store.read_only and _a_write_refused(store, exc):
            raise fail(
                "this command writes to the store, which was opened read-only because its "
                f"folder {_store_folder(store)} is not writable"
            ) from None
        raise
    finally:
        store.close()


def _store_folder(store: Store) -> Path:
    return Path(str(store.engine.url.database)).parent


def _a_write_refused(store: Store, exc: Exception) -> bool:
    """A write SQLite refused, or a file (a lock, a recording) not created beside the store."""
    from sqlalchemy.exc import OperationalError

    if isinstance(exc, OperationalError):
        # SQLite's extended codes keep the primary code in the low byte.
        return getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF == SQLITE_READONLY
    if not isinstance(exc, OSError) or exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
        return False
    return Path(str(exc.filename)).parent == _store_folder(store)
