"""The rules of the serve file beyond each value's type: values that cannot work, and keys
that must agree with one another. Each failure is a `ServeConfigError` naming the dotted key.

Errors repeat a bad value to help find it, except phone numbers and anything that may hold a
secret: those are named by their key only.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fairdial.policy.packs import pack_ids

if TYPE_CHECKING:
    from fairdial.server.config import ServeConfig, SipOptions, TwilioOptions


class ServeConfigError(ValueError):
    """The configuration file is missing, unreadable, or has a bad key or value."""


# The carrier's names for G.711, as the SDP of the SIP adapter lists them (RFC 3551 §6).
SIP_CODECS = {"PCMU": "PCMU/8000", "PCMA": "PCMA/8000"}
AGENT_KEYS = {"name", "target", "languages", "available", "hours", "timezone"}
DATABASE_SCHEMES = {"sqlite", "postgresql", "postgres", "postgresql+psycopg"}
E164 = re.compile(r"\+[1-9][0-9]{1,14}")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
HOURS = re.compile(r"(\d{2}:\d{2})-(\d{2}:\d{2})")
# One label of a host name (RFC 1123 §2.1): letters, digits and inner hyphens, at most 63.
HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
# SYSTEM_CA_FILES of fairdial.telephony.sip.config, written out: importing it needs PJSUA2.
SYSTEM_CA_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
)
TLS_FILE_KEYS = ("tls_ca_file", "tls_cert_file", "tls_key_file")
URI_TRANSPORT = re.compile(r";transport=([A-Za-z0-9-]+)", re.IGNORECASE)


def check_values(config: ServeConfig) -> None:
    """Every rule that a section's types alone cannot express; the first failure is raised."""
    if config.database_url is not None:
        _check_database_url(config.database_url)
    _check_listeners(config)
    if config.twilio is not None:
        _check_twilio(config.twilio)
    if config.sip is not None:
        _check_sip(config.sip)
    _check_jurisdiction(config.recordings.jurisdiction)
    for index, agent in enumerate(config.transfer.agents):
        _check_agent(f"transfer.agents[{index}]", agent)


def non_empty_string(value: Any, dotted: str) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # YAML reads an unquoted +15550100 as a number; it is not repeated: it may be a phone's.
        raise ServeConfigError(f"{dotted}: must be a quoted string, not a number")
    if not isinstance(value, str) or not value:
        raise ServeConfigError(f"{dotted}: must be a non-empty string, not {value!r}")
    return value


def check_env_name(dotted: str, name: str) -> None:
    if not ENV_NAME.fullmatch(name):
        raise ServeConfigError(f"{dotted}: must name an environment variable, not {name!r}")


def _check_database_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in DATABASE_SCHEMES:
        known = ", ".join(sorted(DATABASE_SCHEMES))
        raise ServeConfigError(f"database_url: the scheme must be one of {known}")
    if parts.password:
        # The value is not repeated: it holds a secret.
        raise ServeConfigError(
            "database_url: keep the password out of the file "
            "(set FAIRDIAL_DATABASE_URL in the environment, or use a .pgpass file)"
        )


def _check_listeners(config: ServeConfig) -> None:
    """Hosts each listener can bind, and no TCP port shared by the web app and AudioSocket."""
    http_address = _check_host("http.host", config.http.host)
    if http_address is not None and http_address.version != 4:
        raise ServeConfigError(
            "http.host: must be an IPv4 address or a host name (the web app listens on IPv4)"
        )
    audiosocket = config.audiosocket
    if audiosocket is not None:
        _check_host("audiosocket.host", audiosocket.host)
    if audiosocket is None or audiosocket.port == 0 or audiosocket.port != config.http.port:
        return
    wildcard = {"0.0.0.0", "::"}
    hosts = {audiosocket.host, config.http.host}
    if len(hosts) == 1 or hosts & wildcard:
        raise ServeConfigError(
            f"audiosocket.port: {audiosocket.port} is already http.port on the same address"
        )


def _check_twilio(twilio: TwilioOptions) -> None:
    # Twilio signs its callbacks and streams call audio: both must travel encrypted, except on
    # a loopback address, where tests and local fakes run without TLS.
    _check_url("twilio.public_url", twilio.public_url, "https", "http")
    if twilio.stream_url is not None:
        _check_url("twilio.stream_url", twilio.stream_url, "wss", "ws")
    _check_url("twilio.api_base_url", twilio.api_base_url, "https", "http")
    if not E164.fullmatch(twilio.from_number):
        raise ServeConfigError(
            "twilio.from_number: must be an E.164 number: + and up to 15 digits, no spaces"
        )


def _check_url(dotted: str, url: str, secure: str, plain: str) -> None:
    parts = urlsplit(url)
    if "@" in parts.netloc:
        # Not repeated: what stands before the @ is a user name and perhaps a password.
        raise ServeConfigError(f"{dotted}: must not carry a user name or password")
    try:
        parts.port  # noqa: B018  raises on a port that is not a number or out of range
    except ValueError:
        raise ServeConfigError(f"{dotted}: {url!r} has an impossible port") from None
    if parts.scheme not in (secure, plain) or not parts.hostname:
        raise ServeConfigError(f"{dotted}: must be an absolute {secure}:// URL, not {url!r}")
    if parts.query or parts.fragment:
        raise ServeConfigError(f"{dotted}: must have no query or fragment, not {url!r}")
    if parts.scheme == plain and not _loopback(parts.hostname):
        raise ServeConfigError(
            f"{dotted}: must use {secure}:// ({plain}:// is allowed only for a loopback host: "
            "127.0.0.1, ::1 or localhost)"
        )


