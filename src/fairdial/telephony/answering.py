"""From an answered call to a voice session: screen the greeting, then hand the line to the bot.

The dialler and `fairdial serve` both get an `AnsweredCall` from their channel. `open_session`
runs answering-machine detection on the first seconds of its audio (bounded by the detector's
deadline), and builds the `VoiceSession` with `answered_by` set from the verdict, so the
conversation engine leaves a message on a machine and talks to a person.

Limitations: `VoiceSession` reads its transport from the first frame it is given and has no way
to take frames read before it, so the greeting the detector consumed is not replayed into the
session: its frame clock starts after detection. That is also what the engine expects (the
greeting is not the borrower's first turn); the greeting is kept on `ScreenedCall.greeting` for
a recording that should start at the answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from fairdial.telephony.amd import FRAME_S, AmdOutcome, AmdSettings, screen
from fairdial.telephony.events import AnsweredCall
from fairdial.voice.engines import SpeechToText, TextToSpeech
from fairdial.voice.session import VoiceSession
from fairdial.voice.transport import AudioTransport
from fairdial.voice.vad import VadEngine

logger = logging.getLogger("fairdial.telephony")


@dataclass(frozen=True)
class ScreenedCall:
    """An answered call after detection: who answered, what was heard, and the bot's session."""

    call: AnsweredCall  # `answered_by` as detection (or the carrier) decided it
    amd: AmdOutcome
    session: VoiceSession
    greeting: bytes  # the 8 kHz mu-law audio detection read, from the answer on

    @property
    def answered_by(self) -> str:
        return self.session.answered_by


class _Tee:
    """Passes a transport through and keeps a copy of every frame read from it."""

    def __init__(self, transport: AudioTransport) -> None:
        self._transport = transport
        self.frames: list[bytes] = []

    @property
    def closed(self) -> bool:
        return self._transport.closed

    async def receive(self) -> bytes | None:
        frame = await self._transport.receive()
        if frame is not None:
            self.frames.append(frame)
        return frame

    async def send(self, frame: bytes) -> None:
        await self._transport.send(frame)

    async def clear(self) -> None:
        await self._transport.clear()

    async def close(self) -> None:
        await self._transport.close()


async def open_session(
    call: AnsweredCall,
    stt: SpeechToText,
    tts: TextToSpeech,
    *,
    amd: AmdSettings | None = None,
    amd_vad: VadEngine | None = None,
    **session_options: Any,
) -> ScreenedCall:
    """Screen `call` for an answering machine, then build its `VoiceSession`.

    Returns after at most the detector's deadline for a person, or once a machine is ready to
    record (its beep or silence). `session_options` go to `VoiceSession` (vad, timings, clock,
    metrics...). A line that hangs up during detection still gets a session; it ends at once.
    """
    tee = _Tee(call.transport)
    screened, outcome = await screen(replace(call, transport=tee), amd, amd_vad)

    screened = replace(screened, transport=call.transport)
    session_options.setdefault("call_ref", call.call_id)
    session = VoiceSession(
        call.transport,
        stt,
        tts,
        language=call.language,
        answered_by=screened.session_answered_by,
        **session_options,
    )
    logger.debug(
        "voice session opened",
        extra={
            "call_id": call.call_id,
            "answered_by": session.answered_by,
            "amd_reason": outcome.decision.reason,
            "greeting_s": round(len(tee.frames) * FRAME_S, 2),
        },
    )
    return ScreenedCall(screened, outcome, session, b"".join(tee.frames))
