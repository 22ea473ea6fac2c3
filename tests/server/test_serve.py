import asyncio
import socket
import uuid
from dataclasses import fields
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from typer.testing import CliRunner

import fairdial.cli.serve  # noqa: F401  registers the command
from fairdial.cli import _register, app
from fairdial.server import CallSupervisor, Server
from fairdial.server.config import (
    PROVIDERS,
    SECTIONS,
    ServeConfigError,
    load_config,
    parse_config,
)
from fairdial.telephony.audiosocket import KIND_AUDIO, KIND_HANGUP, KIND_UUID, encode_message
from fairdial.telephony.events import AnsweredBy, AnsweredCall
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


AS = {"audiosocket": {}}  # a valid provider, for checks of the other sections
SIP = {"user": "bot", "domain": "127.0.0.1"}


def twilio(**options):  # type: ignore[no-untyped-def]
    return {"twilio": {"public_url": PUBLIC, "from_number": "+15005550009", **options}}


def sip(**options):  # type: ignore[no-untyped-def]
    return {"sip": {**SIP, **options}}


def agent(**options):  # type: ignore[no-untyped-def]
    return {**AS, "transfer": {"agents": [{"name": "desk-1", "target": "+15005550010", **options}]}}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"twilio": {"public_url": PUBLIC}}, "twilio.from_number: required"),
        ({"audiosocket": {"prot": 1}}, "audiosocket.prot: unknown option"),
        ({**AS, "http": {"port": "80"}}, "http.port: must be a whole number"),
        ({**AS, "http": {"port": 70000}}, "http.port: must be a whole number from 0 to 65535"),
        ({**AS, "http": {"port": -1}}, "http.port: must be a whole number from 0 to 65535"),
        ({**AS, "limits": {"max_call_seconds": float("inf")}}, "must be a finite"),
        ({**AS, "voice": {"vad": "x"}}, "voice.vad: 'x' is not one of"),
        ({**AS, "voice": {"stt": "vosk"}}, "voice.stt: 'vosk' is not one of whisper"),
        ({**AS, "voice": {"tts": "festival"}}, "voice.tts: 'festival' is not one of"),
        ({**AS, "voice": {"engine": "x"}}, "voice.engine: unknown option"),
        ({**AS, "limits": {"max_call_seconds": -1}}, "limits.max_call_seconds"),
        ({**AS, "limits": {"stream_idle_timeout_s": 0}}, "limits.stream_idle_timeout_s: must be"),
        ({**AS, "limits": {"shutdown_grace_s": -5}}, "limits.shutdown_grace_s: must be a number"),
        ({**AS, "amd": {"deadline_s": 0}}, "amd.deadline_s: must be a number > 0"),
        ({**AS, "amd": {"message_wait_s": "20s"}}, "amd.message_wait_s: must be a number"),
        ({**AS, "amd": {"enabled": "yes"}}, "amd.enabled: must be true or false"),
        ({**AS, "telephony": {}}, "telephony: unknown section"),
        ({"http": {}}, "twilio, audiosocket, sip: configure at least one provider"),
        ({**AS, "http": {"port": 9092}}, "audiosocket.port: 9092 is already http.port"),
        ({**AS, "home": 5}, "home: must be a quoted string"),
        ({**AS, "database_url": "mysql://db/fairdial"}, "database_url: the scheme must be one"),
        ({**AS, "recordings": {"jurisdiction": "XX"}}, "recordings.jurisdiction: 'XX' is not a"),
        ({**AS, "recordings": {"enabled": 1}}, "recordings.enabled: must be true or false"),
        # Twilio: encrypted URLs, except on loopback; Twilio's own limits.
        ({"twilio": {"public_url": "bot", "from_number": "+1"}}, "twilio.public_url"),
        (twilio(public_url="http://bot.example.org"), "twilio.public_url: must use https://"),
        (twilio(public_url="ftp://bot.example.org"), "twilio.public_url: must be an absolute"),
        (twilio(public_url=PUBLIC + "/?a=1"), "twilio.public_url: must have no query"),
        (twilio(public_url=PUBLIC + ":99999"), "twilio.public_url: .* has an impossible port"),
        (twilio(stream_url="ws://bot.example.org/s"), "twilio.stream_url: must use wss://"),
        (twilio(stream_url=PUBLIC + "/s"), "twilio.stream_url: must be an absolute wss://"),
        (twilio(api_base_url="http://api.example.org"), "twilio.api_base_url: must use https"),
        (twilio(ring_timeout_s=0), "twilio.ring_timeout_s: must be a whole number from 1 to 600"),
        (twilio(ring_timeout_s=601), "twilio.ring_timeout_s: must be a whole number from 1"),
        (twilio(ring_timeout_s=2.5), "twilio.ring_timeout_s: must be a whole number"),
        (twilio(answer_grace_s=0), "twilio.answer_grace_s: must be a number > 0"),
        (twilio(from_number="+1 500 555"), "twilio.from_number: must be an E.164 number"),
        (twilio(from_number="15005550009"), "twilio.from_number: must be an E.164 number"),
        (twilio(auth_token_env="MY-TOKEN"), "twilio.auth_token_env: must name an environment"),
        (twilio(machine_detection="Yes"), "twilio.machine_detection: 'Yes' is not one of"),
        (
            twilio(machine_detection="None"),
            r"twilio.machine_detection: 'None' is not one of DetectMessageEnd, Enable "
            r"\(or leave it unset\)$",
        ),
        # Hosts: an IP literal that parses, or a name shaped like one; no lookups.
        ({**AS, "http": {"host": "999.999.1.1"}}, "http.host: '999.999.1.1' is not a valid IP"),
        ({**AS, "http": {"host": "::1"}}, "http.host: must be an IPv4 address or a host name"),
        ({"audiosocket": {"host": "not a host"}}, "audiosocket.host: 'not a host' is neither"),
        ({"audiosocket": {"host": "-bot.example.org"}}, "audiosocket.host: .* is neither an IP"),
        (sip(host="0.0.0.0", public_host="my pbx"), "sip.public_host: 'my pbx' is neither"),
        # Durations: at most a day, so a slip like 1e308 is caught at check time.
        (
            {**AS, "limits": {"max_call_seconds": 1e308}},
            "limits.max_call_seconds: must be at most 86400 seconds \\(a day\\), not 1e\\+308",
        ),
        ({**AS, "amd": {"message_wait_s": 86_401}}, "amd.message_wait_s: must be at most 86400"),
        (sip(register_timeout_s=90_000.5), "sip.register_timeout_s: must be at most 86400"),
        (
            {**AS, "transfer": {"callback_after_min": 20_000}},
            "transfer.callback_after_min: must be a whole number from 1 to 10080",
        ),
        (twilio(auth_token="x"), "twilio.auth_token: unknown option"),
        # SIP: ports, codecs, transport, account.
        ({"sip": {}}, "sip.user: required"),
        ({"sip": {"user": "bot"}}, "sip.domain: required"),
        ({"sip": "bot@127.0.0.1"}, "sip: must be a mapping"),
        (sip(port=70000), "sip.port: must be a whole number from 0 to 65535, not 70000"),
        (sip(port=-1), "sip.port: must be a whole number from 0 to 65535"),
        (sip(rtp_port=10001), "sip.rtp_port: must be even"),
        (sip(rtp_port=65536), "sip.rtp_port: must be a whole number from 0 to 65534"),
        (sip(rtp_port=65530), "sip.rtp_port: 4 calls need ports up to 65537"),
        (sip(port=10002, rtp_port=10000), "sip.port: 10002 falls in the RTP ports 10000-10007"),
        (sip(codecs=["PCMU", "G729"]), "sip.codecs[1]: 'G729' is not one of PCMU, PCMA"),
        (sip(codecs=["pcmu"]), "sip.codecs[0]: 'pcmu' is not one of"),
        (sip(codecs=[]), "sip.codecs: list at least one"),
        (sip(codecs="PCMU"), "sip.codecs: must be a list"),
        (sip(codecs=["PCMA", "PCMA"]), "sip.codecs: each codec may be listed once"),
        (sip(transport="tls"), "sip.transport: 'tls' is not one of udp"),
        (sip(max_calls=0), "sip.max_calls: must be a whole number from 1 to 4"),
        (sip(max_calls=10), "sip.max_calls: must be a whole number from 1 to 4"),
        (sip(ring_timeout_s=0), "sip.ring_timeout_s: must be a number > 0"),
        (sip(register_timeout_s=-1), "sip.register_timeout_s: must be a number > 0"),
        (sip(registrar="sip:pbx.example.org"), "sip.password_env: required when sip.registrar"),
        (sip(auth_user="trunk-7"), "sip.password_env: required when sip.auth_user"),
        (sip(registrar="pbx.example.org", password_env="P"), "sip.registrar: must be a sip: URI"),
        (sip(outbound_proxy="proxy.example.org"), "sip.outbound_proxy: must be a sip: URI"),
        (sip(password_env="sip password"), "sip.password_env: must name an environment"),
        (sip(password="hunter2"), "sip.password: unknown option"),
        (sip(target_uri="sip:trunk.example.org"), "sip.target_uri: must be a sip: URI with"),
        (sip(target_uri="tel:{number}"), "sip.target_uri: must be a sip: URI with"),
        (sip(target_uri="sip:{number}@{host}"), "sip.target_uri: may use only the fields"),
        (sip(host="pbx.local"), "sip.host: must be an IPv4 address"),
        (sip(host="::1"), "sip.host: must be an IPv4 address"),
        (sip(host="0.0.0.0"), "sip.public_host: required when sip.host is 0.0.0.0"),
        (sip(user="bot@127.0.0.1"), "sip.user: must be a bare name"),
        (sip(domain="sip:127.0.0.1"), "sip.domain: must be a bare name"),
        # Transfers.
        ({**AS, "transfer": {"callback_after_min": 0}}, "transfer.callback_after_min: must be"),
        ({**AS, "transfer": {"agents": {"name": "a"}}}, "transfer.agents: must be a list"),
        ({**AS, "transfer": {"agents": [{"name": "a"}]}}, "transfer.agents[0].target: required"),
        ({**AS, "transfer": {"agents": ["desk-1"]}}, "transfer.agents[0]: must be a mapping"),
        (agent(name=""), "transfer.agents[0].name: must be a non-empty string"),
        (agent(target="5550100"), "transfer.agents[0].target: must be an E.164 number"),
        (agent(phone="+15005550010"), "transfer.agents[0].phone: unknown option"),
        (agent(languages="en"), "transfer.agents[0].languages: must be a list"),
        (agent(available="no"), "transfer.agents[0].available: must be true or false"),
        (agent(hours="9-18"), 'transfer.agents[0].hours: must be like "09:00-18:00"'),
        (agent(hours="25:00-26:00"), "transfer.agents[0].hours: '25:00-26:00' is not a time"),
        (agent(hours="18:00-09:00"), "transfer.agents[0].hours: the start must come before"),
        (agent(timezone="Mars/Base"), "transfer.agents[0].timezone: 'Mars/Base' is not an IANA"),
    ],
)
def test_bad_configurations_name_the_bad_key(raw, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ServeConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_config(raw)


@pytest.mark.parametrize(
    "raw",
    [
        twilio(public_url="http://127.0.0.1:8080", stream_url="ws://localhost:8080/twilio/stream"),
        twilio(public_url="http://[::1]:8080", api_base_url="http://127.0.0.1:9"),
        twilio(stream_url="wss://media.example.org/twilio/stream", ring_timeout_s=600),
        {**AS, "recordings": {"jurisdiction": "US-CA"}, "database_url": "postgresql://u@h/db"},
        {**AS, "http": {"port": 9092, "host": "127.0.0.1"}, "audiosocket": {"host": "127.0.0.2"}},
        agent(hours="08:00-20:00", timezone="Asia/Taipei", languages=["zh-TW"], available=False),
        agent(target="sip:desk-1@pbx.example.org"),
        sip(
            registrar="sip:pbx.example.org",
            password_env="FAIRDIAL_SIP_PASSWORD",
            outbound_proxy="sip:pbx.example.org;lr",
            host="0.0.0.0",
            public_host="203.0.113.10",
            port=5060,
            rtp_port=10000,
            codecs=["PCMA"],
            max_calls=4,
        ),
        sip(port=0, rtp_port=65526, max_calls=4),
        sip(host="0.0.0.0", public_host="pbx-edge.example.org"),
        {"audiosocket": {"host": "::"}, "http": {"host": "localhost"}},
        {"audiosocket": {"host": "asterisk-1"}, "limits": {"max_call_seconds": 86_400}},
        twilio(machine_detection=None),
    ],
)
def test_good_configurations_parse(raw) -> None:  # type: ignore[no-untyped-def]
    parse_config(raw)


@pytest.mark.parametrize(
    ("raw", "secret"),
    [
        (twilio(from_number=15005550009), "5005550009"),
        (agent(target="5550100"), "5550100"),
        ({**AS, "database_url": "postgresql://collector:hunter2@db/fd"}, "hunter2"),
        (twilio(api_base_url="https://AC1:hunter2@api.twilio.com"), "hunter2"),
    ],
)
def test_errors_never_repeat_a_phone_number_or_a_secret(raw, secret) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ServeConfigError) as caught:
        parse_config(raw)
    assert secret not in str(caught.value)


