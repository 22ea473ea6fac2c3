"""Opening a store: engine, key, migrations, sessions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from cryptography.exceptions import InvalidTag
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from fairdial.config import Settings, load_settings
from fairdial.store.crypto import FieldCipher, create_key, load_key
from fairdial.store.types import attach_cipher

MIGRATIONS = Path(__file__).parent / "migrations"


class StoreError(RuntimeError):
    """The store cannot be opened as configured."""


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


def migrate(engine: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Store:
    """A database plus the key that opens its personal data."""

    def __init__(self, engine: Engine, cipher: FieldCipher) -> None:
        self.engine = engine
        self.cipher = cipher
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


def _key_for(engine: Engine, settings: Settings, where: str) -> FieldCipher:
    """The store's key, refusing one that cannot open what the store already holds."""
    key = load_key(settings.key, settings.key_file)
    sample = _sealed_sample(engine)
    if key is None:
        if sample is not None:
            # A new key would seal new rows under a second key and open none of the old ones.
            raise StoreError(
                f"the store at {where} holds encrypted personal data but its key file "
                f"{settings.key_file} is missing: restore it or set FAIRDIAL_KEY"
            )
        key = create_key(settings.key_file)
    cipher = FieldCipher(key)
    if sample is not None:
        try:
            cipher.decrypt(sample)
        except (InvalidTag, ValueError):
            raise StoreError(
                f"the key does not open the personal data of the store at {where}: "
                "check FAIRDIAL_KEY or the key file"
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
    """
    settings = settings or load_settings(database_url)
    url = make_url(_normalise_url(settings.database_url))
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if must_exist and not Path(url.database).exists():
            raise StoreError(
                f"no store at {url.database}: import a portfolio first, or name the store "
                "with --home or --db"
            )
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url, future=True)
    except Exception as exc:  # the driver's own message says what is wrong with the URL
        raise StoreError(f"cannot use database URL {url.render_as_string()}: {exc}") from exc
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)

    where = url.render_as_string()
    try:
        if upgrade:
            migrate(engine)
        cipher = _key_for(engine, settings, where)
    except StoreError:
        engine.dispose()
        raise
    except Exception as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StoreError(f"cannot open the store at {where}: {reason}") from exc
    return Store(engine, cipher)
