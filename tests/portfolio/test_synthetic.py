import subprocess
import sys
from datetime import date

import phonenumbers
from phonenumbers import timezone as phone_timezone

from fairdial.portfolio import taiwan_id
from fairdial.portfolio.synthetic import (
    CONSENT_SOURCE,
    UCI_AGE_DATE,
    TaiwanIdentities,
    UsIdentities,
)
from fairdial.portfolio.us_timezones import state_timezones


def _age_on(born: str, on: date) -> int:
    birth = date.fromisoformat(born)
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def test_taiwan_identity_matches_the_row():
    people = TaiwanIdentities()
    for row, age in ((1, 24), (2, 26), (3, 79), (4, 21)):
        female = row % 2 == 0
        person = people.identity(row, age=age, female=female)
        assert _age_on(person.birth_date, UCI_AGE_DATE) == age
        assert taiwan_id.is_valid(person.national_id)
        assert person.national_id[1] == ("2" if female else "1")
        assert all("\u4e00" <= ch <= "\u9fff" for ch in person.name)
        (mobile,) = person.contacts
        parsed = phonenumbers.parse(mobile.number)
        assert mobile.number.startswith("+8869")
        assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
        assert mobile.timezones == ("Asia/Taipei",)


def test_identities_do_not_depend_on_order():
    forward = TaiwanIdentities()
    first = [forward.identity(n, age=40, female=False) for n in range(1, 6)]
    backward = TaiwanIdentities()
    last = [backward.identity(n, age=40, female=False) for n in range(5, 0, -1)]
    assert first == last[::-1]
    assert len({p.name + p.national_id for p in first}) == 5


def test_identities_are_the_same_in_another_process():
    code = (
        "from fairdial.portfolio.synthetic import TaiwanIdentities, UsIdentities;"
        "print(TaiwanIdentities().identity(17, age=33, female=True));"
        "print(UsIdentities().identity(17, state='FL'))"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    here = (
        f"{TaiwanIdentities().identity(17, age=33, female=True)}\n"
        f"{UsIdentities().identity(17, state='FL')}\n"
    )
    assert other.stdout == here


def test_us_numbers_are_fictional_and_in_the_state():
    people = UsIdentities()
    landlines = consented = total = 0
    for row in range(1, 301):
        person = people.identity(row, state="TX")
        numbers = [c.number for c in person.contacts]
        assert len(set(numbers)) == len(numbers)
        for contact in person.contacts:
            total += 1
            consented += contact.ai_voice_consent
            parsed = phonenumbers.parse(contact.number)
            assert phonenumbers.is_valid_number(parsed)
            # 555-0100..0199 is the range reserved for fiction.
            assert contact.number[5:9] == "5550" and contact.number[9] == "1"
            zones = set(phone_timezone.time_zones_for_number(parsed))
            assert zones & set(state_timezones("TX"))
            assert contact.timezones == tuple(state_timezones("TX"))
            if contact.ai_voice_consent:
                assert contact.consent_source == CONSENT_SOURCE
            if contact.kind == "landline":
                landlines += 1
                assert contact.place == "home"
        assert person.contacts[0].kind == "mobile"
    assert 0.2 < landlines / 300 < 0.4
    assert 0.78 < consented / total < 0.92


def test_taiwan_mobiles_are_valid_mobile_numbers():
    people = TaiwanIdentities()
    for row in range(1, 501):
        (mobile,) = people.identity(row, age=30, female=row % 3 == 0).contacts
        parsed = phonenumbers.parse(mobile.number)
        assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
