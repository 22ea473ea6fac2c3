"""The production wiring of `fairdial serve`: store, recordings and the voice engines by name.

Every answered carrier call is screened for an answering machine (the `amd` section) before
its voice session starts, so the dialler's record says whether a person or a machine answered
and the bot leaves only a message on a machine. A person's call can be handed to one of the
`transfer` section's agents when its conversation escalates; without agents it cannot.

An inbound call (AudioSocket or SIP) is answered by a voice session that says who it is and
that it cannot discuss any account on this line, then ends the call: the caller is not
identified, so nothing about any debt may be said to them.

Limitations: an inbound caller is not matched to an account by their number, and is not
offered a transfer to an agent; docs/serve.md says so to operators.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from fairdial.config import load_settings
from fairdial.server.app import InboundHandler, Server
from fairdial.server.config import ServeConfig, VoiceOptions
from fairdial.store import Store, open_store
from fairdial.store.crypto import load_or_create_key
from fairdial.telephony.amd import AmdSettings
from fairdial.telephony.answering import open_session
from fairdial.telephony.base import BotUtterance, CallSession, HeardTurn
from fairdial.telephony.events import AnsweredCall
from fairdial.telephony.recording import RecordingArchive, RecordingCipher
from fairdial.telephony.transfer import (
    TRANSFERRED,
    AgentPool,
    Announce,
    Convenient,
    HandOff,
    SipTransfer,
    TransferDesk,
    Transferer,
    TwilioTransfer,
)
from fairdial.voice.engines import SpeechToText, TextToSpeech
from fairdial.voice.session import VoiceSession
from fairdial.voice.vad import make_vad

ScreeningFactory = Callable[[AnsweredCall], Awaitable[CallSession]]
DeskSource = Callable[[], TransferDesk | None]


def build_server(
    config: ServeConfig,
    *,
    store: Store | None = None,
    stt: SpeechToText | None = None,
    tts: TextToSpeech | None = None,
) -> Server:
    """A server with the configured store, recording archive and engines (loaded once).

    `store`, `stt` and `tts` stand in for what the file names: a campaign passes the store it
    runs on, so its attempts and the calls' recordings land together.
    """
    settings = load_settings(config.database_url, Path(config.home) if config.home else None)
    store = store if store is not None else open_store(settings=settings)
    key = load_or_create_key(settings.key, settings.key_file)
    archive = RecordingArchive(settings.home / "recordings", RecordingCipher(key))
    stt = stt if stt is not None else speech_to_text()
    tts = tts if tts is not None else text_to_speech(config.voice)
    # The desk is looked up per call, once the server has started and its carrier client exists.
    factory = screened_sessions(
        config,
        stt,
        tts,
        lambda: transfer_desk(config, server, store, tts),
        moved=lambda call_id: server.transferred.add(call_id),
    )
    inbound = neutral_inbound(config, stt, tts)
    server = Server(
        config, session_factory=factory, on_inbound=inbound, archive=archive, store=store
    )
    return server


# Said to an inbound caller, who is not identified: it names no person, account or amount.
# The keys are the scripts' languages (conversation/scripts).
INBOUND_LINES = {
    "en-US": (
        "Hello, you've reached an automated AI assistant. This line only places calls and "
        "cannot take them. To speak with a member of our team, please call our main number. "
        "Goodbye."
    ),
    "zh-TW": (
        "您好，這裡是AI自動語音助理。這支電話只用於撥出，無法接聽來電。"
        "如需專人協助，請撥打我們的客服總機。再見。"
    ),
    "zh-CN": (
        "您好，这里是AI自动语音助理。这条线路只用于拨出，无法接听来电。"
        "如需人工协助，请拨打我们的客服总机。再见。"
    ),
}
INBOUND_DEFAULT_LANGUAGE = "en-US"  # an AudioSocket call carries no language of its own


def neutral_inbound(config: ServeConfig, stt: SpeechToText, tts: TextToSpeech) -> InboundHandler:
    """The inbound handler: a voice session that discloses nothing and ends the call."""

    async def answer(call: AnsweredCall) -> None:
        language = call.language if call.language in INBOUND_LINES else INBOUND_DEFAULT_LANGUAGE
        session = VoiceSession(
            call.transport,
            stt,
            tts,
            language=language,
            vad=make_vad(config.voice.vad),
            call_ref=call.call_id,
        )
        await session.say(BotUtterance(INBOUND_LINES[language], "inbound_neutral"))
        await session.hangup()

    return answer


def transfer_desk(
    config: ServeConfig, server: Server, store: Store | None, voice: TextToSpeech | None = None
) -> TransferDesk | None:
    """The desk for the `transfer` section's agents; None without agents or a way to transfer.
    `voice` reads the summary to an agent on a warm SIP transfer."""
    options = config.transfer
    if not options.agents:
        return None
    transferer = carrier_transferer(config, server, voice)
    if transferer is None:
        return None
    pool = AgentPool.from_config(options.agents, options.callback_after_min)
    return TransferDesk(pool, transferer, store=store, warm=options.warm)


def carrier_transferer(
    config: ServeConfig, server: Server, voice: TextToSpeech | None = None
) -> Transferer | None:
    """Twilio's REST transfer when the server carries Twilio calls, else the SIP user agent's
    (REFER, or its own call to the agent, briefed in `voice`); None when the running carrier
    cannot transfer."""
    rest = server.twilio_rest  # it exists only while the server runs
    if config.twilio is not None and rest is not None:
        return TwilioTransfer(
            rest, from_number=config.twilio.from_number, base_url=config.twilio.api_base_url
        )
    if server.sip is not None:
        return SipTransfer(server.sip, voice=voice)
    return None


def speech_to_text() -> SpeechToText:
    from fairdial.voice.asr.whisper import WhisperSpeechToText

    return WhisperSpeechToText()


def text_to_speech(voice: VoiceOptions) -> TextToSpeech:
    if voice.tts == "piper":
        from fairdial.voice.tts.piper import PiperTextToSpeech

        return PiperTextToSpeech()
    from fairdial.voice.tts.espeak import EspeakTextToSpeech

    return EspeakTextToSpeech()


def screened_sessions(
    config: ServeConfig,
    stt: SpeechToText,
    tts: TextToSpeech,
    desk: DeskSource = lambda: None,
    moved: Callable[[str], None] = lambda _call_id: None,
) -> ScreeningFactory:
    """The session factory: screen each answered call for a machine, then open its session.

    With `amd.enabled: false` the carrier's own verdict (if it has one) is all there is. A
    person's session comes with `desk`'s way to an agent, when there is a desk.
    """

    async def session_for(call: AnsweredCall) -> CallSession:
        session = await _open_screened(config, stt, tts, call)
        found = desk()
        if found is None or session.answered_by == "machine":
            return session
        return TransferableSession(session, found, call.call_id, call.language, moved)

    return session_for


async def _open_screened(
    config: ServeConfig, stt: SpeechToText, tts: TextToSpeech, call: AnsweredCall
) -> CallSession:
    amd = AmdSettings(deadline_s=config.amd.deadline_s, message_wait_s=config.amd.message_wait_s)
    vad = make_vad(config.voice.vad)
    if not config.amd.enabled:
        return VoiceSession(
            call.transport,
            stt,
            tts,
            language=call.language,
            vad=vad,
            answered_by=call.session_answered_by,
            call_ref=call.call_id,
        )
    screened = await open_session(call, stt, tts, amd=amd, vad=vad)
    return screened.session


class TransferableSession:
    """A live carrier call's session that can also be handed to a person by `desk`."""

    def __init__(
        self,
        session: CallSession,
        desk: TransferDesk,
        call_id: str,
        language: str,
        moved: Callable[[str], None],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.session = session
        self._desk = desk
        self._call_id = call_id
        self._language = language
        self._moved = moved  # told when the call now belongs to a person
        self._clock = clock  # when a callback is booked from, and for whom it is due

    @property
    def answered_by(self) -> str:
        return self.session.answered_by

    @property
    def hung_up(self) -> bool:
        return self.session.hung_up

    async def say(self, utterance: BotUtterance) -> None:
        await self.session.say(utterance)

    async def listen(self, timeout_s: float = 8.0) -> HeardTurn | None:
        return await self.session.listen(timeout_s)

    async def hangup(self) -> None:
        await self.session.hangup()

    def elapsed_seconds(self) -> float:
        return self.session.elapsed_seconds()

    async def transfer(
        self,
        *,
        summary: str,
        reason: str,
        account_id: int,
        announce: Announce | None = None,
        convenient: Convenient | None = None,
    ) -> HandOff:
        """Hand the call to the desk; `announce` is told what is about to happen first, and a
        callback falls in the hours `convenient` allows."""
        result = await self._desk.hand_off(
            self._call_id,
            language=self._language,
            summary=summary,
            reason=reason,
            now=self._clock(),
            account_id=account_id,
            announce=announce,
            convenient=convenient,
        )
        if result.kind in TRANSFERRED:
            self._moved(self._call_id)
        return result
