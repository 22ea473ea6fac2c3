"""SIP over TCP and TLS, and SRTP: their settings, and real calls on loopback between the user
agent and baresip, both ways."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from pathlib import Path

import pytest

from fairdial.server import checks
from fairdial.server.checks import ServeConfigError
from fairdial.server.config import parse_config
from fairdial.telephony.base import CallResult
from fairdial.telephony.events import AnsweredCall, CallEvent, CallEventKind

pytest.importorskip("pjsua2", reason="pjsua2-python is not installed")

from fairdial.server.sip import sip_config
from fairdial.telephony.sip import SipChannel, SipConfig, SipConfigError
from fairdial.telephony.sip import config as sip_settings
from tests.telephony.sip_peer import Pki, baresip, make_pki
from tests.telephony.test_sip_channel import (
    BYE_RECEIVED,
    _config,
    _keep,
    _receive,
    _request,
    _rms,
    _run,
    _session,
    _tone_frames,
    _until,
)

ANSWERED = "answering call"  # how baresip logs a call it took up

pytestmark = pytest.mark.usefixtures("pjsua2_left_nothing")


def _tls(pki: Pki, **overrides: object) -> SipConfig:
    """Our side over TLS: peers checked against the test CA, our own certificate from it."""
    settings: dict[str, object] = {
        "transport": "tls",
        "tls_ca_file": str(pki.ca),
        "tls_cert_file": str(pki.cert),
        "tls_key_file": str(pki.key),
    }
    return _config(**(settings | overrides))


async def _talk_and_hang_up(channel: SipChannel, call: AnsweredCall) -> None:
    """Our tone reaches the echoing peer and comes back; then we end the call with a BYE."""
    for frame in _tone_frames(1.5):
        await call.transport.send(frame)
    heard = await _receive(call, 75)
    assert _rms(heard[-25:]) > 1000

    await call.hang_up()
    assert await call.transport.receive() is None
    await _until(lambda: channel.active_calls == 0)


def _kinds(events: list[CallEvent]) -> list[CallEventKind]:
    return [event.kind for event in events]


def test_request_uris_carry_the_transport_unless_they_name_one() -> None:
    tcp = _config(transport="tcp", target_uri="sip:{number}@trunk.example?X-Case=1")

    assert tcp.request_uri("+15550100") == "sip:+15550100@trunk.example;transport=tcp?X-Case=1"
    assert tcp.request_uri("sip:desk@pbx.example;transport=udp") == (
        "sip:desk@pbx.example;transport=udp"
    )
    assert _config().request_uri("+15550100") == "sip:+15550100@127.0.0.1"
    tls = _config(transport="tls", tls_verify_server=False)
    assert tls.request_uri("sip:desk@pbx.example:5061") == (
        "sip:desk@pbx.example:5061;transport=tls"
    )
    assert tls.request_uri("sips:desk@pbx.example") == "sips:desk@pbx.example"


@pytest.mark.parametrize(
    ("overrides", "wrong"),
    [
        ({"transport": "sctp"}, "transport must be udp, tcp or tls, not 'sctp'"),
        ({"srtp": "always"}, "srtp must be disabled, optional or mandatory"),
        ({"srtp": "mandatory"}, "srtp needs transport tls"),
        ({"transport": "tcp", "srtp": "optional"}, "srtp needs transport tls"),
        ({"tls_ca_file": "/ca.pem"}, "TLS files are set, but transport is not tls"),
        (
            {"transport": "tls", "tls_verify_server": False, "tls_cert_file": "/a.crt"},
            "tls_cert_file and tls_key_file go together",
        ),
    ],
)
def test_settings_that_cannot_work_are_refused(overrides: dict[str, object], wrong: str) -> None:
    with pytest.raises(SipConfigError, match=wrong):
        _config(**overrides)


def test_verifying_peers_without_any_ca_bundle_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sip_settings, "SYSTEM_CA_FILES", (str(tmp_path / "absent.pem"),))

    with pytest.raises(SipConfigError, match="needs tls_ca_file: no system CA bundle"):
        _config(transport="tls")
    assert _config(transport="tls", tls_verify_server=False).ca_file is None


def test_a_call_over_tcp_is_answered_carries_audio_both_ways_and_ends_with_our_bye(
    tmp_path: Path,
) -> None:
    events: list[CallEvent] = []

    async def scenario() -> None:
        with baresip(tmp_path, "echo", audio="echo") as peer:
            config = _config(transport="tcp")
            async with SipChannel(config, session_factory=_keep, on_event=events.append) as ch:
                outcome = await ch.dial(_request(peer.uri("echo")))
                assert outcome.result is CallResult.CONVERSATION
                await _talk_and_hang_up(ch, _session(outcome))
                assert peer.wait_log("terminated")

    _run(scenario)
    assert _kinds(events)[:2] == [CallEventKind.RINGING, CallEventKind.ANSWERED]
    assert _kinds(events)[-1] is CallEventKind.COMPLETED


def test_a_call_over_tls_to_a_verified_peer_carries_audio_and_ends_with_our_bye(
    tmp_path: Path,
) -> None:
    pki = make_pki(tmp_path)
    events: list[CallEvent] = []

    async def scenario() -> None:
        with baresip(tmp_path, "echo", audio="echo", pki=pki) as peer:
            async with SipChannel(_tls(pki), session_factory=_keep, on_event=events.append) as ch:
                outcome = await ch.dial(_request(peer.uri("echo")))
                assert outcome.result is CallResult.CONVERSATION
                assert peer.wait_log(ANSWERED)
                await _talk_and_hang_up(ch, _session(outcome))
                assert peer.wait_log("terminated")

    _run(scenario)
    assert _kinds(events)[:2] == [CallEventKind.RINGING, CallEventKind.ANSWERED]
    assert _kinds(events)[-1] is CallEventKind.COMPLETED


@pytest.mark.parametrize(
    ("verify", "result"),
    [(True, CallResult.NOT_PLACED), (False, CallResult.CONVERSATION)],
)
def test_a_tls_peer_signed_by_another_ca_is_invited_only_when_verification_is_off(
    tmp_path: Path, verify: bool, result: CallResult
) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    trusted, peer_pki = make_pki(ours), make_pki(theirs)

    async def scenario() -> None:
        with baresip(theirs, "echo", audio="echo", pki=peer_pki) as peer:
            config = _tls(trusted, tls_verify_server=verify)
            async with SipChannel(config, session_factory=_keep) as channel:
                outcome = await channel.dial(_request(peer.uri("echo")))
                assert outcome.result is result
                if outcome.session is not None:
                    await _talk_and_hang_up(channel, _session(outcome))
            assert (ANSWERED in peer.log.read_text(errors="replace")) is not verify

    _run(scenario)


@pytest.mark.parametrize("transport", ["tcp", "tls"])
def test_an_inbound_call_over_tcp_or_tls_reaches_the_handler_with_the_callers_audio(
    tmp_path: Path, transport: str
) -> None:
    pki = make_pki(tmp_path)
    handled: list[AnsweredCall] = []

    async def scenario() -> None:
        async def on_inbound(call: AnsweredCall) -> None:
            handled.append(call)
            heard = await _receive(call, 50)
            assert _rms(heard[-25:]) > 1000  # the caller's 440 Hz WAV

        config = _tls(pki) if transport == "tls" else _config(transport="tcp")
        with baresip(tmp_path, "caller", pki=pki) as peer:
            async with SipChannel(config, session_factory=_keep, on_inbound=on_inbound) as ch:
                peer.command(f"/dial sip:bot@{ch.local_address};transport={transport}\n")
                await _until(lambda: bool(handled) and ch.active_calls == 0, timeout_s=10)
                assert await asyncio.to_thread(peer.wait_log, BYE_RECEIVED)

    _run(scenario)
    (call,) = handled
    assert call.transport.closed


def test_a_tls_peer_whose_certificate_names_another_host_is_never_invited(
    tmp_path: Path,
) -> None:
    pki = make_pki(tmp_path)
    impostor = replace(pki, combined=pki.wrong_name)

    async def scenario() -> None:
        with baresip(tmp_path, "echo", audio="echo", pki=impostor) as peer:
            async with SipChannel(_tls(pki), session_factory=_keep) as channel:
                outcome = await channel.dial(_request(peer.uri("echo")))
                assert outcome.result is CallResult.NOT_PLACED
            assert ANSWERED not in peer.log.read_text(errors="replace")

    _run(scenario)


def test_srtp_mandatory_over_tls_reaches_a_peer_that_takes_only_srtp(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)

    async def scenario() -> None:
        with baresip(tmp_path, "echo", audio="echo", pki=pki, srtp=True) as peer:
            config = _tls(pki, srtp="mandatory")
            async with SipChannel(config, session_factory=_keep) as channel:
                outcome = await channel.dial(_request(peer.uri("echo")))
                assert outcome.result is CallResult.CONVERSATION
                assert peer.wait_log("SRTP is Enabled")
                await _talk_and_hang_up(channel, _session(outcome))

    _run(scenario)


def test_optional_srtp_falls_back_to_rtp_with_a_peer_without_srtp(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)

    async def scenario() -> None:
        with baresip(tmp_path, "echo", audio="echo", pki=pki) as peer:
            config = _tls(pki, srtp="optional")
            async with SipChannel(config, session_factory=_keep) as channel:
                outcome = await channel.dial(_request(peer.uri("echo")))
                assert outcome.result is CallResult.CONVERSATION
                await _talk_and_hang_up(channel, _session(outcome))

    _run(scenario)


def test_without_srtp_a_peer_that_takes_only_srtp_refuses_the_call(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)

    async def scenario() -> None:
        with baresip(tmp_path, "echo", audio="echo", pki=pki, srtp=True) as peer:
            async with SipChannel(_tls(pki), session_factory=_keep) as channel:
                outcome = await channel.dial(_request(peer.uri("echo")))
                assert outcome.result is CallResult.NOT_PLACED
                assert outcome.session is None
                assert channel.active_calls == 0
            # baresip turns down an RTP/AVP offer, as it takes RTP/SAVP only, with 488.
            assert peer.wait_log("no common audio codecs - rejected")

    _run(scenario)


def _serve(tmp_path: Path, **options: object) -> dict[str, object]:
    """A serve file's `sip:` section over TLS, with files that exist unless overridden."""
    pki = make_pki(tmp_path)
    files = {
        "tls_ca_file": str(pki.ca),
        "tls_cert_file": str(pki.cert),
        "tls_key_file": str(pki.key),
    }
    return {
        "sip": {"user": "bot", "domain": "trunk.example", "transport": "tls", **files, **options}
    }


