"""Accounts no call could verify (no borrower name, or no birth year or ID ending in four
digits): never dialled, each escalated once for a person to complete the record."""

from datetime import date
from pathlib import Path

from sqlalchemy import select

from fairdial.campaign.runner import RunOptions, run_campaign
from fairdial.campaign.settings import CampaignSettings
from fairdial.campaign.targets import UNVERIFIABLE, dial_list
from fairdial.portfolio import import_portfolio
from fairdial.portfolio.generate import generate_portfolio
from fairdial.store import Store
from fairdial.store.models import Account, CallAttempt, Escalation

START = date(2026, 3, 2)  # a Monday
# No name; a name but neither birth date nor ID; both, but with a birth date the file left out.
UNVERIFIABLE_ROWS = [
    "blank-1,,1980-02-02,+12125550101,mobile,America/New_York,900.00,USD,40,en-US,US-NY,"
    "personal_loan,yes,yes",
    "blank-2,Test Borrower C,,+12125550102,mobile,America/New_York,950.00,USD,40,en-US,US-NY,"
    "personal_loan,yes,yes",
]


def portfolio(folder: Path, extra: list[str]) -> Path:
    path = generate_portfolio(folder / "p.csv", 40, seed=3)
    with path.open("a", encoding="utf-8") as handle:
        handle.writelines(row + "\n" for row in extra)
    return path


def attempts(store: Store) -> list[tuple]:  # type: ignore[type-arg]
    with store.session() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(
                    Account.ref,
                    CallAttempt.planned_at,
                    CallAttempt.started_at,
                    CallAttempt.ended_at,
                    CallAttempt.allowed,
                    CallAttempt.result,
                    CallAttempt.disposition,
                )
                .join(Account, CallAttempt.account_id == Account.id)
                .order_by(CallAttempt.id)
            )
        ]


def test_unverifiable_accounts_are_escalated_once_and_never_called(tmp_path: Path) -> None:
    from tests.conftest import make_store

    found = {}
    for name, extra in (("with", UNVERIFIABLE_ROWS), ("without", [])):
        folder = tmp_path / name
        folder.mkdir()
        store = make_store(folder)
        report = import_portfolio(store, portfolio(folder, extra), "csv")
        assert report.accepted == 40 + len(extra)
        options = RunOptions(days=2, seed=1, start=START, settings=CampaignSettings(lines=4))
        summary = run_campaign(store, options)
        with store.session() as session:
            escalated = session.execute(
                select(Account.ref, Escalation.attempt_id, Escalation.status)
                .join(Account, Escalation.account_id == Account.id)
                .where(Escalation.reason == UNVERIFIABLE)
                .order_by(Account.ref)
            ).all()
        found[name] = (summary, attempts(store), escalated)
        store.close()

    summary, made, escalated = found["with"]
    # Booked on the first day; the open case keeps the accounts off the second day's list.
    assert summary.unverifiable == 2
    assert [tuple(row) for row in escalated] == [
        ("blank-1", None, "open"),
        ("blank-2", None, "open"),
    ]
    assert not {ref for ref, *_ in made} & {"blank-1", "blank-2"}
    # Every other account is called exactly as it would be without them.
    unchanged, others, none_escalated = found["without"]
    assert (unchanged.unverifiable, none_escalated) == (0, [])
    assert len(others) > 40
    assert made == others


def test_an_unverifiable_account_without_a_number_is_not_escalated(
    store: Store, tmp_path: Path
) -> None:
    no_number = "blank-3,,1980-02-02,,mobile,,700.00,USD,40,en-US,US-NY,personal_loan,yes,yes"
    import_portfolio(store, portfolio(tmp_path, [*UNVERIFIABLE_ROWS, no_number]), "csv")

    with store.session() as session:
        found = dial_list(session, START, CampaignSettings())
        left_out = session.scalars(
            select(Account.ref).where(Account.id.in_(found.unverifiable)).order_by(Account.ref)
        ).all()

    # Not called either way: with no number to call, nobody is bothered and nothing is owed.
    assert left_out == ["blank-1", "blank-2"]
    assert not {t.account_ref for t in found.targets} & {"blank-1", "blank-2", "blank-3"}
    assert len(found.targets) > 0
