"""Options shared by commands: where the store is, and how errors reach the user."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from fairdial.config import DatabaseUrlError, check_database_url, load_settings

if TYPE_CHECKING:
    from fairdial.store import Store

console = Console()
err_console = Console(stderr=True)
SQLITE_READONLY = 8
# A run's seed is stored in campaign.seed, a 32-bit INTEGER column on PostgreSQL.
SEED_MAX = 2**31 - 1

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
    db: str | None,
    home: Path | None,
    *,
    must_exist: bool = False,
    names: tuple[str, str] = ("--db", "--home"),
    where: str = "",
) -> Iterator[Store]:
    """The store the options name; `must_exist` for commands that only read one.

    An error names the option or variable behind the setting at fault: `names` are what the
    database URL and the home folder are called where they were given (the serve YAML's
    `database_url` and `home`), and `where` goes in front (that file's path).
    """
    # Imported here, as in every command that needs them: `fairdial --help` loads none of them.
    from sqlalchemy.exc import OperationalError

    from fairdial.store import open_store
    from fairdial.store.db import StoreError

    url_name, home_name = _setting_names(db, home, names)
    settings = load_settings(db, home)
    try:
        check_database_url(settings.database_url, persistent=True)
    except DatabaseUrlError as exc:
        raise fail(_named(where, url_name, exc)) from None
    try:
        store = open_store(settings=settings, must_exist=must_exist)
    except StoreError as exc:
        raise fail(_named(where, home_name if exc.about == "key" else url_name, exc)) from exc
    except Exception as exc:
        raise fail(_named(where, None, exc)) from exc
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


def _setting_names(
    db: str | None, home: Path | None, names: tuple[str, str]
) -> tuple[str | None, str | None]:
    """Who set the database URL and who set the key, as `load_settings` reads them: the
    options first, then the FAIRDIAL_* variables; None for a built-in default."""
    db_name, home_name = names
    home_from = home_name if home is not None else _variable("FAIRDIAL_HOME")
    key_from = _variable("FAIRDIAL_KEY") or home_from
    if db:
        return db_name, key_from
    return _variable("FAIRDIAL_DATABASE_URL") or home_from, key_from


def _named(where: str, name: str | None, exc: Exception) -> str:
    return f"{where}{name}: {exc}" if name else f"{where}{exc}"


def _variable(name: str) -> str | None:
    return name if os.environ.get(name) else None


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
