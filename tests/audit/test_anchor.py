"""Anchoring the chain's head outside the store, and verifying the chain against the anchors.

The history is rewritten the way someone with database access would: an event is changed and
every hash from it onwards is recomputed with the project's own `event_hash`, so the chain by
itself still verifies.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from fairdial.audit import AuditLog
from fairdial.audit.anchor import (
    Anchor,
    AnchorError,
    AnchorProblem,
    StoreIdentity,
    anchor_key,
    check_anchors,
    read_anchors,
    take_anchor,
)
from fairdial.audit.chain import GENESIS, event_hash, verify_chain
from fairdial.cli import _register, app
from fairdial.store import Store
from fairdial.store.crypto import load_key
from fairdial.store.models import AuditEvent
from tests.conftest import make_store

_register()
runner = CliRunner()

T0 = datetime(2026, 4, 7, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_store_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FAIRDIAL_HOME", "FAIRDIAL_DATABASE_URL", "FAIRDIAL_KEY"):
        monkeypatch.delenv(name, raising=False)


def _write(store: Store, count: int) -> tuple[int, str]:
    """Guard events: chained like every event, and not compared with any attempt row."""
    with store.transaction() as session:
        log = AuditLog(session)
        start = log.head[0]
        for n in range(start, start + count):
            log.append(
                "guard.block",
                T0 + timedelta(minutes=n),
                {"rules": ["threat"], "turn": n},
                subject=f"acc-{n}",
                pack_id="TW",
                pack_version="2026.12",
            )
        log.flush()
        return log.head


def _rebuild(store: Store, seq: int, subject: str) -> None:
    """Change one event's subject and recompute every hash so that the chain links again."""
    with store.transaction() as session:
        prev = GENESIS
        for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
            if event.seq == seq:
                event.subject = subject
            event.prev_hash = prev
            event.hash = event_hash(
                event.seq,
                event.at,
                event.kind,
                event.subject,
                event.pack_id,
                event.pack_version,
                event.payload,
                prev,
            )
            prev = event.hash


def _delete_from(store: Store, seq: int) -> None:
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event WHERE seq >= :seq"), {"seq": seq})


def _options(store: Store, home: Path) -> list[str]:
    return ["--db", store.engine.url.render_as_string(hide_password=False), "--home", str(home)]


def _invoke(store: Store, home: Path, *args: str) -> Result:
    return runner.invoke(app, ["audit", *args, *_options(store, home)])


