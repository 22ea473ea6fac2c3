"""A campaign refuses what would let it call around the gate."""

import os
import signal
import threading
from datetime import date

import pytest

from fairdial.audit.verify import verify
from fairdial.campaign.lock import CampaignBusy, campaign_lock
from fairdial.campaign.runner import CampaignError, Progress, RunOptions, run_campaign
from fairdial.portfolio import import_portfolio
from fairdial.portfolio.generate import generate_portfolio
from fairdial.store.models import CallAttempt, Campaign


def _store_with_calls(store, tmp_path):
    import_portfolio(store, generate_portfolio(tmp_path / "p.csv", 30, seed=2), "csv")
    run_campaign(store, RunOptions(days=1, seed=1, start=date(2026, 3, 2)))


def test_a_second_campaign_on_the_same_store_is_refused(store, tmp_path):
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with campaign_lock(store):
            entered.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert entered.wait(10)
        with pytest.raises(CampaignBusy, match="another campaign"):
            run_campaign(store, RunOptions(days=1, seed=1, start=date(2026, 3, 2)))
    finally:
        release.set()
        holder.join()
    with campaign_lock(store):  # released once the first run ends
        pass


def test_a_start_before_recorded_calls_is_refused(sqlite_store, tmp_path):
    _store_with_calls(sqlite_store, tmp_path)
    for start in (date(2026, 3, 2), date(2026, 3, 1)):
        with pytest.raises(CampaignError, match="not after the last recorded attempt"):
            run_campaign(sqlite_store, RunOptions(days=1, seed=1, start=start))
    with pytest.raises(CampaignError, match="past the end of the calendar"):
        run_campaign(sqlite_store, RunOptions(days=2, seed=1, start=date(9999, 12, 31)))
    with sqlite_store.session() as session:
        assert [c.status for c in session.query(Campaign)] == ["finished"]


def test_a_campaign_that_fails_is_marked_failed(sqlite_store, tmp_path, monkeypatch):
    import_portfolio(sqlite_store, generate_portfolio(tmp_path / "p.csv", 10, seed=2), "csv")

    def broken(*args, **kwargs):
        raise RuntimeError("line went down")

    monkeypatch.setattr("fairdial.campaign.runner.dial_list", broken)
    with pytest.raises(RuntimeError, match="line went down"):
        run_campaign(sqlite_store, RunOptions(days=1, seed=1, start=date(2026, 3, 2)))
    with sqlite_store.session() as session:
        assert [c.status for c in session.query(Campaign)] == ["failed"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_marks_the_campaign_interrupted_and_keeps_its_calls(
    sqlite_store, tmp_path, signum
):
    import_portfolio(sqlite_store, generate_portfolio(tmp_path / "p.csv", 60, seed=2), "csv")

    class StopAfterTen(Progress):
        attempts = 0

        def attempt_done(self) -> None:
            self.attempts += 1
            if self.attempts == 10:
                os.kill(os.getpid(), signum)  # as a service manager or Ctrl-C would

    with pytest.raises(KeyboardInterrupt):
        run_campaign(
            sqlite_store, RunOptions(days=3, seed=1, start=date(2026, 3, 2)), StopAfterTen()
        )
    with sqlite_store.session() as session:
        [campaign] = session.query(Campaign).all()
        kept = session.query(CallAttempt).count()
        audit = verify(session)
    assert campaign.status == "interrupted"
    assert kept >= 10  # the calls of the unfinished day are stored, with their decisions
    assert audit.ok
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # the run's handler is gone