@pytest.mark.parametrize(
    ("options", "wrong"),
    [
        ({"transport": "sctp"}, "sip.transport: 'sctp' is not one of tcp, tls, udp"),
        ({"srtp": "on"}, "sip.srtp: 'on' is not one of disabled, mandatory, optional"),
        ({"transport": "udp"}, "sip.tls_ca_file: used only with sip.transport tls"),
        ({"tls_ca_file": "/nowhere/ca.pem"}, "sip.tls_ca_file: no such file: /nowhere/ca.pem"),
        ({"tls_key_file": None}, "sip.tls_key_file: required with sip.tls_cert_file"),
        ({"tls_cert_file": None}, "sip.tls_cert_file: required with sip.tls_key_file"),
        ({"tls_verify_server": "yes"}, "sip.tls_verify_server: must be true or false"),
        (
            {"target_uri": "sip:{number}@trunk.example;transport=udp"},
            "sip.target_uri: its ;transport=udp is not sip.transport tls",
        ),
        ({"target_uri": "tel:{number}"}, "sip.target_uri: must be a sip: or sips: URI with"),
    ],
)
def test_serve_file_refuses_transport_settings_that_cannot_work(
    tmp_path: Path, options: dict[str, object], wrong: str
) -> None:
    with pytest.raises(ServeConfigError, match=re.escape(wrong)):
        parse_config(_serve(tmp_path, **options))


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_serve_file_refuses_srtp_without_tls(transport: str) -> None:
    raw = {"sip": {"user": "bot", "domain": "trunk.example", "transport": transport}}
    raw["sip"]["srtp"] = "optional"

    with pytest.raises(
        ServeConfigError, match=f"sip.srtp: needs sip.transport tls; over {transport}"
    ):
        parse_config(raw)


def test_serve_file_refuses_unverifiable_tls_without_a_ca_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(checks, "SYSTEM_CA_FILES", (str(tmp_path / "absent.pem"),))
    raw = {"sip": {"user": "bot", "domain": "trunk.example", "transport": "tls"}}

    with pytest.raises(
        ServeConfigError, match=re.escape("sip.tls_ca_file: required to verify TLS peers")
    ):
        parse_config(raw)
    raw["sip"]["tls_verify_server"] = False
    assert parse_config(raw).sip is not None


def test_serve_file_tls_settings_reach_the_user_agent(tmp_path: Path) -> None:
    raw = _serve(tmp_path, srtp="mandatory", target_uri="sips:{number}@{domain}")
    options = parse_config(raw).sip
    assert options is not None

    config = sip_config(options, None)

    assert (config.transport, config.srtp, config.tls_verify_server) == ("tls", "mandatory", True)
    assert config.tls_ca_file == str(tmp_path / "ca.pem")
    assert (config.tls_cert_file, config.tls_key_file) == (
        str(tmp_path / "loopback.crt"),
        str(tmp_path / "loopback.key"),
    )
    assert config.request_uri("+15550100") == "sips:+15550100@trunk.example"
