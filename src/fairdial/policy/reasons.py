"""The fixed vocabulary of a decision: why a call is blocked, and what else deserves a look."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why the gate blocks a call. Stored with every attempt, so codes are never renamed."""

    OUTSIDE_HOURS = "outside_hours"
    INCONVENIENT_TIME = "inconvenient_time"
    INCONVENIENT_PLACE = "inconvenient_place"
    ATTEMPT_CAP = "attempt_cap"
    CONVERSATION_QUIET_PERIOD = "conversation_quiet_period"
    DAILY_CAP = "daily_cap"
    CEASE = "cease"
    ATTORNEY = "attorney"
    DISPUTE = "dispute"
    BANKRUPTCY = "bankruptcy"
    DECEASED = "deceased"
    MEDIUM_REFUSED = "medium_refused"
    DO_NOT_CALL = "do_not_call"
    NO_AI_VOICE_CONSENT = "no_ai_voice_consent"
    THIRD_PARTY_LIMIT = "third_party_limit"


class Flag(StrEnum):
    """Something a compliance officer should see, which does not by itself block the call."""

    HARASSMENT_PATTERN = "harassment_pattern"
    OVERRIDE_USED = "override_used"


HOLD_KINDS: frozenset[str] = frozenset(
    {"cease", "attorney", "dispute", "bankruptcy", "deceased", "medium_refused", "do_not_call"}
)

# The reasons that a cap rule of a policy pack may report.
CAP_CODES: frozenset[str] = frozenset({"attempt_cap", "daily_cap"})
