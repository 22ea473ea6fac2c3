"""A real-time campaign through the Twilio adapter, with Twilio played on loopback.

The server is the production one (`build_server`, answering-machine detection included) with
instant fake speech engines. A local stand-in plays Twilio: it takes the placed calls over
REST, posts signed status callbacks, and answers with a Media Stream whose far end behaves
as each number's phone does: busy, unanswered, a voicemail greeting, or a person who talks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import threading
import time
import wave
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import numpy as np
import pytest
from sqlalchemy import event, select
from typer.testing import CliRunner
from websockets.exceptions import ConnectionClosed

from fairdial.audit.verify import verify
from fairdial.campaign.carrier import run_through_carrier
from fairdial.campaign.runner import CampaignError, RunOptions, run_campaign, run_campaign_async
from fairdial.campaign.settings import CampaignSettings
from fairdial.cli import _register, app
from fairdial.portfolio import import_portfolio
from fairdial.server import Server
from fairdial.server.config import parse_config
from fairdial.server.engines import build_server
from fairdial.store.models import Campaign, Conversation, Escalation
from fairdial.telephony.twilio.signature import compute_signature
from fairdial.voice.audio.g711 import ulaw_encode
from fairdial.voice.engines import FakeSpeechToText, FakeTextToSpeech
from tests.campaign.stored import attempts_by_account
from tests.telephony.fake_twilio_rest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    INVALID_NUMBER,
    FakeTwilioRest,
    PlacedCall,
)
from tests.telephony.servers import serving
from tests.telephony.twilio_peer import TwilioPeer

_register()
PUBLIC = "https://bot.example.org"  # where Twilio believes the server is; the test maps it
GREETINGS = Path(__file__).parents[1] / "telephony" / "data" / "amd"
SILENCE = b"\xff" * 160
SPEECH = ulaw_encode((np.sin(2 * np.pi * 300 * np.arange(160) / 8000) * 8000).astype(np.int16))
BOT_DONE_S = 0.35  # the far end speaks once the bot has been quiet this long
SETTINGS = CampaignSettings(
    lines=5,
    max_attempts_per_day=2,
    retry_gap=timedelta(seconds=0.5),
    wrap_up=timedelta(seconds=0.05),
)
# The borrower's words, as the fake recogniser hears each of their turns in order.
BORROWER_SAYS = ["yes, speaking", "1985", "I already paid it"]


@dataclass(frozen=True)
class Phone:
    """How one number behaves when called: a final status, or an answer and a far end."""

    account_ref: str
    status: str = "in-progress"  # "busy" and "no-answer" end the call unanswered
    greeting: str = ""  # the recording it answers with (tests/telephony/data/amd)
    replies: int | None = None  # turns a person takes; None for a machine, which only records


PHONES = {
    "+12125550143": Phone("BUSY-1", status="busy"),
    "+14155550172": Phone("AWAY-1", status="no-answer"),
    "+13125550188": Phone("MACHINE-1", greeting="machine_en_very_short"),
    "+16175550101": Phone("PERSON-1", greeting="human_en_hello", replies=len(BORROWER_SAYS)),
    INVALID_NUMBER: Phone("GONE-1"),  # refused by Twilio before any call is placed
}


def greeting_frames(name: str) -> list[bytes]:
    with wave.open(str(GREETINGS / f"{name}.wav")) as recording:
        pcm = np.frombuffer(recording.readframes(recording.getnframes()), dtype="<i2")
    encoded = ulaw_encode(pcm[: len(pcm) - len(pcm) % 160])
    return [encoded[i : i + 160] for i in range(0, len(encoded), 160)]


def zone_at_midday() -> str:
    """A fixed-offset zone where it is now early afternoon, well inside every calling window."""
    offset = 13 - datetime.now(UTC).hour  # Etc/GMT-3 is three hours ahead of UTC
    if offset == 0:
        return "Etc/GMT"
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def write_portfolio(path: Path, phones: dict[str, Phone]) -> Path:
    zone = zone_at_midday()
    header = (
        "account_ref,name,birth_date,phone,phone_kind,phone_timezones,balance,currency,dpd,"
        "language,jurisdiction,ai_voice_consent"
    )
    rows = [
        f"{phone.account_ref},Test Borrower {n},1985-06-0{n + 1},{number},mobile,{zone},"
        f"{1200 + n * 10},USD,45,en-US,US,yes"
        for n, (number, phone) in enumerate(phones.items())
    ]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


class FarEnd:
    """The phone's side of one Media Stream: a greeting, then a reply each time the bot stops.

    A person hangs up once their replies run out and the bot has had its say; a machine
    records until the bot hangs up.
    """

    def __init__(self, peer: TwilioPeer, phone: Phone) -> None:
        self.peer = peer
        self.phone = phone
        self.bot_frames = 0  # since the far end's last reply
        self.bot_last = 0.0

    async def run(self) -> None:
        listening = asyncio.create_task(self._hear_bot())
        outgoing = deque(greeting_frames(self.phone.greeting))
        replies = self.phone.replies
        try:
            while not listening.done():
                if replies is not None and self._bot_finished():
                    if replies == 0:
                        await self.peer.stop()
                        break
                    outgoing = deque([SPEECH] * 15)
                    replies -= 1
                    self.bot_frames = 0
                await self.peer.media(outgoing.popleft() if outgoing else SILENCE)
                await asyncio.sleep(0.02)
        except ConnectionClosed:
            pass  # the bot hung up
        finally:
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listening
            await self.peer.socket.close()

    def _bot_finished(self) -> bool:
        return self.bot_frames > 0 and time.monotonic() - self.bot_last >= BOT_DONE_S

    async def _hear_bot(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                message = json.loads(await self.peer.socket.recv())
                if message["event"] == "media":
                    self.bot_frames += 1
                    self.bot_last = time.monotonic()


@dataclass
class Twilio:
    """Plays Twilio for the campaign: every placed call is answered as its number's phone."""

    fake: FakeTwilioRest
    server: Server
    phones: dict[str, Phone]
    http: httpx.AsyncClient = field(default_factory=httpx.AsyncClient)
    calls: list[asyncio.Task[None]] = field(default_factory=list)
    far_ends: list[FarEnd] = field(default_factory=list)

    async def take_calls(self) -> None:
        while True:
            placed = await self.fake.placed.get()
            phone = self.phones[placed.field("To")]
            self.calls.append(asyncio.create_task(self.ring(placed, phone)))

    async def ring(self, placed: PlacedCall, phone: Phone) -> None:
        await self.status(placed, "ringing")
        await self.status(placed, phone.status)
        if phone.status != "in-progress":
            return
        twiml = placed.field("Twiml")
        url = re.search(r'<Stream url="([^"]+)"', twiml).group(1)  # type: ignore[union-attr]
        parameters = dict(re.findall(r'<Parameter name="([^"]+)" value="([^"]+)"/>', twiml))
        # Twilio reaches the public host; on loopback the stream goes to the server itself.
        local = self.server.http_url.replace("http://", "ws://") + urlsplit(url).path
        peer = await TwilioPeer.open(local, call_sid=placed.sid)
        await peer.begin(parameters)
        far_end = FarEnd(peer, phone)
        self.far_ends.append(far_end)
        await far_end.run()
        # A run that was stopped may have closed the server first: then, as for Twilio, the
        # last callback finds no one.
        with contextlib.suppress(httpx.TransportError):
            await self.status(placed, "completed")

    async def status(self, placed: PlacedCall, status: str) -> None:
        """A status callback as Twilio signs it: over the public URL the server gave it."""
        url = placed.field("StatusCallback")
        params = {"AccountSid": ACCOUNT_SID, "CallSid": placed.sid, "CallStatus": status}
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": compute_signature(AUTH_TOKEN, url, params),
        }
        local = self.server.http_url + url.removeprefix(PUBLIC)
        response = await self.http.post(local, content=urlencode(params), headers=headers)
        assert response.status_code == 204, response.text

    async def close(self) -> None:
        await asyncio.gather(*self.calls)
        await self.http.aclose()


