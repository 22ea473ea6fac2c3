"""The one YAML file `fairdial serve` reads, checked at start with errors that name the key.

This module knows the sections, their keys, types and ranges; `checks` holds the rules about
values and about keys taken together. Every option is documented in docs/serve.md. Secrets
(Twilio's auth token, the SIP password) never live in the file: it names the environment
variables that hold them.
"""

from __future__ import annotations

import math
import os
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from fairdial.server.checks import (
    ServeConfigError,
    check_env_name,
    check_values,
    non_empty_string,
)


@dataclass(frozen=True)
class HttpOptions:
    host: str = "127.0.0.1"
    port: int = 8080


@dataclass(frozen=True)
class LimitOptions:
    max_call_seconds: float = 900.0
    stream_idle_timeout_s: float = 5.0
    shutdown_grace_s: float = 10.0


@dataclass(frozen=True)
class AmdOptions:
    enabled: bool = True
    deadline_s: float = 3.5
    message_wait_s: float = 20.0


@dataclass(frozen=True)
class TwilioOptions:
    public_url: str
    from_number: str
    account_sid_env: str = "TWILIO_ACCOUNT_SID"
    auth_token_env: str = "TWILIO_AUTH_TOKEN"
    api_base_url: str = "https://api.twilio.com"
    stream_url: str | None = None
    ring_timeout_s: int = 30
    answer_grace_s: float = 20.0
    machine_detection: str | None = None


@dataclass(frozen=True)
class AudioSocketOptions:
    host: str = "127.0.0.1"
    port: int = 9092


@dataclass(frozen=True)
class SipOptions:
    """A SIP account on a trunk (no `registrar`) or a registrar; see fairdial.telephony.sip."""

    user: str
    domain: str
    target_uri: str = "sip:{number}@{domain}"
    registrar: str | None = None
    password_env: str | None = None
    auth_user: str | None = None
    realm: str = "*"
    outbound_proxy: str | None = None
    transport: str = "udp"
    host: str = "127.0.0.1"
    port: int = 5060
    public_host: str | None = None
    rtp_port: int = 0
    codecs: list[str] = field(default_factory=lambda: ["PCMU", "PCMA"])
    max_calls: int = 4
    ring_timeout_s: float = 30.0
    register_timeout_s: float = 5.0
    tls_ca_file: str | None = None
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    tls_verify_server: bool = True
    srtp: str = "disabled"


@dataclass(frozen=True)
class RecordingOptions:
    enabled: bool = True
    jurisdiction: str = "US"


@dataclass(frozen=True)
class TransferOptions:
    warm: bool = True
    callback_after_min: int = 60
    agents: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class VoiceOptions:
    # WebRTC keeps the 20 ms cadence beside the recogniser on 2 cores; Silero, more accurate
    # in noise, did not even for one call there (benchmarks/voice_concurrency.py).
    vad: str = "webrtc"
    stt: str = "whisper"
    tts: str = "espeak"


