"""The serve configuration: every bad key is named with what is wrong, every good one parses,
and docs/serve.md documents each option with a worked example per provider."""

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from fairdial.server.config import (
    PROVIDERS,
    SECTIONS,
    ServeConfigError,
    load_config,
    parse_config,
)
from tests.server.conftest import PUBLIC, serve

AS: dict[str, Any] = {"audiosocket": {}}  # a valid provider, for checks of the other sections
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
        ({**AS, "recordings": {"jurisdiction": "us-ny"}}, "upper case, as in 'US-NY'"),
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
        (sip(transport="sctp"), "sip.transport: 'sctp' is not one of tcp, tls, udp"),
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
        (
            agent(languages=["en", "xx-YY"]),
            "transfer.agents[0].languages: 'xx-YY' is not a language the bot speaks "
            r"\(en, en-US, zh, zh-CN, zh-TW\)",
        ),
        (agent(languages=["zh-HK"]), "transfer.agents[0].languages: 'zh-HK' is not a language"),
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
        agent(languages=["ZH-TW", "en-us", "zh", "en"]),  # tags are matched ignoring case
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
        result = serve(path, "--check")
        assert result.exit_code == 0, result.output
    assert providers == set(PROVIDERS)  # a worked example for each provider


def test_every_option_is_documented() -> None:
    docs = DOCS.read_text()
    keys = [f"{name}.{f.name}" for name, kind in SECTIONS.items() for f in fields(kind)]
    assert [key for key in keys if f"| `{key}` |" not in docs] == []
