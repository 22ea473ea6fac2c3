"""The TwiML a placed call runs: connect its audio to our Media Streams WebSocket."""

from __future__ import annotations

from collections.abc import Mapping
from xml.sax.saxutils import escape


def connect_stream(url: str, parameters: Mapping[str, str] | None = None) -> str:
    """`<Connect><Stream>` to `url` (wss://...), the bidirectional form of a Media Stream.

    Each parameter comes back in the stream's `start.customParameters`, which is how a stream
    is matched to the dial that asked for it.
    """
    inner = "".join(
        f"<Parameter name={_attribute(name)} value={_attribute(value)}/>"
        for name, value in (parameters or {}).items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Connect><Stream url={_attribute(url)}>{inner}</Stream></Connect></Response>"
    )


def _attribute(value: str) -> str:
    return '"' + escape(value, {'"': "&quot;"}) + '"'
