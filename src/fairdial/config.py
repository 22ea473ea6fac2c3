"""Where fairdial keeps its store and key, read from the environment with embedded defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = ".fairdial"
# The databases fairdial ships a driver and migrations for, by the schemes users write.
BACKENDS = frozenset({"sqlite", "postgresql", "postgres"})
URL_FORM = "sqlite:///path/to/fairdial.db or postgresql://user@host/database"


class DatabaseUrlError(ValueError):
    """A database URL fairdial cannot use; the message never repeats the URL, which may hold a
    password, and leaves out where it came from, which every caller puts in front."""


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    key: str | None

    @property
    def key_file(self) -> Path:
        return self.home / "key"


def load_settings(database_url: str | None = None, home: Path | None = None) -> Settings:
    """Settings from arguments first, then FAIRDIAL_* variables, then the embedded defaults.

    The default store is a SQLite file in the working folder (FAIRDIAL_HOME, `.fairdial`).
    """
    home = home or Path(os.environ.get("FAIRDIAL_HOME", DEFAULT_HOME))
    url = database_url or os.environ.get("FAIRDIAL_DATABASE_URL")
    if not url:
        url = f"sqlite:///{(home / 'fairdial.db').as_posix()}"
    return Settings(home=home, database_url=url, key=os.environ.get("FAIRDIAL_KEY"))


def check_database_url(url: str, *, persistent: bool = False) -> None:
    """Refuse a URL that does not parse or names a database other than SQLite or PostgreSQL;
    with `persistent`, also an in-memory SQLite store, which is gone when the process ends."""
    from sqlalchemy.engine import make_url  # SQLAlchemy loads when a store is opened

    try:
        parsed = make_url(url)
    except Exception:  # make_url raises ArgumentError, or ValueError for a port like 'x'
        raise DatabaseUrlError(f"not a database URL; expected {URL_FORM}") from None
    backend = parsed.get_backend_name()
    if backend not in BACKENDS:
        raise DatabaseUrlError(
            f"only SQLite and PostgreSQL stores are supported, not {backend!r}; use {URL_FORM}"
        )
    if persistent and backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise DatabaseUrlError(
            "an in-memory SQLite store keeps nothing once the command ends; name a file, "
            "e.g. sqlite:///fairdial.db"
        )
