"""A real-time campaign through the SIP user agent, dialling baresip peers on loopback.

The server is the production one (`build_server`, answering-machine detection included) with
instant fake speech engines. Each account's number is pointed at a peer as a `sip:` URI: one
answers with a voicemail greeting, one rings until the ring timeout cancels it, and one is a
request URI PJSUA refuses, so no INVITE ever leaves.
"""

from __future__ import annotations

import asyncio
import logging
import os
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from fairdial.audit.verify import verify
from fairdial.campaign.carrier import run_through_carrier
from fairdial.campaign.runner import CampaignError, RunOptions
from fairdial.campaign.settings import CampaignSettings
from fairdial.cli import _register, app
from fairdial.portfolio import import_portfolio
from fairdial.server.config import ServeConfig, parse_config
from fairdial.server.engines import build_server
from fairdial.store import Store
from fairdial.store.models import Account, Campaign, ContactPoint
from fairdial.voice.engines import FakeSpeechToText, FakeTextToSpeech

try:
    import pjsua2  # noqa: F401
except ImportError:
    if os.environ.get("FAIRDIAL_REQUIRE_SERVICES") == "1":
        raise
    pytest.skip(
        "pjsua2-python is not installed (pip install pjsua2-python)", allow_module_level=True
    )

from tests.campaign.stored import attempts_by_account
from tests.telephony.sip_peer import baresip

_register()
GREETINGS = Path(__file__).parents[1] / "telephony" / "data" / "amd"
# baresip ends a call when its WAV runs out: the greeting is padded past the bot's message.
TAIL_S = 15
SETTINGS = CampaignSettings(
    lines=3,
    max_attempts_per_day=2,
    retry_gap=timedelta(seconds=0.5),
    wrap_up=timedelta(seconds=0.05),
)
ACCOUNTS = ("MACHINE-1", "AWAY-1", "GONE-1")
# A number the trunk's URI template could make of a badly kept number: PJSUA refuses it.
UNSENDABLE = "sip:+1 212 555 0143@127.0.0.1"

pytestmark = pytest.mark.usefixtures("pjsua2_left_nothing")


def zone_at_midday() -> str:
    """A fixed-offset zone where it is now early afternoon, well inside every calling window."""
    offset = 13 - datetime.now(UTC).hour  # Etc/GMT-3 is three hours ahead of UTC
    if offset == 0:
        return "Etc/GMT"
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def write_portfolio(path: Path) -> Path:
    """One US account per entry of ACCOUNTS, each with a consented mobile number."""
    zone = zone_at_midday()
    header = (
        "account_ref,name,birth_date,phone,phone_kind,phone_timezones,balance,currency,dpd,"
        "language,jurisdiction,ai_voice_consent"
    )
    rows = [
        f"{ref},Test Borrower {n},1985-06-0{n + 1},+1212555010{n},mobile,{zone},"
        f"{1200 + n * 10},USD,45,en-US,US,yes"
        for n, ref in enumerate(ACCOUNTS)
    ]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def point_numbers_at(store: Store, uris: dict[str, str]) -> None:
    """Replace each account's stored number by a `sip:` URI, which the channel dials as it is."""
    with store.transaction() as session:
        for ref, uri in uris.items():
            borrower = session.scalars(select(Account.borrower_id).where(Account.ref == ref)).one()
            point = session.scalars(
                select(ContactPoint).where(ContactPoint.borrower_id == borrower)
            ).one()
            point.number = uri


def padded_greeting(name: str, path: Path) -> Path:
    """The recorded greeting `name` followed by TAIL_S of silence, as an 8 kHz WAV."""
    with wave.open(str(GREETINGS / f"{name}.wav")) as source:
        pcm = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    pcm = np.concatenate([pcm, np.zeros(8000 * TAIL_S, dtype="<i2")])
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(pcm.tobytes())
    return path


def serve_config(home: Path, **sip: object) -> ServeConfig:
    return parse_config(
        {
            "http": {"host": "127.0.0.1", "port": 0},
            "sip": {
                "user": "bot",
                "domain": "127.0.0.1",
                "port": 0,
                "ring_timeout_s": 1.5,
                "max_calls": 4,
                **sip,
            },
            "limits": {"stream_idle_timeout_s": 2.0, "max_call_seconds": 60.0},
            "voice": {"vad": "energy"},
            "recordings": {"enabled": False},
            "home": str(home),
        }
    )


