"""Phone numbers: normalising to E.164, the kinds we know, and the time zones a number implies."""

from __future__ import annotations

import phonenumbers
from phonenumbers import timezone as phone_timezone

from fairdial.portfolio.records import RowRejected
from fairdial.portfolio.us_timezones import state_timezones

KINDS = ("mobile", "landline", "voip")
PLACES = ("home", "work", "other")

# Zones of the jurisdictions outside the US that fairdial has policy packs for.
_COUNTRY_ZONES: dict[str, tuple[str, ...]] = {
    "TW": ("Asia/Taipei",),
    "CN": ("Asia/Shanghai",),
    "HK": ("Asia/Hong_Kong",),
    "MO": ("Asia/Macau",),
}


def region_of(jurisdiction: str) -> str:
    """The phonenumbers region of a jurisdiction: `US-CA` dials as `US`."""
    return jurisdiction.split("-", 1)[0].upper()


def normalise(value: str | None, column: str, region: str) -> str:
    """The number in E.164, read as dialled in `region` when it has no country code."""
    text = (value or "").strip()
    if not text:
        raise RowRejected(column, "phone number is missing")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise RowRejected(column, "phone number cannot be read") from None
    if not phonenumbers.is_valid_number(parsed):
        raise RowRejected(column, f"phone number is not a valid number for region {region}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_kind(value: str | None, column: str, default: str = "mobile") -> str:
    kind = (value or "").strip().lower() or default
    if kind == "fixed":
        kind = "landline"
    if kind not in KINDS:
        raise RowRejected(column, f"unknown phone kind (known: {', '.join(KINDS)})")
    return kind


def jurisdiction_timezones(jurisdiction: str) -> tuple[str, ...]:
    """Every zone a borrower of the jurisdiction may be in; empty when we do not know."""
    country, _, state = jurisdiction.upper().partition("-")
    if country == "US" and state:
        try:
            return tuple(state_timezones(state))
        except ValueError:
            return ()
    return _COUNTRY_ZONES.get(country, ())


def number_timezones(e164: str) -> tuple[str, ...]:
    """Zones phonenumbers associates with the number itself (coarse, by prefix)."""
    zones = phone_timezone.time_zones_for_number(phonenumbers.parse(e164))
    return tuple(z for z in zones if z != phone_timezone.UNKNOWN_TIMEZONE)