@pytest.fixture
def twilio_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)


def serve_config(rest_url: str, home: Path, **extra: object):  # type: ignore[no-untyped-def]
    return parse_config(
        {
            "http": {"host": "127.0.0.1", "port": 0},
            "twilio": {
                "public_url": PUBLIC,
                "from_number": "+15005550009",
                "api_base_url": rest_url,
                "ring_timeout_s": 2,
                "answer_grace_s": 1.0,
            },
            "limits": {"stream_idle_timeout_s": 2.0, "max_call_seconds": 60.0},
            "voice": {"vad": "energy"},
            "recordings": {"enabled": False},
            "home": str(home),
            **extra,
        }
    )


@asynccontextmanager
async def twilio_on_loopback(
    store, home: Path, phones: dict[str, Phone]
) -> AsyncIterator[tuple[Twilio, Server]]:  # type: ignore[no-untyped-def]
    fake = FakeTwilioRest()
    async with serving(fake.app()) as rest_url:
        server = build_server(
            serve_config(rest_url, home),
            store=store,
            stt=FakeSpeechToText(BORROWER_SAYS),
            tts=FakeTextToSpeech(seconds_per_char=0.003),
        )
        twilio = Twilio(fake, server, phones)
        taking = asyncio.create_task(twilio.take_calls())
        try:
            yield twilio, server
        finally:
            taking.cancel()
            await twilio.close()


