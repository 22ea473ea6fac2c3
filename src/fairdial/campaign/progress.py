"""What a campaign reports while it works, for a progress bar or a log."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fairdial.campaign.dialler import DayStats


class Progress:
    """What a runner reports while it works; the CLI draws it as a progress bar."""

    def day_started(self, day: date, planned: int) -> None: ...

    def attempt_done(self) -> None: ...

    def day_finished(self, day: date, stats: DayStats) -> None: ...
