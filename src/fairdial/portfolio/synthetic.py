"""Made-up identities for public data sets that carry no names or numbers.

Each identity depends only on the data set's name and the row number, so a row gets the same
person whatever order or subset of the file is imported, and re-imports find nothing changed.

Numbers: US numbers use the 555-0100..555-0199 lines, which the North American Numbering Plan
keeps for fiction and which the `phonenumbers` metadata accepts as valid. Taiwan has no such
range, so Taiwanese mobiles are random 09xx numbers: they must only be dialled through the
simulated telephony, never a real carrier. Every borrower made here is marked synthetic.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, timedelta

from faker import Faker

from fairdial.portfolio import taiwan_id
from fairdial.portfolio.records import ContactRecord
from fairdial.portfolio.us_area_codes import AREA_CODES
from fairdial.portfolio.us_timezones import state_timezones

CONSENT_SHARE = 0.85
CONSENT_SOURCE = "synthetic: loan agreement"
LANDLINE_SHARE = 0.3
# The UCI statements run April to September 2005; ages are as of the last one.
UCI_AGE_DATE = date(2005, 9, 30)
# Lending Club loans in the sample were issued in early 2018.
LENDING_CLUB_DATE = date(2018, 3, 31)


@dataclass(frozen=True)
class Identity:
    name: str
    birth_date: str
    contacts: tuple[ContactRecord, ...]
    national_id: str | None = None


def row_seed(dataset: str, row: int) -> int:
    digest = hashlib.sha256(f"{dataset}:{row}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def birth_date_for_age(rng: random.Random, age: int, on: date) -> str:
    """A birth date that makes someone exactly `age` years old on `on`."""
    latest = _years_before(on, age)
    earliest = _years_before(on, age + 1) + timedelta(days=1)
    return (earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))).isoformat()


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _consent(rng: random.Random) -> tuple[bool, str | None]:
    if rng.random() < CONSENT_SHARE:
        return True, CONSENT_SOURCE
    return False, None


class TaiwanIdentities:
    """Taiwanese names, national IDs and +886 9xx mobiles for the UCI card holders."""

    dataset = "uci-taiwan"

    def __init__(self) -> None:
        self._faker = Faker("zh_TW")

    def identity(self, row: int, *, age: int, female: bool) -> Identity:
        seed = row_seed(self.dataset, row)
        rng = random.Random(seed)
        self._faker.seed_instance(seed)
        name = self._faker.name_female() if female else self._faker.name_male()
        consent, source = _consent(rng)
        mobile = ContactRecord(
            number=_taiwan_mobile(rng),
            kind="mobile",
            timezones=("Asia/Taipei",),
            ai_voice_consent=consent,
            consent_source=source,
        )
        return Identity(
            name=name,
            birth_date=birth_date_for_age(rng, age, UCI_AGE_DATE),
            contacts=(mobile,),
            national_id=taiwan_id.generate(rng, female=female),
        )


def _taiwan_mobile(rng: random.Random) -> str:
    # Taiwanese mobiles are 09 followed by a digit 0-8 and seven more (the 099 block is not
    # mobile); E.164 drops the trunk 0.
    return f"+8869{rng.randrange(9)}{rng.randrange(10_000_000):07d}"


class UsIdentities:
    """US names, a mobile in the borrower's state and, for some, a home landline."""

    dataset = "lending-club"

    def __init__(self) -> None:
        self._faker = Faker("en_US")

    def identity(self, row: int, *, state: str) -> Identity:
        seed = row_seed(self.dataset, row)
        rng = random.Random(seed)
        self._faker.seed_instance(seed)
        name = self._faker.name()
        zones = tuple(state_timezones(state))
        codes = AREA_CODES[state.upper()]

        lines = rng.sample(range(100, 200), 2)
        consent, source = _consent(rng)
        contacts = [
            ContactRecord(
                number=f"+1{rng.choice(codes)}555{lines[0]:04d}",
                kind="mobile",
                timezones=zones,
                ai_voice_consent=consent,
                consent_source=source,
            )
        ]
        if rng.random() < LANDLINE_SHARE:
            consent, source = _consent(rng)
            contacts.append(
                ContactRecord(
                    number=f"+1{rng.choice(codes)}555{lines[1]:04d}",
                    kind="landline",
                    place="home",
                    timezones=zones,
                    ai_voice_consent=consent,
                    consent_source=source,
                )
            )
        age = rng.randint(23, 72)
        return Identity(
            name=name,
            birth_date=birth_date_for_age(rng, age, LENDING_CLUB_DATE),
            contacts=tuple(contacts),
        )
