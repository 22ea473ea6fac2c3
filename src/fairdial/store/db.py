"""Opening a store: engine, key, migrations, sessions."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from cryptography.exceptions import InvalidTag
from sqlalchemy import URL, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from fairdial.config import DatabaseUrlError, Settings, check_database_url, load_settings
from fairdial.store.crypto import FieldCipher, KeyConfigError, create_key, load_key
from fairdial.store.types import attach_cipher

MIGRATIONS = Path(__file__).parent / "migrations"


class StoreError(RuntimeError):
    """The store cannot be opened as configured.

    `about` says which setting to look at: "database" (the URL, or the SQLite file it names)
    or "key" (FAIRDIAL_KEY, or the key file in the store's home).
    """

    def __init__(self, message: str, about: str = "database") -> None:
        super().__init__(message)
        self.about = about


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (report, audit) run while a campaign writes; NORMAL is durable in WAL mode
    # up to the last checkpoint, which is what "nothing is lost if a process dies" needs.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _normalise_url(url: str) -> str:
    # Users write postgresql://; the driver we ship is psycopg 3.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine) -> None:
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _require_current_schema(engine: Engine, where: str) -> None:
    """A store opened read-only cannot be migrated, so it must already be at the latest one."""
    heads = set(ScriptDirectory.from_config(_alembic_config()).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != heads:
        raise StoreError(
            f"the store at {where} needs a schema upgrade, but its folder is not writable: "
            "run a command that writes to it once where the folder is writable"
        )


def _folder_writable(database: Path) -> bool:
    """Whether SQLite can create its journal files beside the database (not on read-only media)."""
    return os.access(database.parent, os.W_OK)


def _read_only_connector(database: Path) -> Callable[[], sqlite3.Connection]:
    """Connections that open the file read-only; the engine's URL keeps naming the plain path.

    Without `immutable`, SQLite refuses to read a WAL database whose folder it cannot write,
    since it must create the shared-memory file there; a folder this process cannot write to
    cannot change under it either.
    """
    uri = f"file:{quote(str(database))}?mode=ro&immutable=1"  # quote: a ? or # in the path

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, check_same_thread=False)

    return connect


class Store:
    """A database plus the key that opens its personal data.

    `read_only` is set when a store that commands only read was opened in a folder this process
    cannot write to: any write then fails with SQLite's SQLITE_READONLY.
    """

    def __init__(self, engine: Engine, cipher: FieldCipher, read_only: bool = False) -> None:
        self.engine = engine
        self.cipher = cipher
        self.read_only = read_only
        attach_cipher(engine.dialect, cipher)
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def _sealed_sample(engine: Engine) -> str | None:
    """One encrypted value from the store, if it holds any, to test a key against."""
    with engine.connect() as connection:
        for query in (
            "SELECT number FROM contact_point LIMIT 1",
            "SELECT name FROM borrower WHERE name IS NOT NULL LIMIT 1",
        ):
            value = connection.execute(text(query)).scalar()
            if value is not None:
                return str(value)
    return None


def _key_for(engine: Engine, settings: Settings, where: str, read_only: bool) -> FieldCipher:
    """The store's key, refusing one that cannot open what the store already holds."""
    try:
        key = load_key(settings.key, settings.key_file)
    except KeyConfigError as exc:
        raise StoreError(f"cannot open the store at {where}: {exc}", about="key") from None
    sample = _sealed_sample(engine)
    if key is None:
        if sample is not None:
            # A new key would seal new rows under a second key and open none of the old ones.
            raise StoreError(
                f"the store at {where} holds encrypted personal data but its key file "
                f"{settings.key_file} is missing: restore it or set FAIRDIAL_KEY",
                about="key",
            )
        if read_only:
            raise StoreError(
                f"the store at {where} has no key file {settings.key_file}, and its folder is "
                "not writable to create one: set FAIRDIAL_KEY",
                about="key",
            )
        try:
            key = create_key(settings.key_file)
        except OSError as exc:
            raise StoreError(
                f"cannot create the key file {settings.key_file}: {exc.strerror}", about="key"
            ) from exc
    cipher = FieldCipher(key)
    if sample is not None:
        try:
            cipher.decrypt(sample)
        except (InvalidTag, ValueError):
            raise StoreError(
                f"the key does not open the personal data of the store at {where}: "
                "check FAIRDIAL_KEY or the key file",
                about="key",
            ) from None
    return cipher


def open_store(
    database_url: str | None = None,
    settings: Settings | None = None,
    *,
    upgrade: bool = True,
    must_exist: bool = False,
) -> Store:
    """Open (and by default migrate) the configured store, creating a SQLite file if needed.

    With `must_exist`, a SQLite file that is not there is an error rather than a new store: a
    command that only reads (a report, an audit) must not answer for an empty store it made.
    A SQLite store that must exist, in a folder this process cannot write to (a read-only
    mount, another user's folder), is opened read-only and not migrated.
    """
    settings = settings or load_settings(database_url)
    try:
        check_database_url(settings.database_url)
    except DatabaseUrlError as exc:
        raise StoreError(str(exc)) from None
    url = make_url(_normalise_url(settings.database_url))
    where = make_url(settings.database_url).render_as_string()  # as written, password hidden
    sqlite_file = _sqlite_file(url)
    read_only = False
    if sqlite_file is not None:
        if must_exist and not sqlite_file.exists():
            raise StoreError(
                f"no store at {sqlite_file}: import a portfolio first, or name the store "
                "with --home or --db"
            )
        try:
            sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the store's folder {sqlite_file.parent}: {exc.strerror}"
            ) from exc
        read_only = must_exist and not _folder_writable(sqlite_file)
    options: dict[str, Any] = {}
    if read_only and sqlite_file is not None:
        options["creator"] = _read_only_connector(sqlite_file)
    try:
        engine = create_engine(url, future=True, **options)
    except Exception as exc:  # the driver's own message says what is wrong with the URL
        raise StoreError(f"cannot use database URL {where}: {exc}") from exc
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)

    try:
        if read_only:
            _require_current_schema(engine, where)
        elif upgrade:
            migrate(engine)
        cipher = _key_for(engine, settings, where, read_only)
    except StoreError:
        engine.dispose()
        raise
    except Exception as exc:
        engine.dispose()
        raise StoreError(f"cannot open the store at {where}: {_reason(exc, sqlite_file)}") from exc
    return Store(engine, cipher, read_only=read_only)


def _sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite store, or None for another database or an in-memory one."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _reason(exc: Exception, sqlite_file: Path | None) -> str:
    """The driver's first line, or, when SQLite's folder is read-only, what to do about it."""
    if sqlite_file is not None and not _folder_writable(sqlite_file):
        return f"its folder {sqlite_file.parent} is not writable"
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
