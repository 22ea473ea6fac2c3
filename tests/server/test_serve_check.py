"""`fairdial serve --check`: a configuration file is read and checked without binding anything,
and every problem is one line naming the file, the key and what is wrong."""

from pathlib import Path

from typer.testing import Result

from fairdial.server.config import load_config
from tests.server.conftest import serve


def check(tmp_path: Path, data: bytes) -> Result:
    path = tmp_path / "serve.yaml"
    path.write_bytes(data)
    return serve(path, "--check")


def test_serve_check_reports_a_bad_file(tmp_path) -> None:
    path = tmp_path / "serve.yaml"
    path.write_text("audiosocket:\n  port: eighty\n")
    result = serve(path, "--check")
    assert result.exit_code == 2
    assert "audiosocket.port" in result.output


def test_serve_check_needs_the_sip_password_in_the_environment(tmp_path, monkeypatch) -> None:
    path = tmp_path / "serve.yaml"
    path.write_text(
        "sip:\n  user: bot\n  domain: pbx.example.org\n  registrar: sip:pbx.example.org\n"
        "  password_env: FAIRDIAL_TEST_SIP_PASSWORD\n"
    )
    monkeypatch.delenv("FAIRDIAL_TEST_SIP_PASSWORD", raising=False)
    missing = serve(path, "--check")
    assert missing.exit_code == 2
    assert "set FAIRDIAL_TEST_SIP_PASSWORD in the environment (sip.password_env)" in missing.output

    monkeypatch.setenv("FAIRDIAL_TEST_SIP_PASSWORD", "not-a-secret")
    present = serve(path, "--check")
    assert present.exit_code == 0, present.output
    assert present.output.strip().endswith(": ok")


def test_serve_check_refuses_plain_http_for_twilio_off_loopback(tmp_path, twilio_env) -> None:
    path = tmp_path / "serve.yaml"
    path.write_text(
        'twilio:\n  public_url: http://bot.example.org\n  from_number: "+15005550009"\n'
    )
    result = serve(path, "--check")
    assert result.exit_code == 2
    assert "twilio.public_url: must use https://" in result.output


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