@dataclass(frozen=True)
class ServeConfig:
    http: HttpOptions = field(default_factory=HttpOptions)
    limits: LimitOptions = field(default_factory=LimitOptions)
    amd: AmdOptions = field(default_factory=AmdOptions)
    twilio: TwilioOptions | None = None
    audiosocket: AudioSocketOptions | None = None
    sip: SipOptions | None = None
    recordings: RecordingOptions = field(default_factory=RecordingOptions)
    transfer: TransferOptions = field(default_factory=TransferOptions)
    voice: VoiceOptions = field(default_factory=VoiceOptions)
    database_url: str | None = None
    home: str | None = None

    def twilio_credentials(self) -> tuple[str, str]:
        assert self.twilio is not None
        sid = os.environ.get(self.twilio.account_sid_env, "")
        token = os.environ.get(self.twilio.auth_token_env, "")
        if not sid or not token:
            raise ServeConfigError(
                f"twilio: set {self.twilio.account_sid_env} and {self.twilio.auth_token_env} "
                "in the environment (twilio.account_sid_env, twilio.auth_token_env)"
            )
        return sid, token

    def sip_password(self) -> str | None:
        """The SIP digest password from the variable `sip.password_env` names, if it names one."""
        assert self.sip is not None
        if self.sip.password_env is None:
            return None
        password = os.environ.get(self.sip.password_env, "")
        if not password:
            raise ServeConfigError(
                f"sip: set {self.sip.password_env} in the environment (sip.password_env)"
            )
        return password

    def check_environment(self) -> None:
        """What the file cannot show: secrets set, and the SIP library installed when needed."""
        if self.twilio is not None:
            self.twilio_credentials()
        if self.sip is None:
            return
        self.sip_password()
        try:
            import pjsua2  # noqa: F401
        except ImportError:
            raise ServeConfigError(
                "sip: the SIP adapter needs PJSUA2 (pip install 'fairdial[sip]')"
            ) from None


SECTIONS: dict[str, type] = {
    "http": HttpOptions,
    "limits": LimitOptions,
    "amd": AmdOptions,
    "twilio": TwilioOptions,
    "audiosocket": AudioSocketOptions,
    "sip": SipOptions,
    "recordings": RecordingOptions,
    "transfer": TransferOptions,
    "voice": VoiceOptions,
}
PROVIDERS = ("twilio", "audiosocket", "sip")
CHOICES: dict[str, set[str | None]] = {
    "voice.vad": {"silero", "webrtc", "energy"},
    "voice.stt": {"whisper"},
    "voice.tts": {"espeak", "piper"},
    "twilio.machine_detection": {None, "Enable", "DetectMessageEnd"},
    "sip.transport": {"udp", "tcp", "tls"},
    "sip.srtp": {"disabled", "optional", "mandatory"},
}
# Whole-number options: the lowest and highest value that can work (None: no upper limit).
BOUNDS: dict[str, tuple[int, int | None]] = {
    "http.port": (0, 65_535),
    "audiosocket.port": (0, 65_535),
    "sip.port": (0, 65_535),
    "sip.rtp_port": (0, 65_534),
    # CALL_TABLE_SIZE of fairdial.telephony.sip.config, written out: importing it needs PJSUA2.
    "sip.max_calls": (1, 4),
    "twilio.ring_timeout_s": (1, 600),  # Twilio's Timeout: a positive integer, at most 600
    "transfer.callback_after_min": (1, 7 * 24 * 60),
}
# The longest any timeout, grace or call may be: past it a value is a slip (1e308), not a plan.
MAX_DURATION_S = 24 * 60 * 60
# Why a bound is what it is, where the number alone would not say.
BOUND_REASONS: dict[str, str] = {
    "sip.max_calls": "the calls the installed PJSUA2 holds at once, placed and received together",
    "transfer.callback_after_min": "a week",
}


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping instead of keeping the last."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_lines: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *base` may be overridden key by key; that is its purpose
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                first = first_lines.setdefault(key, line)
            except TypeError:
                continue  # an unhashable key; the base constructor reports it
            if first != line:
                raise ServeConfigError(
                    f"{key}: given twice, on line {first} and line {line} (keep one)"
                )
        return super().construct_mapping(node, deep=deep)


def load_config(path: Path) -> ServeConfig:
    """Read and check the file; errors leave out its path, which every caller puts in front."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ServeConfigError(f"cannot read the file: {error.strerror}") from error
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ServeConfigError(
            f"not UTF-8 text (byte {error.start}); save the file as UTF-8 YAML"
        ) from None
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)  # safe: builds no Python objects
    except yaml.YAMLError as error:
        raise ServeConfigError(f"not valid YAML: {_yaml_problem(error)}") from None
    return parse_config(raw or {})


def _yaml_problem(error: yaml.YAMLError) -> str:
    """PyYAML's message on one line: the problem and where, without the quoted source."""
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    mark = getattr(error, "problem_mark", None)
    if mark is None:
        return problem
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"


