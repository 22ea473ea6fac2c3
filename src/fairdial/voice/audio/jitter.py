"""An input jitter buffer: packets in by sequence number, 20 ms frames out in order.

Network packets (RTP over UDP) arrive late, twice, out of order or never. The buffer holds a
few frames so late ones can still take their place, plays silence where a frame never came,
and counts what it lost so a call record can say how clean the line was.
"""

from __future__ import annotations

from dataclasses import dataclass

ULAW_SILENCE = b"\xff"  # mu-law code of 0


def unwrap_sequence(seq16: int, highest: int | None) -> int:
    """Extend a 16-bit RTP sequence number to a counter that never wraps (RFC 3550, A.1)."""
    if highest is None:
        return seq16
    candidate = (highest & ~0xFFFF) | seq16
    if candidate - highest > 0x8000:
        candidate -= 0x10000
    elif highest - candidate > 0x8000:
        candidate += 0x10000
    return candidate


@dataclass
class JitterStats:
    received: int = 0
    played: int = 0
    lost: int = 0  # frames replaced by silence
    late: int = 0  # frames that came after their turn to play
    duplicates: int = 0
    underruns: int = 0  # pops with nothing buffered at all


class JitterBuffer:
    """Reorders frames by sequence number; playout starts once `depth` frames are buffered.

    `pop` is called once per 20 ms. A timestamp-only source can pass `timestamp // 160`.
    """

    def __init__(self, depth: int = 3, frame_bytes: int = 160, capacity: int = 50) -> None:
        self.depth = depth
        self.capacity = capacity
        self._silence = ULAW_SILENCE * frame_bytes
        self._frames: dict[int, bytes] = {}
        self._next: int | None = None
        self._started = False
        self.stats = JitterStats()

    def __len__(self) -> int:
        return len(self._frames)

    def push(self, seq: int, payload: bytes) -> None:
        self.stats.received += 1
        if self._next is not None and seq < self._next:
            self.stats.late += 1
            return
        if seq in self._frames:
            self.stats.duplicates += 1
            return
        self._frames[seq] = payload
        if self._next is None or (not self._started and seq < self._next):
            self._next = seq
        # A stream far ahead of the playout point (a long outage) skips forward, not back-fills.
        while len(self._frames) > self.capacity and self._next is not None:
            self._advance_missing()

    def pop(self) -> bytes | None:
        """The next frame, silence for a lost one, or None while filling or after an underrun."""
        if self._next is None:
            return None
        if not self._started:
            if len(self._frames) < self.depth:
                return None
            self._started = True
            self._next = min(self._frames)

        payload = self._frames.pop(self._next, None)
        if payload is not None:
            self._next += 1
            self.stats.played += 1
            return payload
        if not self._frames:
            self.stats.underruns += 1
            return None
        self._advance_missing()
        return self._silence

    def _advance_missing(self) -> None:
        assert self._next is not None
        if self._next in self._frames:
            del self._frames[self._next]
        self.stats.lost += 1
        self._next += 1
