"""The sections the conversation reads: recording, voicemail, third parties, personal data."""

import pytest

from fairdial.policy import load_pack
from fairdial.policy.packs import PackError, load_pack_file

ALL_PARTY_STATES = (
    "CA",
    "CT",
    "DE",
    "FL",
    "IL",
    "MD",
    "MA",
    "MI",
    "MT",
    "NV",
    "NH",
    "OR",
    "PA",
    "WA",
)


def test_us_keeps_recordings_three_years_after_the_call() -> None:
    recording = load_pack("US").recording

    assert recording is not None
    assert recording.retention_days == 1096  # three calendar years, a leap day included
    assert "1006.100(b)" in recording.retention_source
    assert "three years after the date of the call" in recording.retention_source
    assert recording.all_party_consent is False
    # The federal pack stands in for a borrower whose state is unknown: it announces.
    assert recording.announce_at_first_contact is True


@pytest.mark.parametrize("state", ALL_PARTY_STATES)
def test_all_party_states_announce_and_inherit_the_federal_retention(state: str) -> None:
    pack = load_pack(f"US-{state}")

    assert pack.recording is not None
    assert pack.recording.all_party_consent is True
    assert pack.recording.announce_at_first_contact is True
    assert pack.recording.retention_days == 1096
    assert "(not re-read)" in pack.recording.consent_source
    assert any("not read here" in line for line in pack.limitations)


@pytest.mark.parametrize("state", ["TX", "NY", "GA", "DC"])
def test_one_party_states_do_not_announce(state: str) -> None:
    recording = load_pack(f"US-{state}").recording

    assert recording is not None
    assert recording.all_party_consent is False
    assert recording.announce_at_first_contact is False
    assert "2511(2)(d)" in recording.consent_source


def test_a_state_pack_keeps_its_caps_and_the_federal_version() -> None:
    california = load_pack("US-CA")
    federal = load_pack("US")

    assert california.version == federal.version
    assert california.caps == federal.caps
    assert california.voicemail == federal.voicemail


def test_us_voicemail_is_the_limited_content_message() -> None:
    voicemail = load_pack("US").voicemail

    assert voicemail is not None
    assert voicemail.allowed == "limited_content"
    assert "1006.2(j)(1) and (2)" in voicemail.source
    assert sum("(required)" in item for item in voicemail.content) == 4
    assert sum("(optional)" in item for item in voicemail.content) == 4
    assert voicemail.max_per_number_window == (2, 5)  # the harassment rule's two in five minutes


@pytest.mark.parametrize("pack_id", ["TW", "CN", "HK"])
def test_asian_packs_leave_no_voicemail_and_announce_recording(pack_id: str) -> None:
    pack = load_pack(pack_id)

    assert pack.voicemail is not None
    assert pack.voicemail.allowed == "none"
    assert pack.voicemail.content == ()
    assert pack.recording is not None
    assert pack.recording.announce_at_first_contact is True
    assert pack.recording.retention_days >= 184


def test_taiwan_keeps_recordings_at_least_six_months() -> None:
    recording = load_pack("TW").recording

    assert recording is not None
    assert recording.retention_days == 184
    assert "委外處理要點" in recording.retention_source
    assert "(not re-read)" in recording.retention_source


@pytest.mark.parametrize("pack_id", ["US", "US-CA", "TW", "CN", "HK"])
def test_third_parties_are_called_only_to_locate(pack_id: str) -> None:
    third = load_pack(pack_id).third_party

    assert third is not None
    assert third.purpose == "locate_only"
    assert third.reveal_debt is False


@pytest.mark.parametrize(
    ("pack_id", "law"),
    [
        ("US", "Gramm-Leach-Bliley"),
        ("TW", "個人資料保護法"),
        ("CN", "个人信息保护法"),
        ("HK", "Cap. 486"),
    ],
)
def test_personal_data_names_the_law_and_shares_nothing(pack_id: str, law: str) -> None:
    personal = load_pack(pack_id).personal_data

    assert personal is not None
    assert law in personal.law
    assert personal.share_with_third_parties is False
    assert "guard blocks" in personal.handling


def test_china_does_not_claim_a_legal_basis_check() -> None:
    pack = load_pack("CN")

    assert not any("checked at import" in line for line in pack.limitations)
    assert any("No legal-basis check under PIPL" in line for line in pack.limitations)
    assert pack.personal_data is not None
    assert "does not check the lender's legal basis" in pack.personal_data.handling


def test_a_custom_pack_changes_one_recording_fact(tmp_path) -> None:
    path = tmp_path / "longer.yaml"
    path.write_text(
        'id: US-TX\nextends: US\nversion: "1"\nrecording:\n  retention_days: 2000\n',
        encoding="utf-8",
    )

    recording = load_pack_file(path).recording

    assert recording is not None
    assert recording.retention_days == 2000
    assert "1006.100(b)" in recording.retention_source  # the rest comes from the federal pack


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            "recording:\n  all_party_consent: true\n  announce_at_first_contact: false\n",
            "all-party consent needs announce",
        ),
        ("voicemail:\n  allowed: callback_only\n", "voicemail.allowed"),
        (
            "third_party:\n  limit: 1\n  counts: [conversation]\n  reveal_debt: true\n"
            "  source: x\n",
            "never does this",
        ),
    ],
)
def test_a_pack_the_conversation_cannot_honour_is_refused(tmp_path, section, message) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(f'id: US-CA\nextends: US\nversion: "1"\n{section}', encoding="utf-8")

    with pytest.raises(PackError, match=message):
        load_pack_file(path)
