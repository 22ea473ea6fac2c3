"""Where fairdial keeps its store and key, read from the environment with embedded defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = ".fairdial"


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
