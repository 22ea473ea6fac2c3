"""Stores for tests: a SQLite file, and a fresh PostgreSQL database on the configured server.

PostgreSQL comes from FAIRDIAL_TEST_POSTGRES_URL (default: the loopback server). Without a
server the PostgreSQL cases are skipped with the reason; with FAIRDIAL_REQUIRE_SERVICES=1 (as
.ci/run sets) a missing server fails them instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from fairdial.config import Settings
from fairdial.store import Store, open_store

POSTGRES_URL = os.environ.get(
    "FAIRDIAL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_SERVICES = os.environ.get("FAIRDIAL_REQUIRE_SERVICES") == "1"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


def _admin_connection():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    try:
        with _admin_connection() as connection:
            connection.execute("SELECT 1")
    except Exception as exc:
        message = f"no PostgreSQL server at FAIRDIAL_TEST_POSTGRES_URL ({exc.__class__.__name__})"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return POSTGRES_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A database of its own for one test, dropped afterwards."""
    name = f"fairdial_test_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = postgres_server.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with _admin_connection() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_store(tmp_path: Path, url: str | None = None) -> Store:
    url = url or f"sqlite:///{(tmp_path / 'fairdial.db').as_posix()}"
    return open_store(settings=Settings(home=tmp_path, database_url=url, key=None))


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = make_store(tmp_path)
    yield store
    store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The same test on both backends."""
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    opened = make_store(tmp_path, url)
    yield opened
    opened.close()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared data sets are not at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def pjsua2_left_nothing(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fails a SIP test after which a PJSUA2 object outlived its user agent: collected later,
    such an object would crash the process (the user agent disowns it, and says so)."""
    with caplog.at_level("WARNING", logger="fairdial.telephony"):
        yield
    records = caplog.get_records("setup") + caplog.get_records("call")
    messages = [record.getMessage() for record in records]
    assert [m for m in messages if "outlived the user agent" in m] == []
