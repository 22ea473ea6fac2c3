"""The one YAML file `fairdial serve` reads, checked at start with errors that name the key.

Every option is documented in docs/serve.md. Secrets (Twilio's auth token) never live in the
file: it names the environment variables that hold them.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml


class ServeConfigError(ValueError):
    """The configuration file is missing, unreadable, or has a bad key or value."""


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
    vad: str = "silero"
    stt: str = "whisper"
    tts: str = "espeak"


@dataclass(frozen=True)
class ServeConfig:
    http: HttpOptions = field(default_factory=HttpOptions)
    limits: LimitOptions = field(default_factory=LimitOptions)
    amd: AmdOptions = field(default_factory=AmdOptions)
    twilio: TwilioOptions | None = None
    audiosocket: AudioSocketOptions | None = None
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


SECTIONS: dict[str, type] = {
    "http": HttpOptions,
    "limits": LimitOptions,
    "amd": AmdOptions,
    "twilio": TwilioOptions,
    "audiosocket": AudioSocketOptions,
    "recordings": RecordingOptions,
    "transfer": TransferOptions,
    "voice": VoiceOptions,
}
CHOICES = {
    "voice.vad": {"silero", "webrtc", "energy"},
    "voice.stt": {"whisper"},
    "voice.tts": {"espeak", "piper"},
    "twilio.machine_detection": {None, "Enable", "DetectMessageEnd"},
}


def load_config(path: Path) -> ServeConfig:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ServeConfigError(f"cannot read {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise ServeConfigError(f"{path} is not valid YAML: {error}") from error
    return parse_config(raw or {})


def parse_config(raw: Any) -> ServeConfig:
    """Check every key and value; the first problem is raised naming its dotted key."""
    if not isinstance(raw, dict):
        raise ServeConfigError("the configuration must be a mapping of sections")
    if "sip" in raw:
        raise ServeConfigError(
            "sip: the SIP adapter is not served by `fairdial serve` yet (see docs/serve.md)"
        )
    top = {"database_url", "home"}
    unknown = sorted(set(raw) - set(SECTIONS) - top)
    if unknown:
        raise ServeConfigError(f"{unknown[0]}: unknown section (known: {', '.join(SECTIONS)})")
    if "twilio" not in raw and "audiosocket" not in raw:
        raise ServeConfigError("twilio, audiosocket: configure at least one provider")

    values: dict[str, Any] = {key: _string(raw[key], key) for key in top if key in raw}
    for name, kind in SECTIONS.items():
        if name in raw:
            values[name] = _section(name, kind, raw[name])
    config = ServeConfig(**values)
    if config.twilio is not None:
        if not config.twilio.public_url.startswith(("https://", "http://")):
            raise ServeConfigError("twilio.public_url: must start with https:// (or http://)")
        if not config.twilio.from_number.startswith("+"):
            raise ServeConfigError("twilio.from_number: must be an E.164 number (+...)")
    for entry_index, agent in enumerate(config.transfer.agents):
        if not isinstance(agent, dict) or not {"name", "target"} <= set(agent):
            raise ServeConfigError(f"transfer.agents[{entry_index}]: needs name and target")
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
    checked = {}
    for key, value in raw.items():
        dotted = f"{name}.{key}"
        checked[key] = _typed(dotted, known[key].type, value)
        if dotted in CHOICES and checked[key] not in CHOICES[dotted]:
            allowed = ", ".join(sorted(str(c) for c in CHOICES[dotted]))
            raise ServeConfigError(f"{dotted}: {value!r} is not one of {allowed}")
    try:
        return kind(**checked)
    except TypeError as error:
        missing = [f.name for f in fields(kind) if f.name not in checked and _required(f)]
        raise ServeConfigError(f"{name}.{missing[0] if missing else '?'}: required") from error


def _required(f: Any) -> bool:
    from dataclasses import MISSING

    return f.default is MISSING and f.default_factory is MISSING


def _typed(dotted: str, annotation: Any, value: Any) -> Any:
    text = str(annotation)
    optional = "None" in text
    if value is None:
        if optional:
            return None
        raise ServeConfigError(f"{dotted}: must not be empty")
    if text.startswith("bool"):
        if not isinstance(value, bool):
            raise ServeConfigError(f"{dotted}: must be true or false, not {value!r}")
        return value
    if text.startswith("int"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ServeConfigError(f"{dotted}: must be a whole number >= 0, not {value!r}")
        if dotted.endswith(".port") and value > 65_535:
            raise ServeConfigError(f"{dotted}: a TCP port is at most 65535, not {value}")
        return value
    if text.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ServeConfigError(f"{dotted}: must be a number > 0, not {value!r}")
        if not math.isfinite(value):
            raise ServeConfigError(f"{dotted}: must be a finite number, not {value!r}")
        return float(value)
    if text.startswith("list"):
        if not isinstance(value, list):
            raise ServeConfigError(f"{dotted}: must be a list")
        return value
    return _string(value, dotted)


def _string(value: Any, dotted: str) -> str:
    if not isinstance(value, str) or not value:
        raise ServeConfigError(f"{dotted}: must be a non-empty string, not {value!r}")
    return value
