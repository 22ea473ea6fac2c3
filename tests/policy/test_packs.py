from pathlib import Path

import pytest

from fairdial.policy import PackError, load_pack, load_pack_file, pack_ids


def test_every_state_and_dc_has_a_pack() -> None:
    ids = pack_ids()

    assert len([pack for pack in ids if pack.startswith("US-")]) == 51
    assert {"US", "US-DC", "US-MA", "US-WA", "TW", "CN", "HK"} <= set(ids)


def test_every_pack_loads_with_a_version_sources_and_limitations() -> None:
    for pack_id in pack_ids():
        pack = load_pack(pack_id)

        assert pack.id == pack_id
        assert pack.version
        assert pack.limitations
        assert pack.window.source
        assert all(cap.source for cap in pack.caps)


def test_state_without_overrides_has_the_federal_rules() -> None:
    federal, texas = load_pack("US"), load_pack("US-TX")

    assert texas.caps == federal.caps
    assert texas.window == federal.window
    assert texas.quiet_period == federal.quiet_period


def test_massachusetts_adds_a_borrower_cap_of_two() -> None:
    caps = load_pack("US-MA").caps

    assert [(cap.scope, cap.limit, cap.days) for cap in caps] == [
        ("debt", 7, 7),
        ("borrower", 2, 7),
    ]
    assert "940 CMR 7.04(1)(f)" in caps[1].source


def test_federal_cap_counts_the_results_the_rule_counts() -> None:
    cap = load_pack("US").caps[0]

    assert cap.counts == {
        "no_answer",
        "voicemail",
        "message_left",
        "answered_dropped",
        "conversation",
    }
    assert "1006.14(b)(2)(i)(A)" in cap.source


def test_unknown_pack_is_a_clear_error() -> None:
    with pytest.raises(PackError, match="unknown policy pack 'US-XX'"):
        load_pack("US-XX")


def test_unknown_state_pack_lists_the_real_packs_not_the_name_asked_for() -> None:
    with pytest.raises(PackError) as state:
        load_pack("US-XX")
    with pytest.raises(PackError) as other:
        load_pack("JP")

    known = "known packs are US, US-<state> (each state and DC, e.g. US-NY), TW, CN, HK"
    assert str(state.value) == f"unknown policy pack 'US-XX': 'XX' is not a US state or DC; {known}"
    assert str(other.value) == f"unknown policy pack 'JP'; {known}"


def test_a_pack_id_in_lower_case_is_told_its_upper_case_form() -> None:
    with pytest.raises(PackError) as caught:
        load_pack("us-ny")

    assert (
        str(caught.value) == "unknown policy pack 'us-ny': pack ids are upper case, as in 'US-NY'"
    )


def test_load_pack_is_cached() -> None:
    assert load_pack("HK") is load_pack("HK")


def test_custom_pack_file_changes_one_number(tmp_path: Path) -> None:
    path = tmp_path / "tw-strict.yaml"
    path.write_text(
        "id: TW-STRICT\nextends: TW\nversion: '1'\n"
        "window: {start: '09:00', end: '20:00', source: {cite: house rule, read: null}}\n",
        encoding="utf-8",
    )

    pack = load_pack_file(path)

    assert (pack.window.start.hour, pack.window.end.hour) == (9, 20)
    assert pack.caps == load_pack("TW").caps
    assert pack.version == "1+TW.2026.12.0"


def test_pack_file_with_an_override_lifting_a_hold_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: BAD\nextends: US\nversion: '1'\n"
        "overrides: {boss_said_so: {lifts: [cease], source: {cite: none}}}\n",
        encoding="utf-8",
    )

    with pytest.raises(PackError, match="override boss_said_so"):
        load_pack_file(path)
