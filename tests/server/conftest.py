"""What the server tests share: the fake Twilio account, a loopback configuration, and the
`fairdial serve` command as a user runs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import fairdial.cli.serve  # noqa: F401  registers the command
from fairdial.cli import _register, app
from fairdial.server.config import ServeConfig, parse_config
from tests.telephony.fake_twilio_rest import ACCOUNT_SID, AUTH_TOKEN

_register()
PUBLIC = "https://bot.example.org"


@pytest.fixture
def twilio_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake Twilio account's credentials, in the variables the twilio section reads."""
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)


def config(**extra: Any) -> ServeConfig:
    """Twilio and AudioSocket on loopback ports the OS chooses, recordings off; `extra`
    adds or replaces sections."""
    raw = {
        "http": {"host": "127.0.0.1", "port": 0},
        "twilio": {
            "public_url": PUBLIC,
            "from_number": "+15005550009",
            "api_base_url": "http://127.0.0.1:9",
        },
        "audiosocket": {"host": "127.0.0.1", "port": 0},
        "recordings": {"enabled": False},
        **extra,
    }
    return parse_config(raw)


def serve(path: Path, *options: str) -> Result:
    """`fairdial serve --config path [options]`, with its exit code and output."""
    return CliRunner().invoke(app, ["serve", "--config", str(path), *options])
