"""`fairdial serve` whose SIP user agent cannot start: one line naming the key, no traceback."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from fairdial.voice.engines import FakeSpeechToText, FakeTextToSpeech
from tests.server.conftest import serve

try:
    import pjsua2  # noqa: F401
except ImportError:
    if os.environ.get("FAIRDIAL_REQUIRE_SERVICES") == "1":
        raise
    pytest.skip(
        "pjsua2-python is not installed (pip install pjsua2-python)", allow_module_level=True
    )

from tests.telephony.sip_peer import free_port

pytestmark = pytest.mark.usefixtures("pjsua2_left_nothing")


@pytest.fixture(autouse=True)
def fake_engines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve's speech engines replaced by instant fakes: these tests never reach a call."""
    monkeypatch.setattr("fairdial.server.engines.speech_to_text", FakeSpeechToText)
    monkeypatch.setattr("fairdial.server.engines.text_to_speech", lambda _v: FakeTextToSpeech())


def test_a_sip_port_already_in_use_is_one_line_naming_sip_port(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        path = tmp_path / "serve.yaml"
        path.write_text(
            f"home: {tmp_path}\nhttp:\n  port: 0\n"
            f"sip:\n  user: bot\n  domain: 127.0.0.1\n  port: {port}\n"
        )

        result = serve(path)

    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: cannot start serving: sip.port: ")
    assert "already in use" in lines[0]


def test_a_registrar_that_never_answers_is_one_line_naming_sip_registrar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIRDIAL_TEST_SIP_PASSWORD", "not-a-secret")
    silent = free_port()  # nothing listens there: the REGISTER goes unanswered
    path = tmp_path / "serve.yaml"
    path.write_text(
        f"home: {tmp_path}\nhttp:\n  port: 0\n"
        "sip:\n  user: bot\n  domain: 127.0.0.1\n  port: 0\n"
        f"  registrar: sip:127.0.0.1:{silent}\n"
        "  password_env: FAIRDIAL_TEST_SIP_PASSWORD\n  register_timeout_s: 0.5\n"
    )

    result = serve(path)

    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: cannot start serving: sip.registrar: registrar did not answer"
    )