def _anchor(store: Store, home: Path, out: Path, *extra: str) -> dict:
    result = _invoke(store, home, "anchor", "--out", str(out), *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _verify(store: Store, home: Path, anchors: Path) -> Result:
    return _invoke(store, home, "verify", "--anchors", str(anchors))


def _identity(store: Store) -> StoreIdentity:
    return StoreIdentity.of(store.engine.url, store.cipher.key_id)


def test_an_anchor_names_the_head_and_the_store(store, tmp_path):
    _, head = _write(store, 5)
    out = tmp_path / "anchors" / "audit.jsonl"
    out.parent.mkdir()

    printed = _anchor(store, tmp_path, out)

    assert out.read_text().splitlines() == [json.dumps(printed, separators=(", ", ": "))]
    assert (printed["seq"], printed["hash"], printed["events"]) == (5, head, 5)
    assert printed["store"]["backend"] == store.backend
    assert printed["store"]["key_fingerprint"] == store.cipher.key_id
    location = printed["store"]["location"]
    assert location.endswith("/" + Path(store.engine.url.database).name)
    assert "@" not in location  # the PostgreSQL URL names a user; the anchor does not
    assert "mac" not in printed
    taken = datetime.fromisoformat(printed["at"])
    assert abs(datetime.now(UTC) - taken) < timedelta(minutes=1)


def test_a_second_anchor_is_appended_after_the_first(sqlite_store, tmp_path):
    _write(sqlite_store, 2)
    out = tmp_path / "audit.jsonl"
    first = _anchor(sqlite_store, tmp_path, out)
    _write(sqlite_store, 3)
    second = _anchor(sqlite_store, tmp_path, out)

    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines == [first, second]
    assert [line["seq"] for line in lines] == [2, 5]


def test_without_out_the_anchor_is_only_printed(sqlite_store, tmp_path):
    _, head = _write(sqlite_store, 3)
    result = _invoke(sqlite_store, tmp_path, "anchor")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["hash"] == head
    assert not list(tmp_path.glob("*.jsonl"))


def test_the_store_identity_holds_no_credentials():
    url = make_url("postgresql+psycopg://collector:s3cret@db.internal:5433/fairdial?password=x")
    identity = StoreIdentity.of(url, "1a2b3c4d")
    assert identity.to_json() == {
        "backend": "postgresql",
        "location": "postgresql://db.internal:5433/fairdial",
        "key_fingerprint": "1a2b3c4d",
    }


def test_an_untouched_chain_holds_every_anchor(store, tmp_path):
    anchors = tmp_path / "audit.jsonl"
    _write(store, 3)
    _anchor(store, tmp_path, anchors)
    _write(store, 3)
    _anchor(store, tmp_path, anchors, "--sign")
    _write(store, 2)

    result = _verify(store, tmp_path, anchors)

    assert result.exit_code == 0, result.output
    assert "audit ok: 8 events chained" in result.output
    assert "2 of 2 anchors hold" in result.output


def test_a_rebuilt_chain_passes_alone_but_not_against_its_anchors(store, tmp_path):
    anchors = tmp_path / "audit.jsonl"
    _write(store, 3)
    _anchor(store, tmp_path, anchors)
    _write(store, 3)
    _anchor(store, tmp_path, anchors)

    _rebuild(store, 5, "acc-someone-else")

    plain = _invoke(store, tmp_path, "verify")
    assert plain.exit_code == 0, plain.output
    result = _verify(store, tmp_path, anchors)
    assert result.exit_code == 1
    assert "anchor line 2: event 6 differs from its anchor" in result.output
    assert "rebuilt at or before event 6" in result.output
    assert "anchor line 1" not in result.output
    assert "1 of 2 anchors hold" in result.output


def test_a_rebuild_before_every_anchor_names_the_first_and_counts_the_rest(store, tmp_path):
    anchors = tmp_path / "audit.jsonl"
    for _ in range(3):
        _write(store, 2)
        _anchor(store, tmp_path, anchors)

    _rebuild(store, 1, "acc-someone-else")

    result = _invoke(store, tmp_path, "verify", "--anchors", str(anchors), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["anchor_problems"] == [
        f"anchor line {line}: event {seq} differs from its anchor taken at {at}: the chain was "
        f"rebuilt at or before event {seq}"
        for line, (seq, at) in enumerate(
            ((a.seq, a.at.isoformat()) for a in read_anchors(anchors)), start=1
        )
    ]
    text_result = _verify(store, tmp_path, anchors)
    assert "anchor line 1: event 2 differs" in text_result.output
    assert "2 later anchors fail too" in text_result.output


def test_events_deleted_from_the_end_are_caught_by_the_anchor(store, tmp_path):
    anchors = tmp_path / "audit.jsonl"
    _write(store, 6)
    _anchor(store, tmp_path, anchors)

    _delete_from(store, 5)

    assert _invoke(store, tmp_path, "verify").exit_code == 0
    result = _verify(store, tmp_path, anchors)
    assert result.exit_code == 1
    assert (
        "anchor line 1: event 6 was anchored at" in result.output
        and "but the chain ends at event 4: events were deleted from its end" in result.output
    )


def test_anchors_from_another_store_do_not_match(store, tmp_path):
    other_home = tmp_path / "other"
    other = make_store(other_home)
    try:
        _write(other, 4)
        anchors = tmp_path / "theirs.jsonl"
        _anchor(other, other_home, anchors)
    finally:
        other.close()
    _write(store, 4)

    result = _verify(store, tmp_path, anchors)

    assert result.exit_code == 1
    assert "anchor line 1: taken from another store" in result.output
    assert f"this store's is {store.cipher.key_id})" in result.output


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("not json", "not a JSON object"),
        ("[1, 2]", "not a JSON object"),
        ('{"seq": 2}', "missing field hash"),
        ("{}", "missing field seq"),
        ("{seq}", "not a JSON object"),
        ("EXTRA", "unknown field note"),
        ("SEQ:0", "seq must be a whole number of at least 1, not 0"),
        ('SEQ:"3"', "seq must be a whole number of at least 1, not '3'"),
        ("SEQ:true", "seq must be a whole number of at least 1, not True"),
        ('HASH:"abc"', "hash must be 64 lowercase hexadecimal digits"),
        ('AT:"yesterday"', "at must be an ISO 8601 time with its UTC offset"),
        ('AT:"2026-04-07T14:00:00"', "at must be an ISO 8601 time with its UTC offset"),
        ('STORE:"here"', "store must be an object"),
        ('STORE:{"backend": "sqlite"}', "missing field store.location"),
    ],
)
def test_a_malformed_anchor_line_is_named_by_its_number(sqlite_store, tmp_path, line, complaint):
    _write(sqlite_store, 3)
    anchors = tmp_path / "audit.jsonl"
    good = _anchor(sqlite_store, tmp_path, anchors)
    bad = _spoiled(good, line)
    anchors.write_text(json.dumps(good) + "\n\n" + bad + "\n")

    result = _verify(sqlite_store, tmp_path, anchors)

    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: the anchor file {anchors} line 3: {complaint}"
    ]
    assert _invoke(sqlite_store, tmp_path, "verify").exit_code == 0


def _spoiled(good: dict, how: str) -> str:
    """A line from a good anchor: `NAME:value` replaces one field, EXTRA adds an unknown one."""
    if how == "EXTRA":
        return json.dumps({**good, "note": "x"})
    name, sep, value = how.partition(":")
    if not sep or not name.isupper():
        return how
    return json.dumps({**good, name.lower(): json.loads(value)})


