from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from fairdial.audit.chain import GENESIS, AuditLog, verify_chain
from fairdial.audit.verify import verify
from fairdial.store.models import Campaign

T0 = datetime(2026, 4, 7, 14, 0, tzinfo=UTC)


def _write(store, count: int) -> tuple[int, str]:
    with store.transaction() as session:
        log = AuditLog(session)
        for n in range(count):
            log.append(
                "decision.allow",
                T0 + timedelta(minutes=n),
                {"attempt_id": n, "reasons": [], "note": "第一次"},
                subject=f"acc-{n}",
                pack_id="TW",
                pack_version="2026.12",
            )
        log.flush()
        return log.head


def test_an_untouched_chain_verifies(store):
    seq, head = _write(store, 5)
    with store.session() as session:
        problems, last, found_head = verify_chain(session)
    assert problems == []
    assert (last, found_head) == (seq, head) == (5, head)


def test_chain_continues_across_writers(store):
    _write(store, 3)
    _write(store, 2)
    with store.session() as session:
        problems, last, _ = verify_chain(session)
        first_link = session.execute(
            text("SELECT prev_hash FROM audit_event WHERE seq = 1")
        ).scalar()
    assert problems == [] and last == 5
    assert first_link == GENESIS


def test_an_edited_event_is_detected(store):
    _write(store, 4)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET subject = 'acc-x' WHERE seq = 2"))
    with store.session() as session:
        problems, _, _ = verify_chain(session)
    assert [(p.seq, p.problem) for p in problems] == [(2, "was changed after it was written")]


def test_a_deleted_event_is_detected(store):
    _write(store, 4)
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    with store.session() as session:
        problems, _, _ = verify_chain(session)
    assert {p.seq for p in problems} == {3}
    assert any("missing" in p.problem for p in problems)


def test_deleting_the_newest_events_is_caught_by_the_campaign_head(store):
    seq, head = _write(store, 4)
    with store.transaction() as session:
        session.add(
            Campaign(
                name="c",
                channel="sim",
                seed=1,
                start_date=date(2026, 4, 7),
                days=1,
                settings={"audit_head": {"seq": seq, "hash": head}},
                created_at=T0,
            )
        )
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event WHERE seq >= 3"))
    with store.session() as session:
        report = verify(session)
    assert not report.ok
    assert [p.seq for p in report.chain_problems] == [4]
