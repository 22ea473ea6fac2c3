"""A call held in a terminal, or replayed from a file of borrower lines: a `CallSession`.

Each `listen` takes the next line: an empty line is silence, the end of the input is a hang-up.
The clock is a step clock (two seconds per bot sentence, one per reply) so replays are
repeatable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from fairdial.telephony.base import BotUtterance, HeardTurn

BOT_SECONDS = 2.0
REPLY_SECONDS = 1.0


class ConsoleSession:
    def __init__(
        self,
        read: Callable[[], str | None],
        show: Callable[[BotUtterance], None] | None = None,
        answered_by: str = "human",
    ) -> None:
        self._read = read
        self._show = show
        self._answered_by = answered_by
        self._hung_up = False
        self._clock = 0.0

    @classmethod
    def replaying(cls, lines: Iterable[str], answered_by: str = "human") -> ConsoleSession:
        """A session that hears `lines` in order, then hangs up."""
        pending: Iterator[str] = iter(lines)
        return cls(lambda: next(pending, None), answered_by=answered_by)

    @property
    def answered_by(self) -> str:
        return self._answered_by

    @property
    def hung_up(self) -> bool:
        return self._hung_up

    async def say(self, utterance: BotUtterance) -> None:
        self._clock += BOT_SECONDS
        if self._show is not None:
            self._show(utterance)

    async def listen(self, timeout_s: float = 8.0) -> HeardTurn | None:
        if self._hung_up or self._answered_by == "machine":
            return None
        line = self._read()
        if line is None:
            self._hung_up = True
            return None
        self._clock += REPLY_SECONDS
        if not line.strip():
            return None
        return HeardTurn(line.strip(), REPLY_SECONDS)

    async def hangup(self) -> None:
        self._hung_up = True

    def elapsed_seconds(self) -> float:
        return self._clock
