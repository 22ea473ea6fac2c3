"""How a campaign paces itself: lines, retries, and the lender's negotiation bounds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path

import yaml

from fairdial.conversation.facts import OfferBounds

PRODUCTS_FILE = Path(__file__).with_name("products.yaml")

# The name the bot gives before it knows who answered: it must not tell a relative or a stranger
# that the call is about a debt, so it names no collection activity.
COMPANY_NAMES = {
    "zh-TW": "富達金融服務中心",
    "zh-CN": "富达金融服务中心",
    "en-US": "Fairdial Financial Services",
}


@dataclass(frozen=True)
class CampaignSettings:
    lines: int = 30  # calls the dialler carries at once
    max_attempts_per_day: int = 2  # per account; the policy pack may allow fewer
    retry_gap: timedelta = timedelta(hours=3)  # between attempts on one account in a day
    wrap_up: timedelta = timedelta(seconds=5)  # line time after each call
    company_names: dict[str, str] = field(default_factory=lambda: dict(COMPANY_NAMES))


@cache
def _products() -> dict[str, dict[str, float | int | None]]:
    with PRODUCTS_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def bounds_for(product: str) -> OfferBounds:
    """The bounds configured for a product; a product with none configured gets the defaults."""
    values = _products().get(product)
    if values is None:
        return OfferBounds()
    return OfferBounds(**values)  # type: ignore[arg-type]
