"""`fairdial serve` running: the web app and AudioSocket listener on loopback, calls under the
supervisor, and a start that fails naming the address or host that stopped it."""

import asyncio
import os
import signal
import socket
import uuid
from urllib.parse import urlencode

import httpx
import pytest

from fairdial.server import Server
from fairdial.telephony.audiosocket import KIND_AUDIO, KIND_HANGUP, KIND_UUID, encode_message
from fairdial.telephony.events import AnsweredBy, AnsweredCall
from fairdial.telephony.twilio.signature import compute_signature
from tests.server.conftest import PUBLIC, config, serve
from tests.telephony.fake_twilio_rest import ACCOUNT_SID, AUTH_TOKEN


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

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_an_audiosocket_call_runs_under_the_supervisor_and_is_hung_up_at_its_limit(twilio_env):
    async def scenario() -> None:
        heard: list[bytes | None] = []

        async def handler(call) -> None:  # type: ignore[no-untyped-def]
            heard.append(await call.transport.receive())
            await asyncio.sleep(60)  # a conversation that would run past the limit

        # Long enough that a stalled machine still delivers the first frame inside the limit.
        server = Server(config(limits={"max_call_seconds": 1.0}), on_inbound=handler)
        await server.start()
        host, port = server.audiosocket_address
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(encode_message(KIND_UUID, uuid.uuid4().bytes))
        writer.write(encode_message(KIND_AUDIO, b"\x00\x00" * 160))
        await writer.drain()
        kinds = await kinds_until_closed(reader)
        assert KIND_HANGUP in kinds  # the server ended the call at the carrier
        assert heard and heard[0] is not None
        assert server.supervisor.timed_out == 1
        writer.close()
        await server.stop()

    asyncio.run(asyncio.wait_for(scenario(), 30))


async def kinds_until_closed(reader: asyncio.StreamReader) -> list[int]:
    """The kind of each AudioSocket message the server sends, until it closes the connection."""
    kinds: list[int] = []
    while True:
        try:
            header = await reader.readexactly(3)
        except asyncio.IncompleteReadError as end:
            assert end.partial == b"", "the server closed the connection inside a message"
            return kinds
        kinds.append(header[0])
        await reader.readexactly(int.from_bytes(header[1:3], "big"))


def test_serve_on_a_port_already_taken_names_the_address_in_one_line(tmp_path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        path = tmp_path / "serve.yaml"
        path.write_text(f"http:\n  port: {port}\naudiosocket:\n  port: 0\n")

        result = serve(path)

    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {path}: http.port: 127.0.0.1:{port} is already in use; "
        "stop what listens there or choose another http.port"
    )


def test_serve_with_a_host_name_that_does_not_resolve_says_so(tmp_path, monkeypatch) -> None:
    def no_such_name(host, *args):  # type: ignore[no-untyped-def]
        if host == "fairdial-test.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args)

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)  # no query leaves the machine
    path = tmp_path / "serve.yaml"
    path.write_text("audiosocket:\n  host: fairdial-test.invalid\n  port: 0\n")

    result = serve(path)

    assert result.exit_code == 2
    assert (
        "audiosocket.host: cannot resolve 'fairdial-test.invalid' (Name or service not known)"
        in (result.output)
    )
    assert "Traceback" not in result.output


def test_a_call_moved_to_a_person_is_not_hung_up_at_the_carrier():
    class Line:
        closed = False

        async def close(self) -> None:
            self.closed = True

    async def scenario() -> tuple[list[str], Line, Line]:
        hung_up: list[str] = []
        server = Server(config(), session_factory=lambda call: call)  # type: ignore[arg-type,return-value]

        def answered(call_id: str) -> tuple[Line, object]:
            line = Line()

            async def hang_up() -> None:
                hung_up.append(call_id)

            call = AnsweredCall(call_id, call_id, "en-US", line, AnsweredBy.HUMAN, hang_up)  # type: ignore[arg-type]
            server._answered(call)
            return line, call

        moved_line, _ = answered("CA-moved")
        kept_line, _ = answered("CA-kept")
        server.transferred.add("CA-moved")  # as the transfer desk's success reports it
        await server.supervisor.shutdown()
        return hung_up, moved_line, kept_line

    hung_up, moved_line, kept_line = asyncio.run(scenario())
    assert hung_up == ["CA-kept"]  # the moved call now connects the borrower and an agent
    assert moved_line.closed  # only our media leg of it ended
    assert not kept_line.closed


