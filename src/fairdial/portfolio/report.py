"""The data-quality report of one import: counts, rejected rows and warnings."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fairdial.portfolio.records import RowProblem


@dataclass
class ImportReport:
    """What an import read and did. Rejections and warnings name a line, never a value."""

    source: str
    file_name: str
    file_sha256: str
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    overdue: int = 0
    rejections: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    batch_id: int | None = None
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "overdue": self.overdue,
            "warnings": len(self.warnings),
        }

    def warning_summary(self) -> dict[str, int]:
        """How many rows got each kind of warning."""
        return dict(Counter(w.reason for w in self.warnings).most_common())

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "file_name": self.file_name,
            "file_sha256": self.file_sha256,
            "batch_id": self.batch_id,
            "seconds": self.seconds,
            "counts": self.counts(),
            "warning_summary": self.warning_summary(),
            "rejections": [p.as_dict() for p in self.rejections],
            "warnings": [p.as_dict() for p in self.warnings],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=indent)
