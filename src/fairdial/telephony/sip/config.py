"""How the SIP user agent reaches the network: its address, its account and where calls go."""

from __future__ import annotations

from dataclasses import dataclass

# G.711 only: the pipeline speaks 8 kHz mu-law, and both laws transcode losslessly to it.
G711_CODECS = ("PCMU/8000", "PCMA/8000")
# The calls PJSUA can hold at once, in and out together: PJSUA_MAX_CALLS as the pjsua2-python
# 2.15.1 wheel is compiled. PJSUA quietly holds a larger `UaConfig.maxCalls` down to it (asked
# for 5, 32 or 1000 it placed 4 ringing calls and refused the fifth), so larger values are
# refused here rather than promised.
CALL_TABLE_SIZE = 4


class SipConfigError(ValueError):
    """The SIP configuration cannot work."""


@dataclass(frozen=True)
class SipConfig:
    """One SIP account. With `registrar` set the agent registers (RFC 3261 §10) before dialling;
    without it, it is a trunk peer that sends INVITEs straight to `target_uri`'s host.

    `target_uri` turns a dialled number into a request URI, e.g. "sip:{number}@trunk.example";
    a number that already is a SIP URI is dialled as it is. `max_calls` is how many calls, placed
    and received together, the user agent holds at once; a dial beyond raises `NoFreeLine`.
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

    @property
    def id_uri(self) -> str:
        return f"sip:{self.user}@{self.domain}"

    def request_uri(self, number: str) -> str:
        if number.startswith(("sip:", "sips:")):
            return number
        return self.target_uri.format(number=number, domain=self.domain)