def test_a_day_of_real_calls_through_sip_is_recorded_and_verifies(
    sqlite_store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    report = import_portfolio(sqlite_store, write_portfolio(tmp_path / "p.csv"), "csv")
    assert report.rejected == 0
    (tmp_path / "machine").mkdir()
    (tmp_path / "away").mkdir()
    greeting = padded_greeting("machine_en_personal", tmp_path / "greeting.wav")

    with (
        baresip(tmp_path / "machine", "machine", audio="file", wav=greeting) as machine,
        baresip(tmp_path / "away", "away", answer="manual") as away,
    ):
        point_numbers_at(
            sqlite_store,
            {"MACHINE-1": machine.uri("machine"), "AWAY-1": away.uri("away"), "GONE-1": UNSENDABLE},
        )
        server = build_server(
            serve_config(tmp_path),
            store=sqlite_store,
            stt=FakeSpeechToText(),
            tts=FakeTextToSpeech(seconds_per_char=0.003),
        )
        options = RunOptions(settings=SETTINGS, until=datetime.now(UTC) + timedelta(minutes=1))
        began = datetime.now(UTC)
        with caplog.at_level(logging.INFO, logger="fairdial"):
            summary = asyncio.run(
                asyncio.wait_for(run_through_carrier(sqlite_store, server, "sip", options), 60)
            )
        ended = datetime.now(UTC)
        machine_log = machine.log.read_text(errors="replace")

    assert summary.status == "finished"
    attempts = attempts_by_account(sqlite_store)
    outcomes = {ref: [(a.result, a.disposition) for a in mine] for ref, mine in attempts.items()}
    assert outcomes == {
        "MACHINE-1": [("message_left", "voicemail_left")] * 2,
        "AWAY-1": [("no_answer", "no_answer")] * 2,
        # Never sent, so retried within the day, and counted toward no cap.
        "GONE-1": [("not_placed", "not_placed")] * 2,
    }
    assert machine_log.count("Call established") == 2
    assert "sip dial not placed: Invalid Request URI" in caplog.text
    assert "555 0143" not in caplog.text  # PJSIP's reason names the error, not the number

    recorded = [a for mine in attempts.values() for a in mine]
    assert {a.channel for a in recorded} == {"sip"}
    assert all(a.allowed for a in recorded)
    for attempt in recorded:
        assert began <= attempt.started_at <= attempt.ended_at <= ended
    # The unanswered calls rang for the ring timeout before they were cancelled.
    for attempt in attempts["AWAY-1"]:
        assert (attempt.ended_at - attempt.started_at).total_seconds() >= 1.4
    # The message waited for the beep, after 6.8 s of greeting.
    for attempt in attempts["MACHINE-1"]:
        assert (attempt.ended_at - attempt.started_at).total_seconds() > 6.8

    with sqlite_store.session() as session:
        audit = verify(session)
        campaign = session.get(Campaign, summary.campaign_id)
    assert audit.ok, audit.to_json()
    assert audit.attempts_checked == 6
    assert campaign is not None
    assert (campaign.status, campaign.channel) == ("finished", "sip")
    assert campaign.settings["lines"] == SETTINGS.lines


def test_more_lines_than_the_user_agent_holds_are_refused_before_it_starts(
    sqlite_store: Store, tmp_path: Path
) -> None:
    server = build_server(
        serve_config(tmp_path, max_calls=2),
        store=sqlite_store,
        stt=FakeSpeechToText(),
        tts=FakeTextToSpeech(),
    )
    options = RunOptions(settings=CampaignSettings(lines=3))

    with pytest.raises(CampaignError, match=r"3 lines, but sip\.max_calls is 2"):
        asyncio.run(run_through_carrier(sqlite_store, server, "sip", options))
    assert server.sip is None  # the user agent never started


def _sip_yaml(tmp_path: Path) -> Path:
    yaml = tmp_path / "serve.yaml"
    yaml.write_text(
        f"sip:\n  user: bot\n  domain: 127.0.0.1\n  port: 0\n  max_calls: 2\nhome: {tmp_path}\n"
    )
    return yaml


def test_the_cli_refuses_more_lines_than_sip_max_calls(tmp_path: Path) -> None:
    arguments = ["run", "--carrier", "sip", "--config", str(_sip_yaml(tmp_path)), "--lines", "5"]

    result = CliRunner().invoke(app, arguments)

    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert "5 lines, but sip.max_calls is 2" in output
    assert "give --lines 2 or fewer" in output


def test_the_cli_calls_on_sip_max_calls_lines_when_not_told(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["run", "--carrier", "sip", "--config", str(_sip_yaml(tmp_path))]
    )

    # The note comes before the run looks for the store, which this folder does not hold.
    assert "calling on 2 lines: sip.max_calls in" in " ".join(result.output.split())
    assert result.exit_code == 2