def parse_config(raw: Any) -> ServeConfig:
    """Check every key and value; the first problem is raised naming its dotted key."""
    if not isinstance(raw, dict):
        raise ServeConfigError("the configuration must be a mapping of sections")
    top = {"database_url", "home"}
    unknown = sorted(set(raw) - set(SECTIONS) - top, key=str)
    if unknown:
        raise ServeConfigError(f"{unknown[0]}: unknown section (known: {', '.join(SECTIONS)})")
    if not any(provider in raw for provider in PROVIDERS):
        raise ServeConfigError(f"{', '.join(PROVIDERS)}: configure at least one provider")

    values: dict[str, Any] = {key: non_empty_string(raw[key], key) for key in top if key in raw}
    for name, kind in SECTIONS.items():
        if name in raw:
            values[name] = _section(name, kind, raw[name])
    config = ServeConfig(**values)

    check_values(config)
    return config


def _section(name: str, kind: type, raw: Any) -> Any:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ServeConfigError(f"{name}: must be a mapping")
    known = {f.name: f for f in fields(kind)}
    for key in raw:
        if key not in known:
            raise ServeConfigError(f"{name}.{key}: unknown option (known: {', '.join(known)})")
    missing = [key for key, f in known.items() if key not in raw and _required(f)]
    if missing:
        raise ServeConfigError(f"{name}.{missing[0]}: required")

    checked = {}
    for key, value in raw.items():
        dotted = f"{name}.{key}"
        checked[key] = _typed(dotted, known[key].type, value)
        if dotted in CHOICES and checked[key] not in CHOICES[dotted]:
            raise ServeConfigError(f"{dotted}: {value!r} is not one of {_choices(dotted)}")
        if dotted.endswith("_env") and checked[key] is not None:
            check_env_name(dotted, checked[key])
    return kind(**checked)


def _choices(dotted: str) -> str:
    """The values a user can write; None is the option left unset, not a word to type."""
    named = sorted(choice for choice in CHOICES[dotted] if choice is not None)
    unset = " (or leave it unset)" if None in CHOICES[dotted] else ""
    return ", ".join(named) + unset


def _required(f: Any) -> bool:
    return f.default is MISSING and f.default_factory is MISSING


def _typed(dotted: str, annotation: Any, value: Any) -> Any:
    text = str(annotation)
    if value is None:
        if "None" in text:
            return None
        raise ServeConfigError(f"{dotted}: must not be empty")
    if text.startswith("bool"):
        if not isinstance(value, bool):
            raise ServeConfigError(f"{dotted}: must be true or false, not {value!r}")
        return value
    if text.startswith("int"):
        return _whole(dotted, value)
    if text.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ServeConfigError(f"{dotted}: must be a number > 0, not {value!r}")
        if not math.isfinite(value):
            raise ServeConfigError(f"{dotted}: must be a finite number, not {value!r}")
        if value > MAX_DURATION_S:
            raise ServeConfigError(
                f"{dotted}: must be at most {MAX_DURATION_S} seconds (a day), not {value!r}"
            )
        return float(value)
    if text.startswith("list"):
        if not isinstance(value, list):
            raise ServeConfigError(f"{dotted}: must be a list")
        return value
    return non_empty_string(value, dotted)


def _whole(dotted: str, value: Any) -> int:
    low, high = BOUNDS.get(dotted, (0, None))
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServeConfigError(f"{dotted}: must be a whole number >= {low}, not {value!r}")
    if value < low or (high is not None and value > high):
        span = f">= {low}" if high is None else f"from {low} to {high}"
        reason = f" ({BOUND_REASONS[dotted]})" if dotted in BOUND_REASONS else ""
        raise ServeConfigError(f"{dotted}: must be a whole number {span}, not {value}{reason}")
    return value
