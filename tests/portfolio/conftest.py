"""Stores for portfolio tests: a fresh SQLite file, and a throwaway PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from fairdial.config import Settings
from fairdial.store import Store, open_store

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
UCI_FILE = DATA / "uci_taiwan_credit" / "UCI_Credit_Card.csv"
LENDING_CLUB_FILE = DATA / "lending_club" / "loans_full_schema.csv"
POSTGRES_URL = os.environ.get(
    "FAIRDIAL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(
        settings=Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path}/t.db", key=None)
    )
    yield opened
    opened.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of a new, uniquely named database, dropped after the test."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at FAIRDIAL_TEST_POSTGRES_URL: {exc}".strip())
    name = f"fairdial_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        base, _, _ = POSTGRES_URL.rpartition("/")
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def postgres_store(postgres_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(settings=Settings(home=tmp_path, database_url=postgres_url, key=None))
    yield opened
    opened.close()


def head_of(source: Path, target: Path, rows: int) -> Path:
    """The header and first `rows` data rows of a shared data file, for fast tests."""
    with source.open(encoding="utf-8") as handle:
        lines = [next(handle) for _ in range(rows + 1)]
    target.write_text("".join(lines), encoding="utf-8")
    return target
