"""Marks in a call's outbound audio: was everything sent before each one really played?

The bot puts a mark after each sentence it sends. The transport settles the mark once the far
end has played all the audio before it (Twilio echoes the mark; the AudioSocket pacer reaches
it), or as unplayed when that audio was cleared by a barge-in or the call ended first. The
transcript keeps only what was heard.
"""

from __future__ import annotations

import asyncio


class PlaybackMarks:
    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[bool]] = {}
        self.played: list[str] = []
        self.unplayed: list[str] = []

    def expect(self, name: str) -> None:
        """A mark was just sent after the audio it stands for."""
        self._waiting[name] = asyncio.get_running_loop().create_future()

    async def wait(self, name: str) -> bool:
        """True when the audio before `name` was played; False when it never will be."""
        waiter = self._waiting.get(name)
        if waiter is None:
            return name in self.played
        return await waiter

    def pending(self) -> list[str]:
        """Marks sent and not settled yet, oldest first."""
        return list(self._waiting)

    def settle(self, name: str, played: bool) -> bool:
        """Settle one mark; False when `name` was not waiting (unknown or settled before)."""
        waiter = self._waiting.pop(name, None)
        if waiter is None:
            return False
        (self.played if played else self.unplayed).append(name)
        if not waiter.done():
            waiter.set_result(played)
        return True

    def settle_all_unplayed(self) -> None:
        """The call ended: nothing still waiting will be played."""
        for name in self.pending():
            self.settle(name, played=False)
