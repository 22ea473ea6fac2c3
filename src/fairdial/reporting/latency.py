"""Voice response latency from the records: median and 95th percentile of each part of a turn.

A turn's parts are those of `fairdial.voice.metrics.TurnMetrics`: the end-of-turn wait, speech
recognition, understanding and decision, the TTS's first chunk, and the total from the end of
the borrower's speech to the bot's first audio frame. Figures are in milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdial.store.models import CallAttempt, Conversation

PARTS = ("total_s", "end_of_turn_s", "asr_s", "decision_s", "tts_first_chunk_s")
_LABELS = {
    "total_s": "voice_response_ms",
    "end_of_turn_s": "voice_end_of_turn_ms",
    "asr_s": "voice_asr_ms",
    "decision_s": "voice_decision_ms",
    "tts_first_chunk_s": "voice_tts_first_chunk_ms",
}


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with `share` of the values at or below."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def latency_figures(turns: Iterable[Mapping[str, float]]) -> dict[str, Any]:
    """{"voice_turns": n, "voice_response_ms": {"median": .., "p95": ..}, ...}; {} if none."""
    rows = list(turns)
    if not rows:
        return {}
    figures: dict[str, Any] = {"voice_turns": len(rows)}
    for part in PARTS:
        values = [float(row[part]) for row in rows if row.get(part) is not None]
        if values:
            figures[_LABELS[part]] = {
                "median": round(percentile(values, 0.5) * 1000),
                "p95": round(percentile(values, 0.95) * 1000),
            }
    return figures


def stored_turns(session: Session, campaign_id: int | None = None) -> list[Mapping[str, float]]:
    """Every voice turn's latency kept on conversations (the `latency` column, issue 5)."""
    column = Conversation.__table__.columns.get("latency")
    if column is None:
        return []  # this store predates the column: no voice call has latency recorded
    query = select(column).where(column.is_not(None))
    if campaign_id is not None:
        query = query.join(CallAttempt, Conversation.attempt_id == CallAttempt.id).where(
            CallAttempt.campaign_id == campaign_id
        )
    return [turn for latency in session.scalars(query) for turn in (latency or [])]
