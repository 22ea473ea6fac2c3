"""The IANA time zones a borrower in a US state (or DC, or a territory) may be in.

Regulation F (12 CFR 1006.6(b)(1)(i)) presumes 08:00-21:00 is convenient only when it holds in
every time zone the consumer may be in, so a state spanning several zones lists all of them.

Limitations: zones follow county lines in IANA's tzdata as read in 2024. Places that keep an
unofficial local time (Phenix City AL, Kenton OK, West Wendover NV) are not listed.
"""

from __future__ import annotations

_EASTERN = "America/New_York"
_CENTRAL = "America/Chicago"
_MOUNTAIN = "America/Denver"
_ARIZONA = "America/Phoenix"
_PACIFIC = "America/Los_Angeles"

_ZONES: dict[str, tuple[str, ...]] = {
    "AL": (_CENTRAL,),
    "AK": (
        "America/Anchorage",
        "America/Juneau",
        "America/Sitka",
        "America/Metlakatla",
        "America/Yakutat",
        "America/Nome",
        "America/Adak",
    ),
    # The Navajo Nation keeps daylight saving time, the rest of Arizona does not.
    "AZ": (_ARIZONA, _MOUNTAIN),
    "AR": (_CENTRAL,),
    "CA": (_PACIFIC,),
    "CO": (_MOUNTAIN,),
    "CT": (_EASTERN,),
    "DE": (_EASTERN,),
    "DC": (_EASTERN,),
    # The panhandle west of the Apalachicola River is Central.
    "FL": (_EASTERN, _CENTRAL),
    "GA": (_EASTERN,),
    "HI": ("Pacific/Honolulu",),
    # The panhandle north of the Salmon River is Pacific.
    "ID": ("America/Boise", _PACIFIC),
    "IL": (_CENTRAL,),
    "IN": (
        "America/Indiana/Indianapolis",
        "America/Indiana/Knox",
        "America/Indiana/Marengo",
        "America/Indiana/Petersburg",
        "America/Indiana/Tell_City",
        "America/Indiana/Vevay",
        "America/Indiana/Vincennes",
        "America/Indiana/Winamac",
        _CENTRAL,
    ),
    "IA": (_CENTRAL,),
    "KS": (_CENTRAL, _MOUNTAIN),
    "KY": ("America/Kentucky/Louisville", "America/Kentucky/Monticello", _EASTERN, _CENTRAL),
    "LA": (_CENTRAL,),
    "ME": (_EASTERN,),
    "MD": (_EASTERN,),
    "MA": (_EASTERN,),
    # Four Upper Peninsula counties bordering Wisconsin are Central.
    "MI": ("America/Detroit", "America/Menominee"),
    "MN": (_CENTRAL,),
    "MS": (_CENTRAL,),
    "MO": (_CENTRAL,),
    "MT": (_MOUNTAIN,),
    "NE": (_CENTRAL, _MOUNTAIN),
    "NV": (_PACIFIC,),
    "NH": (_EASTERN,),
    "NJ": (_EASTERN,),
    "NM": (_MOUNTAIN,),
    "NY": (_EASTERN,),
    "NC": (_EASTERN,),
    "ND": (
        _CENTRAL,
        _MOUNTAIN,
        "America/North_Dakota/Center",
        "America/North_Dakota/New_Salem",
        "America/North_Dakota/Beulah",
    ),
    "OH": (_EASTERN,),
    "OK": (_CENTRAL,),
    # Most of Malheur County keeps Mountain time.
    "OR": (_PACIFIC, "America/Boise"),
    "PA": (_EASTERN,),
    "RI": (_EASTERN,),
    "SC": (_EASTERN,),
    "SD": (_CENTRAL, _MOUNTAIN),
    "TN": (_CENTRAL, _EASTERN),
    # El Paso and Hudspeth counties are Mountain.
    "TX": (_CENTRAL, _MOUNTAIN),
    "UT": (_MOUNTAIN,),
    "VT": (_EASTERN,),
    "VA": (_EASTERN,),
    "WA": (_PACIFIC,),
    "WV": (_EASTERN,),
    "WI": (_CENTRAL,),
    "WY": (_MOUNTAIN,),
    "PR": ("America/Puerto_Rico",),
    "VI": ("America/St_Thomas",),
    "GU": ("Pacific/Guam",),
    "MP": ("Pacific/Saipan",),
    "AS": ("Pacific/Pago_Pago",),
}


def known_states() -> list[str]:
    """Every two-letter code this table knows, sorted."""
    return sorted(_ZONES)


def state_timezones(state: str) -> list[str]:
    """All IANA zones of a state's two-letter postal code; ValueError for an unknown code."""
    zones = _ZONES.get(state.strip().upper())
    if zones is None:
        raise ValueError(f"unknown US state code {state.strip()[:4]!r}")
    return list(zones)
