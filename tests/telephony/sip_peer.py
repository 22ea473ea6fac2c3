"""SIP peers a test starts on loopback: baresip as a phone, and tiny responders that end every
INVITE with a given final code or let it ring until cancelled.

baresip is configured in a temp dir: one account that auto-answers (or rings forever), plays a
tone WAV, a given WAV or echoes what it hears, and takes console commands (DTMF keys, /hangup,
/ausrc to play another WAV) over UDP. With `record`, it writes what it hears to
tmp/heard/dump-*-dec.wav. It listens for SIP on UDP and TCP at `sip_port`, and with a
certificate on TLS at `sip_port + 1`; `make_pki` makes a CA and certificates for that.
"""

from __future__ import annotations

import math
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

BARESIP_MODULES = Path("/usr/lib/baresip/modules")
REQUIRE_SERVICES = os.environ.get("FAIRDIAL_REQUIRE_SERVICES") == "1"


def require_baresip() -> str:
    """baresip's path; skips the test without it (fails with FAIRDIAL_REQUIRE_SERVICES=1)."""
    path = shutil.which("baresip")
    if path is None or not BARESIP_MODULES.is_dir():
        message = "baresip is not installed (apt-get install baresip)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_tone(path: Path, seconds: float = 10.0, hz: float = 440.0) -> None:
    """A 16-bit 8 kHz mono sine WAV at about a quarter of full scale."""
    samples = (
        int(8000 * math.sin(2 * math.pi * hz * n / 8000)) for n in range(int(8000 * seconds))
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))


@dataclass(frozen=True)
class Pki:
    """A CA made for one test, and certificates it signed: PEM files in the test's tmp dir."""

    ca: Path
    cert: Path  # for 127.0.0.1
    key: Path
    combined: Path  # cert then key, as baresip reads its own certificate
    wrong_name: Path  # the same, signed by the CA, but for another host than 127.0.0.1


