import asyncio
import uuid
from urllib.parse import urlencode

import httpx
import pytest
from typer.testing import CliRunner

import fairdial.cli.serve  # noqa: F401  registers the command
from fairdial.cli import _register, app
from fairdial.server import CallSupervisor, Server
from fairdial.server.config import ServeConfigError, load_config, parse_config
from fairdial.telephony.audiosocket import KIND_AUDIO, KIND_HANGUP, KIND_UUID, encode_message
from fairdial.telephony.twilio.signature import compute_signature
from tests.telephony.fake_twilio_rest import ACCOUNT_SID, AUTH_TOKEN

_register()
PUBLIC = "https://bot.example.org"


@pytest.fixture
def twilio_env(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)


def config(**extra):  # type: ignore[no-untyped-def]
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


def test_serve_starts_on_loopback_answers_a_signed_callback_and_stops(twilio_env) -> None:
    async def scenario() -> None:
        before = asyncio.all_tasks()
        server = Server(config())
        await server.start()
        assert server.http_url.startswith("http://127.0.0.1:")
        assert server.audiosocket_address[0] == "127.0.0.1"
        params = {"AccountSid": ACCOUNT_SID, "CallSid": "CA1", "CallStatus": "ringing"}
        path = "/twilio/status?dial=unknown"
        signature = compute_signature(AUTH_TOKEN, PUBLIC + path, params)
        async with httpx.AsyncClient(base_url=server.http_url) as client:
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            signed = await client.post(
                path,
                content=urlencode(params),
                headers={**headers, "X-Twilio-Signature": signature},
            )
            forged = await client.post(
                path, content=urlencode(params), headers={**headers, "X-Twilio-Signature": "x"}
            )
            health = await client.get("/health")
        assert (signed.status_code, forged.status_code) == (204, 403)
        assert health.json() == {"status": "ok", "active_calls": 0, "pending_dials": 0}

        await server.stop()
        await asyncio.sleep(0)
        assert asyncio.all_tasks() - before - {asyncio.current_task()} == set()
        with pytest.raises(httpx.ConnectError):
            async with httpx.AsyncClient(base_url=server.http_url) as client:
                await client.get("/health")

    asyncio.run(asyncio.wait_for(scenario(), 10))


def test_an_audiosocket_call_runs_under_the_supervisor_and_is_hung_up_at_its_limit(twilio_env):
    async def scenario() -> None:
        heard: list[bytes | None] = []

        async def handler(call) -> None:  # type: ignore[no-untyped-def]
            heard.append(await call.transport.receive())
            await asyncio.sleep(60)  # a conversation that would run past the limit

        server = Server(config(limits={"max_call_seconds": 0.3}), on_inbound=handler)
        await server.start()
        host, port = server.audiosocket_address
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(encode_message(KIND_UUID, uuid.uuid4().bytes))
        writer.write(encode_message(KIND_AUDIO, b"\x00\x00" * 160))
        await writer.drain()
        kinds = []
        while True:
            header = await reader.read(3)
            if not header:
                break
            kinds.append(header[0])
            length = int.from_bytes(header[1:3], "big")
            if length:
                await reader.readexactly(length)
        assert KIND_HANGUP in kinds  # the server ended the call at the carrier
        assert heard and heard[0] is not None
        assert server.supervisor.timed_out == 1
        writer.close()
        await server.stop()

    asyncio.run(asyncio.wait_for(scenario(), 10))


def test_a_crash_in_one_call_never_touches_another() -> None:
    async def scenario() -> None:
        supervisor = CallSupervisor(5.0)
        hung_up: list[str] = []

        def hang_up_of(name: str):  # type: ignore[no-untyped-def]
            async def hang_up() -> None:
                hung_up.append(name)

            return hang_up

        async def talk(name: str, fail: bool) -> str:
            await asyncio.sleep(0.01)
            if fail:
                raise RuntimeError("engine exploded")
            await asyncio.sleep(0.05)
            return name

        tasks = [
            supervisor.run(f"c{i}", talk(f"c{i}", fail=(i == 3)), hang_up_of(f"c{i}"))
            for i in range(6)
        ]
        await asyncio.gather(*tasks)
        assert (supervisor.completed, supervisor.failed) == (5, 1)
        assert sorted(hung_up) == [f"c{i}" for i in range(6)]
        assert supervisor.active == 0

    asyncio.run(scenario())


def test_a_watched_call_ends_soon_after_its_stream_closes() -> None:
    async def scenario() -> None:
        supervisor = CallSupervisor(60.0, poll_s=0.02)
        closed = False
        hung: list[bool] = []

        async def hang_up() -> None:
            hung.append(True)

        task = supervisor.watch("c1", lambda: closed, hang_up)
        await asyncio.sleep(0.05)
        assert not task.done()
        closed = True
        await asyncio.wait_for(task, 1)
        assert hung == [True] and supervisor.active == 0

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"twilio": {"public_url": PUBLIC}}, "twilio.from_number: required"),
        ({"audiosocket": {"prot": 1}}, "audiosocket.prot: unknown option"),
        ({"audiosocket": {}, "http": {"port": "80"}}, "http.port: must be a whole number"),
        ({"audiosocket": {}, "http": {"port": 70000}}, "http.port: a TCP port is at most 65535"),
        ({"audiosocket": {}, "limits": {"max_call_seconds": float("inf")}}, "must be a finite"),
        ({"audiosocket": {}, "voice": {"vad": "x"}}, "voice.vad: 'x' is not one of"),
        ({"audiosocket": {}, "limits": {"max_call_seconds": -1}}, "limits.max_call_seconds"),
        ({"audiosocket": {}, "telephony": {}}, "telephony: unknown section"),
        ({"http": {}}, "configure at least one provider"),
        ({"sip": {}}, "sip: the SIP adapter"),
        ({"twilio": {"public_url": "bot", "from_number": "+1"}}, "twilio.public_url"),
        ({"audiosocket": {}, "transfer": {"agents": [{"name": "a"}]}}, "transfer.agents[0]"),
    ],
)
def test_bad_configurations_name_the_bad_key(raw, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ServeConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_config(raw)


def test_the_documented_examples_are_valid(tmp_path, twilio_env) -> None:
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "serve.md").read_text()
    blocks = docs.split("```yaml\n")[1:]
    assert len(blocks) >= 2
    for index, block in enumerate(blocks):
        path = tmp_path / f"example{index}.yaml"
        path.write_text(block.split("```")[0])
        load_config(path)
        result = CliRunner().invoke(app, ["serve", "--config", str(path), "--check"])
        assert result.exit_code == 0, result.output


def test_serve_check_reports_a_bad_file(tmp_path) -> None:
    path = tmp_path / "serve.yaml"
    path.write_text("audiosocket:\n  port: eighty\n")
    result = CliRunner().invoke(app, ["serve", "--config", str(path), "--check"])
    assert result.exit_code == 2
    assert "audiosocket.port" in result.output