def test_the_sip_section_has_its_defaults() -> None:
    options = parse_config(sip()).sip
    assert options is not None
    assert (options.port, options.rtp_port, options.transport) == (5060, 0, "udp")
    assert (options.codecs, options.max_calls, options.target_uri) == (
        ["PCMU", "PCMA"],
        4,
        "sip:{number}@{domain}",
    )


DOCS = Path(__file__).parents[2] / "docs" / "serve.md"


def test_the_documented_examples_are_valid(tmp_path, twilio_env, monkeypatch) -> None:
    monkeypatch.setenv("FAIRDIAL_SIP_PASSWORD", "not-a-secret")
    blocks = DOCS.read_text().split("```yaml\n")[1:]
    providers = set()
    for index, block in enumerate(blocks):
        path = tmp_path / f"example{index}.yaml"
        path.write_text(block.split("```")[0])
        config = load_config(path)
        providers |= {name for name in PROVIDERS if getattr(config, name) is not None}
        result = CliRunner().invoke(app, ["serve", "--config", str(path), "--check"])
        assert result.exit_code == 0, result.output
    assert providers == set(PROVIDERS)  # a worked example for each provider


def test_every_option_is_documented() -> None:
    docs = DOCS.read_text()
    keys = [f"{name}.{f.name}" for name, kind in SECTIONS.items() for f in fields(kind)]
    assert [key for key in keys if f"| `{key}` |" not in docs] == []


