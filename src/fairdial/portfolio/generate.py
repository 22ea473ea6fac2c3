"""A generated portfolio for demonstrations: Taiwan, mainland China and US accounts in one file.

The file uses fairdial's own column names, so it imports with `--format csv` and no mapping.
Every borrower is synthetic; numbers are only ever dialled through simulated telephony.
"""

from __future__ import annotations

import csv
import math
import os
import random
from dataclasses import dataclass
from pathlib import Path

from faker import Faker

from fairdial.portfolio.mapping import FIELDS
from fairdial.portfolio.synthetic import TaiwanIdentities, UsIdentities, row_seed

# Our own field names, so the file imports without a mapping; every borrower is their own.
COLUMNS = tuple(name for name in FIELDS if name not in ("borrower_ref", "national_id"))
# States weighted roughly by population, with several that span two time zones.
US_STATES = ("CA", "TX", "FL", "NY", "PA", "IL", "OH", "GA", "NC", "MI", "AZ", "WA", "MA", "TN")


@dataclass(frozen=True)
class Mix:
    """Shares of the generated accounts by market; the rest are Taiwanese."""

    mainland: float = 0.15
    us: float = 0.30


def _dpd(rng: random.Random) -> int:
    # Most accounts sit in the early buckets, as in a real collections queue.
    bucket = rng.choices((0, 1, 2, 3, 5), weights=(50, 25, 12, 8, 5))[0]
    return bucket * 30 + rng.randint(1, 30)


def _balance(rng: random.Random, median: float, whole: bool) -> str:
    amount = math.exp(rng.gauss(math.log(median), 0.8))
    return f"{round(amount):d}" if whole else f"{amount:.2f}"


def _mainland_row(faker: Faker, rng: random.Random, ref: str) -> dict[str, str]:
    prefix = rng.choice(("135", "138", "139", "150", "186", "187"))
    return {
        "account_ref": ref,
        "name": faker.name(),
        "birth_date": faker.date_of_birth(minimum_age=22, maximum_age=65).isoformat(),
        "phone": f"+86{prefix}{rng.randrange(100_000_000):08d}",
        "phone_kind": "mobile",
        "phone_timezones": "Asia/Shanghai",
        "balance": _balance(rng, 8_000, whole=False),
        "currency": "CNY",
        "dpd": str(_dpd(rng)),
        "language": "zh-CN",
        "jurisdiction": "CN",
        "product": "credit_card",
        "ai_voice_consent": "yes",
    }


def generate_portfolio(path: Path, accounts: int, seed: int = 1, mix: Mix | None = None) -> Path:
    """Write `accounts` rows to `path` (CSV, UTF-8, 0600); the same seed writes the same file."""
    mix = mix or Mix()
    rng = random.Random(seed)
    taiwan, us = TaiwanIdentities(), UsIdentities()
    mainland = Faker("zh_CN")
    mainland.seed_instance(seed)

    path.parent.mkdir(parents=True, exist_ok=True)
    # Owner-only from the first byte: the rows look like names and numbers, synthetic or not.
    # fchmod also tightens a file left by an earlier run, which O_CREAT's mode would not.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with open(descriptor, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for n in range(1, accounts + 1):
            ref = f"demo-{n}"
            draw = rng.random()
            if draw < mix.mainland:
                row = _mainland_row(mainland, rng, ref)
            elif draw < mix.mainland + mix.us:
                state = rng.choice(US_STATES)
                person = us.identity(row_seed("demo", n) % 10_000_000, state=state)
                contact = person.contacts[0]
                row = {
                    "account_ref": ref,
                    "name": person.name,
                    "birth_date": person.birth_date,
                    "phone": contact.number,
                    "phone_kind": contact.kind,
                    "phone_timezones": ";".join(contact.timezones),
                    "balance": _balance(rng, 2_500, whole=False),
                    "currency": "USD",
                    "dpd": str(_dpd(rng)),
                    "language": "en-US",
                    "jurisdiction": f"US-{state}",
                    "product": "personal_loan",
                    "ai_voice_consent": "yes" if contact.ai_voice_consent else "no",
                }
            else:
                person = taiwan.identity(
                    row_seed("demo", n) % 10_000_000,
                    age=rng.randint(22, 65),
                    female=rng.random() < 0.5,
                )
                contact = person.contacts[0]
                row = {
                    "account_ref": ref,
                    "name": person.name,
                    "birth_date": person.birth_date,
                    "phone": contact.number,
                    "phone_kind": "mobile",
                    "phone_timezones": "Asia/Taipei",
                    "balance": _balance(rng, 40_000, whole=True),
                    "currency": "TWD",
                    "dpd": str(_dpd(rng)),
                    "language": "zh-TW",
                    "jurisdiction": "TW",
                    "product": "credit_card",
                    "ai_voice_consent": "yes" if contact.ai_voice_consent else "no",
                }
            row["synthetic"] = "yes"
            writer.writerow(row)
    return path