def test_a_day_of_real_calls_through_twilio_is_recorded_and_verifies(
    sqlite_store, tmp_path, twilio_env
):
    report = import_portfolio(sqlite_store, write_portfolio(tmp_path / "p.csv", PHONES), "csv")
    assert report.rejected == 0
    writers = []

    def note_writer(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO CALL_ATTEMPT"):
            writers.append(threading.current_thread().name)

    event.listen(sqlite_store.engine, "before_cursor_execute", note_writer)

    async def campaign():  # type: ignore[no-untyped-def]
        async with twilio_on_loopback(sqlite_store, tmp_path, PHONES) as (twilio, server):
            options = RunOptions(settings=SETTINGS, until=datetime.now(UTC) + timedelta(minutes=1))
            summary = await run_through_carrier(sqlite_store, server, "twilio", options)
        return summary, twilio.fake

    began = datetime.now(UTC)
    summary, fake = asyncio.run(asyncio.wait_for(campaign(), 60))
    ended = datetime.now(UTC)

    assert summary.status == "finished"
    attempts = attempts_by_account(sqlite_store)
    outcomes = {ref: [(a.result, a.disposition) for a in mine] for ref, mine in attempts.items()}
    assert outcomes == {
        "BUSY-1": [("busy", "busy")] * 2,
        "AWAY-1": [("no_answer", "no_answer")] * 2,
        "MACHINE-1": [("message_left", "voicemail_left")] * 2,
        "PERSON-1": [("conversation", "already_paid")],
        "GONE-1": [("not_in_service", "not_in_service")],
    }

    placed = [a for mine in attempts.values() for a in mine]
    assert {a.channel for a in placed} == {"twilio"}
    assert all(a.allowed for a in placed)
    for attempt in placed:
        assert began <= attempt.started_at <= attempt.ended_at <= ended
    # The machine's call lasted its greeting (about 2.5 s to the beep) and the message.
    machine = attempts["MACHINE-1"][0]
    assert (machine.ended_at - machine.started_at).total_seconds() > 2.5
    # A retry waits on the real clock: wrap-up, then the retry gap.
    for ref in ("BUSY-1", "AWAY-1", "MACHINE-1"):
        first, second = attempts[ref]
        assert second.started_at >= first.ended_at + SETTINGS.wrap_up + SETTINGS.retry_gap

    with sqlite_store.session() as session:
        audit = verify(session)
        campaign = session.get(Campaign, summary.campaign_id)
        talk = attempts["PERSON-1"][0].id
        conversation = session.scalars(
            select(Conversation).where(Conversation.attempt_id == talk)
        ).one()
        borrower_lines = [t.text for t in conversation.turns if t.speaker == "borrower"]
        escalation = session.scalars(select(Escalation)).one()
    assert audit.ok, audit.to_json()
    assert audit.attempts_checked == 8
    # Each attempt was committed on the writer thread, never on the loop carrying the calls.
    assert len(writers) == 8
    assert {name.split("_")[0] for name in writers} == {"fairdial-commits"}
    assert campaign.status == "finished" and campaign.channel == "twilio"
    assert campaign.settings["real_time"] is True
    assert borrower_lines == BORROWER_SAYS
    assert escalation.reason == "payment_check"
    # Eight dials, seven placed (Twilio refused the number not in service), and the two
    # answered ones hung up at the carrier once the bot was done.
    assert len(fake.calls) == 7
    answered = {
        sid
        for sid, call in fake.calls.items()
        if call.field("To") in {"+13125550188", "+16175550101"}
    }
    assert answered <= set(fake.hang_ups)


RINGING = {
    "+12125550143": Phone("RING-1", status="no-answer"),
    "+14155550172": Phone("RING-2", status="no-answer"),
}


async def _ringing_campaign(store, home: Path, stop_by: str):  # type: ignore[no-untyped-def]
    """One line, two accounts; the first call rings while the run is stopped (or cancelled)."""
    fake = FakeTwilioRest()
    async with serving(fake.app()) as rest_url:
        server = build_server(
            serve_config(rest_url, home),
            store=store,
            stt=FakeSpeechToText(),
            tts=FakeTextToSpeech(),
        )
        twilio = Twilio(fake, server, RINGING)
        stop = asyncio.Event()
        options = RunOptions(settings=replace(SETTINGS, lines=1))
        running = asyncio.create_task(
            run_through_carrier(store, server, "twilio", options, stop=stop)
        )
        placed = await fake.placed.get()
        await twilio.status(placed, "ringing")
        if stop_by == "cancel":
            running.cancel()
            with pytest.raises(asyncio.CancelledError):
                await running
            await twilio.close()
            return None, fake, placed
        stop.set()
        await asyncio.sleep(0.1)
        assert not running.done()  # the call in progress is not cut short
        await twilio.status(placed, "no-answer")
        summary = await running
        await twilio.close()
        return summary, fake, placed


def test_a_stop_lets_the_ringing_call_end_and_places_no_new_one(sqlite_store, tmp_path, twilio_env):
    import_portfolio(sqlite_store, write_portfolio(tmp_path / "p.csv", RINGING), "csv")
    summary, fake, placed = asyncio.run(
        asyncio.wait_for(_ringing_campaign(sqlite_store, tmp_path, "stop"), 30)
    )

    assert summary.status == "interrupted"
    attempts = [a for mine in attempts_by_account(sqlite_store).values() for a in mine]
    assert [(a.result, a.disposition) for a in attempts] == [("no_answer", "no_answer")]
    assert list(fake.calls) == [placed.sid]
    with sqlite_store.session() as session:
        assert session.get(Campaign, summary.campaign_id).status == "interrupted"
        assert verify(session).ok


def test_a_cancelled_run_withdraws_the_ringing_call_and_records_it(
    sqlite_store, tmp_path, twilio_env
):
    import_portfolio(sqlite_store, write_portfolio(tmp_path / "p.csv", RINGING), "csv")
    _, fake, placed = asyncio.run(
        asyncio.wait_for(_ringing_campaign(sqlite_store, tmp_path, "cancel"), 30)
    )

    assert fake.hang_ups == [placed.sid]  # the phone stops ringing
    attempts = [a for mine in attempts_by_account(sqlite_store).values() for a in mine]
    assert [(a.result, a.disposition) for a in attempts] == [("no_answer", "no_answer")]
    assert attempts[0].ended_at >= attempts[0].started_at
    with sqlite_store.session() as session:
        assert session.scalars(select(Campaign.status)).one() == "interrupted"
        assert verify(session).ok


def test_a_cancelled_run_hangs_up_a_person_and_counts_the_call_as_a_conversation(
    sqlite_store, tmp_path, twilio_env
):
    # A person who says hello and then only listens: the run is cancelled while the bot talks.
    listener = {"+16175550101": Phone("PERSON-1", greeting="human_en_hello", replies=None)}
    import_portfolio(sqlite_store, write_portfolio(tmp_path / "p.csv", listener), "csv")

    async def campaign():  # type: ignore[no-untyped-def]
        async with twilio_on_loopback(sqlite_store, tmp_path, listener) as (twilio, server):
            options = RunOptions(settings=SETTINGS)
            running = asyncio.create_task(
                run_through_carrier(sqlite_store, server, "twilio", options)
            )
            while not (twilio.far_ends and twilio.far_ends[0].bot_frames):
                await asyncio.sleep(0.05)
            running.cancel()
            with pytest.raises(asyncio.CancelledError):
                await running
        return twilio.fake

    fake = asyncio.run(asyncio.wait_for(campaign(), 30))

    [attempt] = attempts_by_account(sqlite_store)["PERSON-1"]
    # Whatever the person heard may have been about the debt: the quiet period must follow.
    assert (attempt.result, attempt.disposition) == ("conversation", "hung_up")
    assert list(fake.calls) == fake.hang_ups  # hung up at the carrier
    with sqlite_store.session() as session:
        assert verify(session).ok


def test_a_real_time_run_refuses_a_store_with_simulated_calls_ahead_of_the_clock(
    sqlite_store, tmp_path
):
    import_portfolio(sqlite_store, write_portfolio(tmp_path / "p.csv", RINGING), "csv")
    ahead = datetime.now(UTC).date() + timedelta(days=30)
    run_campaign(sqlite_store, RunOptions(start=ahead, settings=CampaignSettings(lines=2)))

    with pytest.raises(CampaignError, match="calls placed after now"):
        asyncio.run(run_campaign_async(sqlite_store, RunOptions(real_time=True)))
    with pytest.raises(CampaignError, match="today only"):
        asyncio.run(run_campaign_async(sqlite_store, RunOptions(real_time=True, days=2)))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--carrier", "twilio"], "--carrier and --config go together"),
        (["--carrier", "twilio", "--config", "{yaml}", "--days", "2"], "simulated runs"),
        (["--carrier", "twilio", "--config", "{yaml}", "--db", "sqlite://"], "--db and --home"),
        (["--carrier", "sip", "--config", "{yaml}"], "the file has no sip section"),
        (["--carrier", "twilio", "--config", "{bare}"], "the file has no twilio section"),
        (["--carrier", "twilio", "--config", "{yaml}", "--until", "25:00"], "not a time of day"),
    ],
)
def test_carrier_options_are_checked_before_anything_runs(arguments, message, tmp_path, twilio_env):  # type: ignore[no-untyped-def]
    yaml = tmp_path / "serve.yaml"
    yaml.write_text(
        f"twilio:\n  public_url: {PUBLIC}\n  from_number: '+15005550009'\nhome: {tmp_path}\n"
    )
    bare = tmp_path / "bare.yaml"
    bare.write_text("audiosocket:\n  port: 0\n")
    paths = {"yaml": str(yaml), "bare": str(bare)}
    result = CliRunner().invoke(app, ["run", *(a.format(**paths) for a in arguments)])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_one_ctrl_c_lets_a_ringing_sip_call_ring_out_and_places_no_new_one(sqlite_store, tmp_path):
    pytest.importorskip("pjsua2", reason="pjsua2-python is not installed")
    from fairdial.cli.campaign import _serve_and_call
    from tests.campaign import test_sip_campaign as sip
    from tests.telephony.sip_peer import RingingResponder

    ring_timeout_s = 4.0
    import_portfolio(sqlite_store, sip.write_portfolio(tmp_path / "p.csv"), "csv")

    async def campaign(phone: RingingResponder):  # type: ignore[no-untyped-def]
        sip.point_numbers_at(sqlite_store, {ref: phone.uri(ref) for ref in sip.ACCOUNTS})
        config = sip.serve_config(tmp_path, ring_timeout_s=ring_timeout_s)
        options = RunOptions(settings=replace(sip.SETTINGS, lines=1))
        # The run as `fairdial run --carrier sip` drives it, signal handling included.
        running = asyncio.create_task(
            _serve_and_call(sqlite_store, config, "sip", options, None)  # type: ignore[arg-type]
        )
        while phone.invites == 0:
            await asyncio.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)
        summary = await running
        return summary, phone.invites

    with RingingResponder() as phone:
        summary, invites = asyncio.run(asyncio.wait_for(campaign(phone), 60))

    assert summary.status == "interrupted"
    assert invites == 1  # the stop placed no new call
    attempts = [a for mine in attempts_by_account(sqlite_store).values() for a in mine]
    assert [(a.result, a.disposition) for a in attempts] == [("no_answer", "no_answer")]
    # It rang out: the ring timeout withdrew it, not the stop.
    rang = (attempts[0].ended_at - attempts[0].started_at).total_seconds()
    assert rang >= ring_timeout_s