def make_pki(tmp: Path) -> Pki:
    """A throwaway CA and two certificates it signed, one for 127.0.0.1 and one for a name that
    is not loopback's; the keys are unencrypted, as they live only as long as the test."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fairdial test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    (tmp / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))

    def issue(stem: str, name: x509.GeneralName) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, str(name.value))]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([name]), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        cert_path, key_path = tmp / f"{stem}.crt", tmp / f"{stem}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
        return cert_path, key_path

    cert, key = issue("loopback", x509.IPAddress(IPv4Address("127.0.0.1")))
    wrong_cert, wrong_key = issue("elsewhere", x509.DNSName("elsewhere.example"))
    combined, wrong_name = tmp / "loopback.pem", tmp / "elsewhere.pem"
    combined.write_bytes(cert.read_bytes() + key.read_bytes())
    wrong_name.write_bytes(wrong_cert.read_bytes() + wrong_key.read_bytes())
    return Pki(tmp / "ca.pem", cert, key, combined, wrong_name)


class Baresip:
    """A running baresip with one account `user`; `command` types keys into its console."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        sip_port: int,
        console_port: int,
        log: Path,
        *,
        tls: bool = False,
    ):
        self.process = process
        self.sip_port = sip_port
        self.console_port = console_port
        self.log = log
        self.tls = tls

    def uri(self, user: str) -> str:
        """The account's URI without a transport parameter; over TLS, at the TLS port."""
        port = self.sip_port + 1 if self.tls else self.sip_port
        return f"sip:{user}@127.0.0.1:{port}"

    def command(self, keys: str) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(keys.encode(), ("127.0.0.1", self.console_port))

    def press(self, digit: str) -> None:
        """Press and release a key: one RFC 4733 telephone-event to the far end."""
        # baresip holds a console key until 0x04 (its key-release code); an event held past
        # 8.19 s is split into a second one (RFC 4733 §2.5.1.3), which PJSIP reports as a second
        # press.
        self.command(f"{digit}\x04")

    def play(self, wav: Path) -> None:
        """Switch the call's audio source to `wav` (8 kHz 16-bit mono), from its start."""
        self.command(f"/ausrc aufile,{wav}\n")

    def wait_log(self, text: str, timeout_s: float = 15.0) -> bool:
        """Wait for `text` in baresip's log; generous, as a loaded CI machine starts it slowly."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if text in self.log.read_text(errors="replace"):
                return True
            time.sleep(0.05)
        return False


@contextmanager
def baresip(
    tmp: Path,
    user: str,
    *,
    answer: str = "auto",
    audio: str = "tone",
    wav: Path | None = None,
    record: bool = False,
    pki: Pki | None = None,
    srtp: bool = False,
) -> Iterator[Baresip]:
    """Start baresip in `tmp` with one account; `audio` is 'tone' (plays a 440 Hz WAV), 'echo',
    or 'file' (plays `wav`, 8 kHz 16-bit mono). `record` keeps what it hears under tmp/heard.
    With `pki` it also listens on TLS, with the CA's certificate for 127.0.0.1; with `srtp` it
    takes only calls whose audio is SRTP (RTP/SAVP)."""
    binary = require_baresip()
    tone = tmp / "tone.wav"
    write_tone(tone)
    sip_port, console_port = _free_port_pair(), free_port()
    source = {"tone": f"aufile,{tone}", "echo": "aubridge,echo", "file": f"aufile,{wav}"}[audio]
    player = "aubridge,echo" if audio == "echo" else "aubridge,sink"
    # sndfile dumps each call's decoded inbound audio (and its own outbound) as WAVs.
    recording = ["module sndfile.so", f"snd_path {tmp / 'heard'}"] if record else []
    if record:
        (tmp / "heard").mkdir(exist_ok=True)
    tls = [f"sip_certificate {pki.combined}", f"sip_cafile {pki.ca}"] if pki else []
    srtp_module = ["module srtp.so"] if srtp else []
    (tmp / "config").write_text(
        "\n".join(
            [
                f"sip_listen 127.0.0.1:{sip_port}",
                *tls,
                "net_interface 127.0.0.1",
                f"audio_source {source}",
                f"audio_player {player}",
                f"audio_alert {player}",
                "audio_srate 8000",
                "audio_channels 1",
                "rtp_ports 30000-39999",
                f"module_path {BARESIP_MODULES}",
                "module g711.so",
                "module aufile.so",
                "module aubridge.so",
                "module cons.so",
                *recording,
                *srtp_module,
                f"cons_listen 127.0.0.1:{console_port}",
                "module_app account.so",
                "module_app menu.so",
                "",
            ]
        )
    )
    (tmp / "accounts").write_text(
        f"<sip:{user}@127.0.0.1>;regint=0;answermode={answer};audio_codecs=PCMU,PCMA"
        + (";mediaenc=srtp-mand" if srtp else "")
        + "\n"
    )
    log = tmp / "baresip.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "-f", str(tmp)], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
    peer = Baresip(process, sip_port, console_port, log, tls=pki is not None)
    try:
        if not peer.wait_log("baresip is ready"):
            raise RuntimeError(f"baresip did not start: {log.read_text(errors='replace')}")
        yield peer
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port_pair() -> int:
    """A port free for UDP and TCP, with the TCP port above it free too (baresip's TLS)."""
    for _ in range(50):
        port = free_port()
        try:
            with socket.socket() as tcp, socket.socket() as tls:
                tcp.bind(("127.0.0.1", port))
                tls.bind(("127.0.0.1", port + 1))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port pair on loopback")


class StatusResponder:
    """A SIP UAS on loopback UDP that answers every INVITE with 180 then `status`, and REGISTER
    with 200 (RFC 3261 §8.2.6, §10.3); enough to see how a dial reads each final response."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason
        self.registers = 0
        # Counted by Call-ID: a loaded machine may answer late, and PJSIP then retransmits.
        self._invited_calls: set[str] = set()
        self._cancelled_calls: set[str] = set()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> StatusResponder:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sock.close()

    def uri(self, user: str) -> str:
        return f"sip:{user}@127.0.0.1:{self.port}"

    @property
    def invites(self) -> int:
        """Calls INVITEd, each once however often its INVITE was retransmitted."""
        return len(self._invited_calls)

    @property
    def cancels(self) -> int:
        """Calls CANCELled, each once."""
        return len(self._cancelled_calls)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self._sock.recvfrom(65535)
            except TimeoutError:
                continue
            message = data.decode(errors="replace")
            method = message.split(" ", 1)[0]
            if method == "INVITE":
                self._invited_calls.add(_headers(message)[0]["call-id"])
                self._reply(message, peer, 100, "Trying")
                self._reply(message, peer, 180, "Ringing", to_tag=True)
                self._invited(message, peer)
            elif method == "CANCEL":
                self._cancelled_calls.add(_headers(message)[0]["call-id"])
                self._reply(message, peer, 200, "OK", to_tag=True)
                self._cancelled(message, peer)
            elif method == "REGISTER":
                self.registers += 1
                self._reply(message, peer, 200, "OK", to_tag=True, expires=True)
            # ACK for the final response needs no reply (RFC 3261 §17.2.1).

    def _invited(self, invite: str, peer: tuple[str, int]) -> None:
        self._reply(invite, peer, self.status, self.reason, to_tag=True)

    def _cancelled(self, cancel: str, peer: tuple[str, int]) -> None:
        """The INVITE was answered at once, so a CANCEL has nothing left to end."""

    def _reply(
        self,
        request: str,
        peer: tuple[str, int],
        status: int,
        reason: str,
        *,
        to_tag: bool = False,
        expires: bool = False,
    ) -> None:
        headers, vias = _headers(request)
        to = headers["to"] + (";tag=fairdialtest" if to_tag and "tag=" not in headers["to"] else "")
        lines = [
            f"SIP/2.0 {status} {reason}",
            *(f"Via: {via}" for via in vias),
            f"From: {headers['from']}",
            f"To: {to}",
            f"Call-ID: {headers['call-id']}",
            f"CSeq: {headers['cseq']}",
        ]
        if expires:
            lines += [f"Contact: {headers['contact']};expires=300"]
        lines += ["Content-Length: 0", "", ""]
        self._sock.sendto("\r\n".join(lines).encode(), peer)


class RingingResponder(StatusResponder):
    """A UAS whose every INVITE rings until it is cancelled, then ends 487 Request Terminated
    (RFC 3261 §9.2): a phone nobody picks up, any number of calls at once."""

    def __init__(self) -> None:
        super().__init__(487, "Request Terminated")
        self._ringing: dict[str, str] = {}  # INVITE by Call-ID, touched by the serving thread

    def _invited(self, invite: str, peer: tuple[str, int]) -> None:
        self._ringing[_headers(invite)[0]["call-id"]] = invite

    def _cancelled(self, cancel: str, peer: tuple[str, int]) -> None:
        invite = self._ringing.pop(_headers(cancel)[0]["call-id"], None)
        if invite is not None:
            self._reply(invite, peer, self.status, self.reason, to_tag=True)


class RefusingResponder(StatusResponder):
    """A UAS that ends every INVITE with `status` right after 100 Trying, before it ever reports
    ringing: a trunk turning the call down before any phone rang."""

    def _reply(
        self,
        request: str,
        peer: tuple[str, int],
        status: int,
        reason: str,
        *,
        to_tag: bool = False,
        expires: bool = False,
    ) -> None:
        if status // 100 == 1 and status != 100:
            return  # no 18x: the call never got as far as a phone
        super()._reply(request, peer, status, reason, to_tag=to_tag, expires=expires)


def _headers(request: str) -> tuple[dict[str, str], list[str]]:
    """The request's headers by lower-case full name, and its Via headers in order."""
    compact = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact"}
    found: dict[str, str] = {}
    vias: list[str] = []
    for line in request.split("\r\n\r\n", 1)[0].split("\r\n")[1:]:
        name, _, value = line.partition(":")
        name = compact.get(name.strip().lower(), name.strip().lower())
        if name == "via":
            vias.append(value.strip())
        else:
            found.setdefault(name, value.strip())
    return found, vias
