"""Response latency per turn: from the end of the borrower's speech to the bot's first frame.

The total splits into the end-of-turn wait (silence the bot waits out), speech recognition,
understanding and decision (between `listen` returning and the next `say`), time to the TTS's
first chunk, and the rest (queueing until the pacer's next 20 ms slot). Each turn is kept on
the session for the call record and observed in Prometheus histograms.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Histogram

# Conversational turn gaps are a few hundred ms; beyond 2 s a caller hears dead air.
_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)


@dataclass(frozen=True)
class TurnMetrics:
    """Seconds, on the session's clock."""

    end_of_turn_s: float
    asr_s: float
    decision_s: float
    tts_first_chunk_s: float
    total_s: float  # end of borrower speech -> first bot audio frame sent

    def as_dict(self) -> dict[str, float]:
        return {key: round(value, 4) for key, value in asdict(self).items()}


@dataclass
class TurnClock:
    """Timestamps of one turn as they happen; `finish` turns them into `TurnMetrics`."""

    speech_ended: float
    turn_ended: float
    heard: float  # listen() returned
    say_called: float | None = None
    first_chunk: float | None = None

    def finish(self, first_frame: float) -> TurnMetrics:
        say_called = self.say_called if self.say_called is not None else self.heard
        first_chunk = self.first_chunk if self.first_chunk is not None else first_frame
        return TurnMetrics(
            end_of_turn_s=self.turn_ended - self.speech_ended,
            asr_s=self.heard - self.turn_ended,
            decision_s=say_called - self.heard,
            tts_first_chunk_s=first_chunk - say_called,
            total_s=first_frame - self.speech_ended,
        )


class VoiceMetrics:
    """Prometheus histograms of the turn latency parts; pass a registry to keep tests apart."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        registry = registry if registry is not None else REGISTRY

        def histogram(name: str, what: str) -> Histogram:
            return Histogram(name, what, buckets=_BUCKETS, registry=registry)

        self.total = histogram(
            "fairdial_voice_response_seconds", "end of borrower speech to first bot audio frame"
        )
        self.end_of_turn = histogram(
            "fairdial_voice_end_of_turn_seconds", "silence waited out before the turn ended"
        )
        self.asr = histogram("fairdial_voice_asr_seconds", "speech recognition of one turn")
        self.decision = histogram(
            "fairdial_voice_decision_seconds", "understanding and decision between turns"
        )
        self.tts_first_chunk = histogram(
            "fairdial_voice_tts_first_chunk_seconds", "say() to the first synthesised chunk"
        )

    def observe(self, turn: TurnMetrics) -> None:
        self.total.observe(turn.total_s)
        self.end_of_turn.observe(turn.end_of_turn_s)
        self.asr.observe(turn.asr_s)
        self.decision.observe(turn.decision_s)
        self.tts_first_chunk.observe(turn.tts_first_chunk_s)


_default: VoiceMetrics | None = None


def default_metrics() -> VoiceMetrics:
    """The process-wide histograms, registered once on the default registry."""
    global _default
    if _default is None:
        _default = VoiceMetrics()
    return _default