def test_serve_on_a_store_it_cannot_reach_names_the_key_in_one_line(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("FAIRDIAL_DATABASE_URL", raising=False)
    monkeypatch.delenv("FAIRDIAL_KEY", raising=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens once the probe is closed
    path = tmp_path / "serve.yaml"
    path.write_text(
        f"database_url: postgresql://postgres@127.0.0.1:{closed}/test\n"
        f"home: {tmp_path / 'home'}\n"
        "http:\n  port: 0\naudiosocket:\n  port: 0\n"
    )

    result = serve(path)

    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith(
        f"error: {path}: database_url: cannot open the store at "
        f"postgresql://postgres@127.0.0.1:{closed}/test: "
    )
    assert "Connection refused" in line


def test_serve_with_a_home_it_cannot_create_names_the_key_in_one_line(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.delenv("FAIRDIAL_DATABASE_URL", raising=False)
    monkeypatch.delenv("FAIRDIAL_KEY", raising=False)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    path = tmp_path / "serve.yaml"
    path.write_text(f"home: {blocker / 'home'}\nhttp:\n  port: 0\naudiosocket:\n  port: 0\n")

    result = serve(path)

    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {path}: home: cannot create the store's folder {blocker / 'home'}: Not a directory"
    )


def test_serve_check_refuses_an_in_memory_store(tmp_path) -> None:
    path = tmp_path / "serve.yaml"
    path.write_text("database_url: 'sqlite://'\naudiosocket:\n  port: 0\n")

    result = serve(path, "--check")

    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {path}: database_url: an in-memory SQLite store keeps nothing once the "
        "command ends; name a file, e.g. sqlite:///fairdial.db"
    )


def test_serve_answers_an_inbound_audiosocket_call_without_disclosing_anything(
    twilio_env, tmp_path
) -> None:
    from fairdial.server.engines import INBOUND_LINES, build_server
    from fairdial.voice.engines import FakeSpeechToText, FakeTextToSpeech

    async def scenario() -> None:
        tts = FakeTextToSpeech(seconds_per_char=0.002)
        said: list[str] = []
        synthesize = tts.synthesize

        def spy(text: str, language: str):  # type: ignore[no-untyped-def]
            said.append(text)
            return synthesize(text, language)

        tts.synthesize = spy  # type: ignore[method-assign]
        server = build_server(
            config(home=str(tmp_path), amd={"enabled": False}), stt=FakeSpeechToText(), tts=tts
        )
        await server.start()
        host, port = server.audiosocket_address
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(encode_message(KIND_UUID, uuid.uuid4().bytes))

        async def caller_audio() -> None:
            while not writer.is_closing():
                writer.write(encode_message(KIND_AUDIO, b"\x00\x00" * 160))
                await writer.drain()
                await asyncio.sleep(0.02)

        talking = asyncio.create_task(caller_audio())
        kinds = await kinds_until_closed(reader)
        talking.cancel()
        writer.close()
        while server.supervisor.active:
            await asyncio.sleep(0.01)
        await server.stop()

        assert " ".join(said) == INBOUND_LINES["en-US"]
        assert kinds.count(KIND_AUDIO) > 0  # the caller heard the bot before it hung up
        assert kinds[-1] == KIND_HANGUP
        assert server.supervisor.completed == 1

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_a_signal_reaches_whoever_runs_the_server_once_and_leaves_the_web_app_up(
    twilio_env,
) -> None:
    async def scenario() -> None:
        heard: list[int] = []
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, heard.append, signal.SIGINT)
        server = Server(config())
        try:
            await server.start()
            os.kill(os.getpid(), signal.SIGINT)
            while not heard:
                await asyncio.sleep(0.01)
            # Told to no one else: the web app was not asked to exit, so Twilio's webhooks
            # still have somewhere to go.
            assert server._http is not None and not server._http.should_exit
            async with httpx.AsyncClient(base_url=server.http_url) as client:
                health = await client.get("/health")
            await server.stop()
            await asyncio.sleep(0)  # a signal raised again as the web app ended arrives here
        finally:
            loop.remove_signal_handler(signal.SIGINT)

        assert heard == [signal.SIGINT]
        assert health.status_code == 200

    asyncio.run(asyncio.wait_for(scenario(), 30))


@pytest.mark.parametrize(("language", "pack"), [("en-US", "US"), ("zh-TW", "TW"), ("zh-CN", "CN")])
def test_what_an_inbound_caller_hears_passes_the_gate_as_said_to_a_stranger(language, pack):
    from fairdial.policy.guard import GuardContext, guard
    from fairdial.policy.packs import load_pack
    from fairdial.server.engines import INBOUND_LINES

    # Nobody is identified on an inbound call: the line must be fit for any listener.
    stranger = GuardContext("third_party", disclosed=False, ai_disclosed=False, verified=False)
    decision = guard(INBOUND_LINES[language], language, load_pack(pack), stranger)

    assert decision.allowed, decision.reasons
