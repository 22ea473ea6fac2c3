from datetime import datetime
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from phonenumbers import timezone as phone_timezone

from fairdial.portfolio.us_area_codes import AREA_CODES
from fairdial.portfolio.us_timezones import known_states, state_timezones


def test_every_zone_is_a_real_iana_zone():
    for state in known_states():
        for zone in state_timezones(state):
            assert ZoneInfo(zone).key == zone


def test_states_spanning_several_zones_list_them_all():
    for state in ("FL", "TX", "TN", "KY", "IN", "MI", "ND", "SD", "NE", "KS", "ID", "OR", "AK"):
        assert len(state_timezones(state)) > 1, state
    assert "America/Denver" in state_timezones("TX")
    assert "America/Chicago" in state_timezones("FL")
    assert state_timezones("DC") == ["America/New_York"]
    assert state_timezones(" ca ") == ["America/Los_Angeles"]


def test_fifty_states_and_dc_are_known():
    assert len(set(known_states()) - {"PR", "VI", "GU", "MP", "AS"}) == 51


def test_unknown_state_is_an_error():
    with pytest.raises(ValueError):
        state_timezones("XX")


_JAN = datetime(2024, 1, 15, 12)


def test_area_codes_sit_in_their_state_time_zones():
    # phonenumbers knows each area code's zone; it must be one the state table lists, or at
    # least share the UTC offset family (Indiana, Kentucky, Michigan have local zone names).
    assert set(AREA_CODES) <= set(known_states())
    for state, codes in AREA_CODES.items():
        zones = set(state_timezones(state))
        for code in codes:
            number = phonenumbers.parse(f"+1{code}5550123")
            assert phonenumbers.is_valid_number(number), (state, code)
            found = set(phone_timezone.time_zones_for_number(number))
            local = {z for z in found if z in zones}
            same_offset = {
                z
                for z in found
                for s in zones
                if ZoneInfo(z).utcoffset(_JAN) == ZoneInfo(s).utcoffset(_JAN)
            }
            assert local or same_offset, (state, code, found)