def test_a_malformed_anchor_file_is_refused_on_postgresql_too(store, tmp_path):
    _write(store, 2)
    anchors = tmp_path / "audit.jsonl"
    anchors.write_text('{"seq": 1, "hash": "' + "0" * 64 + '"\n')

    result = _verify(store, tmp_path, anchors)

    assert result.exit_code == 2
    assert result.output.strip() == f"error: the anchor file {anchors} line 1: not a JSON object"


def test_an_empty_or_absent_anchor_file_is_refused(sqlite_store, tmp_path):
    _write(sqlite_store, 1)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n  \n")

    assert _verify(sqlite_store, tmp_path, empty).output.strip() == (
        f"error: the anchor file {empty} holds no anchors"
    )
    absent = tmp_path / "absent.jsonl"
    assert _verify(sqlite_store, tmp_path, absent).output.strip() == (
        f"error: cannot read the anchor file {absent}: No such file or directory"
    )


def test_a_signed_anchor_edited_by_hand_is_detected(store, tmp_path):
    anchors = tmp_path / "audit.jsonl"
    _write(store, 3)
    signed = _anchor(store, tmp_path, anchors, "--sign")
    assert len(signed["mac"]) == 64

    # Rebuild the chain, then make the anchor agree with the rebuilt head.
    _rebuild(store, 2, "acc-someone-else")
    with store.session() as session:
        _, _, rebuilt_head = verify_chain(session)
    anchors.write_text(json.dumps({**signed, "hash": rebuilt_head}) + "\n")

    result = _verify(store, tmp_path, anchors)

    assert result.exit_code == 1
    assert "anchor line 1: its signature does not hold" in result.output


def test_an_unsigned_line_among_signed_ones_is_reported(sqlite_store, tmp_path):
    anchors = tmp_path / "audit.jsonl"
    _write(sqlite_store, 2)
    _anchor(sqlite_store, tmp_path, anchors, "--sign")
    _write(sqlite_store, 2)
    second = _anchor(sqlite_store, tmp_path, anchors, "--sign")
    lines = anchors.read_text().splitlines()
    stripped = {name: value for name, value in second.items() if name != "mac"}
    anchors.write_text(lines[0] + "\n" + json.dumps(stripped) + "\n")

    result = _verify(sqlite_store, tmp_path, anchors)

    assert result.exit_code == 1
    assert "anchor line 2: is not signed, though line 1 before it is" in result.output


def test_the_anchor_key_is_derived_not_the_master_key(sqlite_store, tmp_path):
    _write(sqlite_store, 2)
    master = load_key(None, tmp_path / "key")
    assert master is not None
    key = anchor_key(master)
    assert len(key) == 32 and key != master

    with sqlite_store.session() as session:
        anchor = take_anchor(session, _identity(sqlite_store), T0, key)
        assert anchor.signature_holds(key)
        assert not anchor.signature_holds(master)
        assert check_anchors(session, [anchor], _identity(sqlite_store), key) == []
        assert check_anchors(session, [anchor], _identity(sqlite_store)) == [
            AnchorProblem(0, "is signed, but no key was given to check its signature")
        ]


def test_an_anchor_survives_being_written_and_read_back(sqlite_store, tmp_path):
    _write(sqlite_store, 4)
    with sqlite_store.session() as session:
        taken = take_anchor(session, _identity(sqlite_store), T0, b"k" * 32)
    path = tmp_path / "audit.jsonl"
    path.write_text(taken.to_line() + "\n")

    [read] = read_anchors(path)

    assert read == Anchor(
        taken.seq, taken.hash, taken.events, taken.at, taken.store, taken.mac, line=1
    )
    assert read.signature_holds(b"k" * 32)


def test_an_empty_chain_is_not_anchored(sqlite_store, tmp_path):
    out = tmp_path / "audit.jsonl"
    result = _invoke(sqlite_store, tmp_path, "anchor", "--out", str(out))
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: the audit trail holds no events yet; there is nothing to anchor"
    )
    assert not out.exists()


def test_a_broken_chain_is_not_anchored(store, tmp_path):
    _write(store, 4)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET subject = 'acc-x' WHERE seq = 2"))
    out = tmp_path / "audit.jsonl"

    result = _invoke(store, tmp_path, "anchor", "--out", str(out))

    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: the audit chain does not verify (audit event 2: was changed after it was "
        "written); nothing was anchored: run fairdial audit verify"
    )
    assert not out.exists()
    with store.session() as session, pytest.raises(AnchorError, match="does not verify"):
        take_anchor(session, _identity(store), T0)


def test_an_anchor_file_that_cannot_be_written_is_one_line(sqlite_store, tmp_path):
    _write(sqlite_store, 1)
    out = tmp_path / "no-such-folder" / "audit.jsonl"
    result = _invoke(sqlite_store, tmp_path, "anchor", "--out", str(out))
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: cannot write the anchor file {out}: No such file or directory"
    )