def test_serve_check_reports_a_bad_file(tmp_path) -> None:
    path = tmp_path / "serve.yaml"
    path.write_text("audiosocket:\n  port: eighty\n")
    result = CliRunner().invoke(app, ["serve", "--config", str(path), "--check"])
    assert result.exit_code == 2
    assert "audiosocket.port" in result.output


def test_serve_check_needs_the_sip_password_in_the_environment(tmp_path, monkeypatch) -> None:
    path = tmp_path / "serve.yaml"
    path.write_text(
        "sip:\n  user: bot\n  domain: pbx.example.org\n  registrar: sip:pbx.example.org\n"
        "  password_env: FAIRDIAL_TEST_SIP_PASSWORD\n"
    )
    monkeypatch.delenv("FAIRDIAL_TEST_SIP_PASSWORD", raising=False)
    missing = CliRunner().invoke(app, ["serve", "--config", str(path), "--check"])
    assert missing.exit_code == 2
    assert "set FAIRDIAL_TEST_SIP_PASSWORD in the environment (sip.password_env)" in missing.output

    monkeypatch.setenv("FAIRDIAL_TEST_SIP_PASSWORD", "not-a-secret")
    present = CliRunner().invoke(app, ["serve", "--config", str(path), "--check"])
    assert present.exit_code == 0, present.output
    assert present.output.strip().endswith(": ok")


