"""A fresh store home for each CLI test, with no store named by the environment."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FAIRDIAL_HOME", str(tmp_path / "store"))
    monkeypatch.delenv("FAIRDIAL_DATABASE_URL", raising=False)
    monkeypatch.delenv("FAIRDIAL_KEY", raising=False)
    return tmp_path / "store"