def _check_host(dotted: str, host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IP literal, parsed; or a name that could resolve, checked by its shape alone.

    No lookup is made here: the check must give the same answer offline as on the server.
    """
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    labels = host.removesuffix(".").split(".")
    if all(label.isdigit() for label in labels):
        raise ServeConfigError(f"{dotted}: {host!r} is not a valid IP address")
    if len(host) > 253 or not all(HOST_LABEL.fullmatch(label) for label in labels):
        raise ServeConfigError(
            f"{dotted}: {host!r} is neither an IP address nor a host name "
            "(letters, digits, hyphens and dots)"
        )
    return None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_sip(sip: SipOptions) -> None:
    _check_sip_transport(sip)
    _check_sip_account(sip)
    _check_sip_address(sip)
    _check_sip_ports(sip)
    if not sip.codecs:
        raise ServeConfigError("sip.codecs: list at least one of PCMU, PCMA")
    for index, codec in enumerate(sip.codecs):
        if codec not in SIP_CODECS:
            raise ServeConfigError(
                f"sip.codecs[{index}]: {codec!r} is not one of PCMU, PCMA "
                "(the voice pipeline speaks G.711 only)"
            )
    if len(set(sip.codecs)) != len(sip.codecs):
        raise ServeConfigError("sip.codecs: each codec may be listed once")


def _check_sip_account(sip: SipOptions) -> None:
    for dotted, value in (("sip.user", sip.user), ("sip.domain", sip.domain)):
        if re.search(r"[\s@;<>]", value) or value.startswith(("sip:", "sips:")):
            raise ServeConfigError(f"{dotted}: must be a bare name, without sip:, @ or spaces")
    schemes = ("sip:", "sips:") if sip.transport == "tls" else ("sip:",)
    scheme_names = " or ".join(schemes)
    for dotted, uri in (
        ("sip.registrar", sip.registrar),
        ("sip.outbound_proxy", sip.outbound_proxy),
    ):
        if uri is not None and not uri.startswith(schemes):
            raise ServeConfigError(
                f"{dotted}: must be a {scheme_names} URI (sips: needs sip.transport tls)"
            )
    if sip.registrar is not None and sip.password_env is None:
        raise ServeConfigError("sip.password_env: required when sip.registrar is set")
    if sip.auth_user is not None and sip.password_env is None:
        raise ServeConfigError("sip.password_env: required when sip.auth_user is set")

    if not sip.target_uri.startswith(schemes) or "{number}" not in sip.target_uri:
        raise ServeConfigError(
            f"sip.target_uri: must be a {scheme_names} URI with {{number}} in it, e.g."
            " sip:{number}@{domain}"
        )
    for dotted, uri in (
        ("sip.registrar", sip.registrar),
        ("sip.outbound_proxy", sip.outbound_proxy),
        ("sip.target_uri", sip.target_uri),
    ):
        # Only the one transport is open: a URI naming another could never be reached.
        named = URI_TRANSPORT.search((uri or "").rpartition("@")[2])
        if named is not None and named.group(1).lower() != sip.transport:
            raise ServeConfigError(
                f"{dotted}: its ;transport={named.group(1)} is not sip.transport {sip.transport}"
            )
    try:
        sip.target_uri.format(number="+15550100", domain=sip.domain)
    except (KeyError, IndexError, ValueError):
        raise ServeConfigError(
            "sip.target_uri: may use only the fields {number} and {domain}"
        ) from None


def _check_sip_transport(sip: SipOptions) -> None:
    """TLS settings only with TLS, and SRTP only over it: SDES (RFC 4568) puts the SRTP keys in
    the SDP, which anyone on the path reads when the signalling is not encrypted."""
    if sip.transport != "tls":
        for key in TLS_FILE_KEYS:
            if getattr(sip, key) is not None:
                raise ServeConfigError(f"sip.{key}: used only with sip.transport tls")
        if sip.srtp != "disabled":
            raise ServeConfigError(
                f"sip.srtp: needs sip.transport tls; over {sip.transport} the SRTP keys in the"
                " SDP would travel in clear"
            )
        return

    for key in TLS_FILE_KEYS:
        path = getattr(sip, key)
        if path is not None and not Path(path).is_file():
            raise ServeConfigError(f"sip.{key}: no such file: {path}")
    if sip.tls_cert_file is not None and sip.tls_key_file is None:
        raise ServeConfigError("sip.tls_key_file: required with sip.tls_cert_file")
    if sip.tls_key_file is not None and sip.tls_cert_file is None:
        raise ServeConfigError("sip.tls_cert_file: required with sip.tls_key_file")
    if sip.tls_verify_server and sip.tls_ca_file is None and not _system_ca_file():
        raise ServeConfigError(
            "sip.tls_ca_file: required to verify TLS peers (sip.tls_verify_server), as no"
            f" system CA bundle was found (looked for {', '.join(SYSTEM_CA_FILES)})"
        )


def _system_ca_file() -> bool:
    return any(Path(path).is_file() for path in SYSTEM_CA_FILES)


def _check_sip_address(sip: SipOptions) -> None:
    try:
        bound = ipaddress.ip_address(sip.host)
    except ValueError:
        raise ServeConfigError(f"sip.host: must be an IPv4 address, not {sip.host!r}") from None
    if bound.version != 4:
        raise ServeConfigError("sip.host: must be an IPv4 address (the adapter listens on IPv4)")
    if sip.public_host is not None:
        _check_host("sip.public_host", sip.public_host)
    if bound.is_unspecified and sip.public_host is None:
        raise ServeConfigError(
            "sip.public_host: required when sip.host is 0.0.0.0: peers need an address to "
            "send SIP and RTP to"
        )


def _check_sip_ports(sip: SipOptions) -> None:
    if sip.rtp_port == 0:
        return
    if sip.rtp_port % 2:
        # RTP goes on an even port and RTCP on the next one up (RFC 3550 §11).
        raise ServeConfigError(f"sip.rtp_port: must be even, not {sip.rtp_port}")
    # Each call takes an RTP and an RTCP port, counting up from rtp_port.
    last = sip.rtp_port + 2 * sip.max_calls - 1
    if last > 65_535:
        raise ServeConfigError(
            f"sip.rtp_port: {sip.max_calls} calls need ports up to {last}, past 65535"
        )
    if sip.rtp_port <= sip.port <= last:
        raise ServeConfigError(
            f"sip.port: {sip.port} falls in the RTP ports {sip.rtp_port}-{last} of sip.rtp_port"
        )


def _check_jurisdiction(jurisdiction: str) -> None:
    if jurisdiction in pack_ids():
        return
    hint = ""
    if jurisdiction.upper() in pack_ids():
        hint = f"; pack ids are upper case, as in {jurisdiction.upper()!r}"
    raise ServeConfigError(
        f"recordings.jurisdiction: {jurisdiction!r} is not a policy pack "
        f"(US, US-<state> such as US-NY, TW, CN, HK){hint}"
    )


def agent_languages() -> dict[str, str]:
    """The tags an agent may list, keyed by lower case: each script's language (zh-TW) and its
    primary language (zh), which covers every script of that language."""
    from fairdial.portfolio.fields import script_languages

    tags: dict[str, str] = {}
    for tag in script_languages().values():
        primary = tag.split("-")[0]
        tags.setdefault(primary.lower(), primary)
        tags[tag.lower()] = tag
    return dict(sorted(tags.items()))


def _check_agent(dotted: str, agent: Any) -> None:
    """One transfer target. Its number is never repeated in an error: it may be a person's."""
    if not isinstance(agent, dict):
        raise ServeConfigError(f"{dotted}: must be a mapping with name and target")
    unknown = sorted(set(agent) - AGENT_KEYS, key=str)
    if unknown:
        raise ServeConfigError(f"{dotted}.{unknown[0]}: unknown option")
    for key in ("name", "target"):
        if key not in agent:
            raise ServeConfigError(f"{dotted}.{key}: required")
    non_empty_string(agent["name"], f"{dotted}.name")
    target = agent["target"]
    if not isinstance(target, str) or not (E164.fullmatch(target) or target.startswith("sip:")):
        raise ServeConfigError(f"{dotted}.target: must be an E.164 number (+...) or a sip: URI")

    languages = agent.get("languages", [])
    if not isinstance(languages, list) or not all(isinstance(x, str) and x for x in languages):
        raise ServeConfigError(f"{dotted}.languages: must be a list of language codes")
    known = agent_languages()
    for language in languages:
        if language.lower() not in known:
            raise ServeConfigError(
                f"{dotted}.languages: {language!r} is not a language the bot speaks "
                f"({', '.join(known.values())})"
            )
    if not isinstance(agent.get("available", True), bool):
        raise ServeConfigError(f"{dotted}.available: must be true or false")
    if "hours" in agent:
        _check_hours(f"{dotted}.hours", agent["hours"])
    if "timezone" in agent:
        _check_timezone(f"{dotted}.timezone", agent["timezone"])


def _check_hours(dotted: str, hours: Any) -> None:
    match = HOURS.fullmatch(hours) if isinstance(hours, str) else None
    if match is None:
        raise ServeConfigError(f'{dotted}: must be like "09:00-18:00", not {hours!r}')
    try:
        start, end = (time.fromisoformat(part) for part in match.groups())
    except ValueError:
        raise ServeConfigError(f"{dotted}: {hours!r} is not a time of day") from None
    if not start < end:
        raise ServeConfigError(f"{dotted}: the start must come before the end, not {hours!r}")


def _check_timezone(dotted: str, name: Any) -> None:
    non_empty_string(name, dotted)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ServeConfigError(f"{dotted}: {name!r} is not an IANA time zone") from None