def test_serve_check_refuses_plain_http_for_twilio_off_loopback(tmp_path, twilio_env) -> None:
    path = tmp_path / "serve.yaml"
    path.write_text(
        'twilio:\n  public_url: http://bot.example.org\n  from_number: "+15005550009"\n'
    )
    result = CliRunner().invoke(app, ["serve", "--config", str(path), "--check"])
    assert result.exit_code == 2
    assert "twilio.public_url: must use https://" in result.output


def check(tmp_path: Path, data: bytes):  # type: ignore[no-untyped-def]
    path = tmp_path / "serve.yaml"
    path.write_bytes(data)
    return CliRunner().invoke(app, ["serve", "--config", str(path), "--check"])


def test_serve_check_of_a_binary_or_latin1_file_says_it_is_not_utf8(tmp_path) -> None:
    binary = check(tmp_path, b"\x7fELF\x02\x01\x01\x00\xff\xfe")
    latin1 = check(tmp_path, "audiosocket:\n  host: caf\xe9\n".encode("latin-1"))
    nul = check(tmp_path, b"audiosocket:\n  port: \x00\n")

    assert binary.exit_code == latin1.exit_code == nul.exit_code == 2
    assert "serve.yaml: not UTF-8 text (byte 8); save the file as UTF-8 YAML" in binary.output
    assert "not UTF-8 text (byte 24)" in latin1.output
    assert "not valid YAML: unacceptable character #x0000" in nul.output
    for result in (binary, latin1, nul):
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_serve_check_refuses_a_key_given_twice_naming_it_and_its_lines(tmp_path) -> None:
    nested = check(tmp_path, b"audiosocket:\n  port: 9092\n  host: 127.0.0.1\n  port: 9093\n")
    top = check(tmp_path, b"audiosocket: {}\nlimits: {}\naudiosocket: {port: 1}\n")

    assert nested.exit_code == top.exit_code == 2
    assert "port: given twice, on line 2 and line 4 (keep one)" in nested.output
    assert "audiosocket: given twice, on line 1 and line 3" in top.output


def test_a_merge_key_may_still_be_overridden(tmp_path) -> None:
    path = tmp_path / "serve.yaml"
    path.write_text(
        "audiosocket: &listener {host: 127.0.0.1, port: 9092}\n"
        "http:\n  <<: *listener\n  port: 8081\n"
    )

    assert load_config(path).http.port == 8081


def test_serve_on_a_port_already_taken_names_the_address_in_one_line(tmp_path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        path = tmp_path / "serve.yaml"
        path.write_text(f"http:\n  port: {port}\naudiosocket:\n  port: 0\n")

        result = CliRunner().invoke(app, ["serve", "--config", str(path)])

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

    result = CliRunner().invoke(app, ["serve", "--config", str(path)])

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
