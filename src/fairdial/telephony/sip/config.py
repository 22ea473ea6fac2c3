"""How the SIP user agent reaches the network: its address, its account and where calls go."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# G.711 only: the pipeline speaks 8 kHz mu-law, and both laws transcode losslessly to it.
G711_CODECS = ("PCMU/8000", "PCMA/8000")
# The calls PJSUA can hold at once, in and out together: PJSUA_MAX_CALLS as the pjsua2-python
# 2.15.1 wheel is compiled. PJSUA quietly holds a larger `UaConfig.maxCalls` down to it (asked
# for 5, 32 or 1000 it placed 4 ringing calls and refused the fifth), so larger values are
# refused here rather than promised.
CALL_TABLE_SIZE = 4
TRANSPORTS = ("udp", "tcp", "tls")
SRTP_MODES = ("disabled", "optional", "mandatory")
# Where common systems keep their CA bundle (Debian, RHEL, Alpine). The bundle is handed to
# PJSIP by path: the OpenSSL inside the pjsua2-python wheel was built with /etc/pki/tls as its
# home, which most systems do not have.
SYSTEM_CA_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
)


class SipConfigError(ValueError):
    """The SIP configuration cannot work."""


@dataclass(frozen=True)
class SipConfig:
    """One SIP account. With `registrar` set the agent registers (RFC 3261 §10) before dialling;
    without it, it is a trunk peer that sends INVITEs straight to `target_uri`'s host.

    `target_uri` turns a dialled number into a request URI, e.g. "sip:{number}@trunk.example";
    a number that already is a SIP URI is dialled as it is, bar the transport parameter below.
    `max_calls` is how many calls, placed and received together, the user agent holds at once;
    a dial beyond raises `NoFreeLine`.

    `transport` is the one SIP transport the user agent opens: "udp", "tcp" or "tls". Over TCP
    and TLS every request URI without a transport parameter gets `;transport=tcp` or
    `;transport=tls`, as PJSIP would otherwise pick UDP for a `sip:` URI (RFC 3263 §4.1). A TLS
    peer is verified against `tls_ca_file` (or the system's CA bundle); `tls_cert_file` and
    `tls_key_file` are our certificate, for peers that connect to us or ask for mutual TLS.
    `srtp` (RFC 3711, keys in the SDP by RFC 4568) needs TLS: over cleartext signalling anyone on
    the path reads the keys.
    """

    user: str
    domain: str
    target_uri: str = "sip:{number}@{domain}"
    registrar: str | None = None
    password: str | None = None
    auth_user: str | None = None
    realm: str = "*"  # answer a digest challenge from any realm
    outbound_proxy: str | None = None
    bind_host: str = "127.0.0.1"
    sip_port: int = 0  # 0: the OS picks
    rtp_port: int = 0  # 0: the OS picks each call's RTP port
    public_host: str | None = None  # the address put in Contact and SDP, when not bind_host
    codecs: tuple[str, ...] = G711_CODECS
    max_calls: int = CALL_TABLE_SIZE
    ring_timeout_s: float = 30.0
    register_timeout_s: float = 5.0
    pj_log_level: int = 0  # PJSIP's own log; above 3 it prints SIP messages, numbers included
    transport: str = "udp"
    tls_ca_file: str | None = None
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    tls_verify_server: bool = True
    srtp: str = "disabled"

    def __post_init__(self) -> None:
        unknown = [codec for codec in self.codecs if codec not in G711_CODECS]
        if not self.codecs or unknown:
            raise SipConfigError(f"only PCMU/8000 and PCMA/8000 are supported, not {unknown}")
        if self.registrar is not None and not self.password:
            raise SipConfigError("a registrar needs a password")
        if not 1 <= self.max_calls <= CALL_TABLE_SIZE:
            raise SipConfigError(
                f"max_calls must be from 1 to {CALL_TABLE_SIZE} (the calls this PJSUA2 build"
                f" holds at once), not {self.max_calls}"
            )
        if self.ring_timeout_s <= 0:
            raise SipConfigError("ring_timeout_s must be positive")
        self._check_transport()

    def _check_transport(self) -> None:
        if self.transport not in TRANSPORTS:
            raise SipConfigError(f"transport must be udp, tcp or tls, not {self.transport!r}")
        if self.srtp not in SRTP_MODES:
            raise SipConfigError(f"srtp must be disabled, optional or mandatory, not {self.srtp!r}")
        tls_files = (self.tls_ca_file, self.tls_cert_file, self.tls_key_file)
        if self.transport != "tls":
            if any(tls_files):
                raise SipConfigError("TLS files are set, but transport is not tls")
            if self.srtp != "disabled":
                raise SipConfigError("srtp needs transport tls: its keys travel in the SDP")
            return
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise SipConfigError("tls_cert_file and tls_key_file go together")
        if self.tls_verify_server and self.ca_file is None:
            raise SipConfigError(
                "verifying TLS peers needs tls_ca_file: no system CA bundle was found"
            )

    @property
    def ca_file(self) -> str | None:
        """The CA bundle TLS peers are verified against: `tls_ca_file`, else the system's."""
        if self.tls_ca_file is not None:
            return self.tls_ca_file
        return system_ca_file()

    @property
    def id_uri(self) -> str:
        return f"sip:{self.user}@{self.domain}"

    def request_uri(self, number: str) -> str:
        if number.startswith(("sip:", "sips:")):
            return self.on_transport(number)
        return self.on_transport(self.target_uri.format(number=number, domain=self.domain))

    def on_transport(self, uri: str) -> str:
        """`uri` routed over the configured transport: a `sip:` URI without a transport
        parameter gets one. A `sips:` URI already asks for TLS on every hop (RFC 3261 §19.1);
        `;transport=tls` on a `sip:` URI asks for it on the hop to the trunk only, which is what
        a trunk to the phone network can promise."""
        if self.transport == "udp" or not uri.startswith("sip:"):
            return uri
        address, question, headers = uri.partition("?")
        host_part = address.rpartition("@")[2]
        if ";transport=" in host_part.lower():
            return uri
        return f"{address};transport={self.transport}{question}{headers}"


def system_ca_file() -> str | None:
    """The first CA bundle of `SYSTEM_CA_FILES` present on this machine, if any."""
    for path in SYSTEM_CA_FILES:
        if Path(path).is_file():
            return path
    return None
