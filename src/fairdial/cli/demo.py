"""`fairdial demo`: the whole job with no configuration, in a folder of its own."""

from __future__ import annotations

import statistics
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fairdial.campaign.settings import CampaignSettings
from fairdial.cli import app
from fairdial.cli.campaign import print_report, run_with_progress
from fairdial.cli.common import SEED_MAX, console, fail
from fairdial.cli.portfolio import print_import_report
from fairdial.config import Settings
from fairdial.portfolio import PortfolioReadError

# The store, the campaign and the data generator load when the demo runs, not for --help.
if TYPE_CHECKING:
    from fairdial.store import Store

DEMO_HOME = Path("fairdial-demo")
# The voice demo calls a handful of accounts: half in the US, a quarter each in Taiwan and China.
VOICE_MIX = {"mainland": 0.25, "us": 0.5}


DEMO_MARK = ".fairdial-demo"


def _fresh_store(home: Path) -> Store:
    """An empty store in the demo's own folder; a store the demo did not make is never touched."""
    from fairdial.store import open_store

    if any(home.iterdir()) and not (home / DEMO_MARK).exists():
        # A key alone may protect a PostgreSQL store; a portfolio file may be someone's own.
        raise fail(
            f"{home} is not empty and was not made by the demo, which empties its folder each "
            "time: give it a folder of its own with --home"
        )
    for name in ("fairdial.db", "fairdial.db-wal", "fairdial.db-shm", "key"):
        (home / name).unlink(missing_ok=True)
    (home / DEMO_MARK).write_text("this folder belongs to `fairdial demo`, which empties it\n")
    url = f"sqlite:///{(home / 'fairdial.db').as_posix()}"
    return open_store(settings=Settings(home=home, database_url=url, key=None))


def _show_one_call(store: Store, campaign_id: int) -> None:
    """Print one right-party conversation that ended in a promise: what the bot sounds like."""
    from sqlalchemy import select

    from fairdial.store.models import CallAttempt, Conversation

    with store.session() as session:
        conversation = session.scalars(
            select(Conversation)
            .join(CallAttempt, Conversation.attempt_id == CallAttempt.id)
            .where(
                CallAttempt.campaign_id == campaign_id,
                CallAttempt.disposition.in_(("promise_to_pay", "payment_plan")),
            )
            .order_by(Conversation.id)
            .limit(1)
        ).first()
        if conversation is None:
            return
        console.rule(f"one call ({conversation.language}, synthetic borrower)")
        for turn in conversation.turns:
            who = "[cyan]bot     [/]" if turn.speaker == "bot" else "[yellow]borrower[/]"
            console.print(f"{who} {turn.text}", highlight=False)
        console.rule()


@app.command("demo")
def demo_command(
    portfolio: Annotated[
        Path | None,
        typer.Option(help="The UCI credit card file to call instead of a generated portfolio."),
    ] = None,
    accounts: Annotated[int, typer.Option(min=10, max=200_000, help="Generated accounts.")] = 3000,
    days: Annotated[int, typer.Option(min=1, max=30, help="Days of calling.")] = 3,
    seed: Annotated[
        int, typer.Option(min=0, max=SEED_MAX, help="Seed for the portfolio and the borrowers.")
    ] = 1,
    home: Annotated[Path, typer.Option(help="The demo's working folder.")] = DEMO_HOME,
    voice: Annotated[
        bool,
        typer.Option(
            "--voice",
            help="Call a few accounts in audio with the offline speech engines; "
            "recordings go to <home>/calls/.",
        ),
    ] = False,
    calls: Annotated[int, typer.Option(min=2, max=40, help="Accounts called with --voice.")] = 8,
) -> None:
    """Import a portfolio, run a simulated campaign, and report: all in a fresh local store."""
    from fairdial.audit.verify import verify
    from fairdial.campaign.runner import RunOptions
    from fairdial.portfolio.generate import generate_portfolio
    from fairdial.portfolio.importer import import_portfolio
    from fairdial.reporting.kpi import kpis

    home.mkdir(parents=True, exist_ok=True)
    if voice:
        _voice_demo(home, calls, seed)
        return
    store = _fresh_store(home)
    try:
        if portfolio is not None:
            source, fmt = portfolio, "uci-taiwan"
        else:
            source, fmt = generate_portfolio(home / "portfolio.csv", accounts, seed), "csv"
            console.print(f"generated {accounts} synthetic accounts in {source}")
        try:
            report = import_portfolio(store, source, fmt)
        except PortfolioReadError as exc:
            raise fail(str(exc)) from exc
        print_import_report(report)

        options = RunOptions(days=days, seed=seed, start=date.today(), name="demo")
        summary = run_with_progress(store, options)
        with store.session() as session:
            figures = kpis(session, summary.campaign_id)
            audit = verify(session)
        print_report(figures, f"demo campaign: {days} day(s) from {summary.start}")
        _show_one_call(store, summary.campaign_id)
        verdict = "ok" if audit.ok else "FAILED"
        console.print(
            f"audit {verdict}: {audit.events} events chained, {audit.attempts_checked} attempts "
            f"re-checked, {len(audit.violations)} violations"
        )
        console.print(
            f"{summary.attempts} calls in {summary.elapsed_s:.1f} s. The store is in {home}/; "
            f"try `fairdial report --home {home}` or `fairdial audit verify --home {home}`."
        )
        if not audit.ok:
            raise typer.Exit(1)
    finally:
        store.close()


def _voice_demo(home: Path, calls: int, seed: int) -> None:
    """A one-day campaign over the simulated channel in audio, with the real offline engines."""
    # Imported here: the speech engines load their models, which the text demo never needs.
    from fairdial.campaign.runner import RunOptions
    from fairdial.portfolio.generate import Mix, generate_portfolio
    from fairdial.portfolio.importer import import_portfolio
    from fairdial.reporting.kpi import kpis
    from fairdial.simulation.voiced import default_borrower_voices
    from fairdial.telephony.sim_audio import SimAudioChannel
    from fairdial.voice.factory import SpeechToTextByLanguage, default_speech_to_text
    from fairdial.voice.tts.by_language import ByLanguage
    from fairdial.voice.tts.espeak import EspeakTextToSpeech
    from fairdial.voice.tts.piper import PiperTextToSpeech

    store = _fresh_store(home)
    recordings = _recordings_folder(home)
    for old in recordings.glob("*.wav"):
        old.unlink()
    try:
        source = generate_portfolio(home / "portfolio.csv", calls, seed, Mix(**VOICE_MIX))
        print_import_report(import_portfolio(store, source, "csv"))

        console.print("loading speech engines (whisper tiny.en and base, piper, espeak-ng)")
        english = PiperTextToSpeech()
        bot_tts = ByLanguage({"en": english, "zh": EspeakTextToSpeech()})
        stt = SpeechToTextByLanguage(
            {"en": default_speech_to_text(model="tiny.en"), "zh": default_speech_to_text()}
        )
        voices = default_borrower_voices(english)
        made: list[SimAudioChannel] = []

        def channel(facts_for, channel_seed):  # type: ignore[no-untyped-def]
            made.append(
                SimAudioChannel(
                    facts_for,
                    channel_seed,
                    stt=stt,
                    tts=bot_tts,
                    voices=voices,
                    recordings=recordings,
                )
            )
            return made[0]

        options = RunOptions(
            days=1,
            seed=seed,
            start=date.today(),
            name="demo-voice",
            settings=CampaignSettings(lines=1),
            channel=channel,
        )
        summary = run_with_progress(store, options)
        with store.session() as session:
            figures = kpis(session, summary.campaign_id)
        print_report(figures, f"voice demo campaign on {summary.start}")
        finished = made[0].finished if made else []
        _print_voice_calls(finished)
        console.print(
            f"{summary.attempts} calls, {len(finished)} answered, in {summary.elapsed_s:.1f} s. "
            + _recordings_line(finished, recordings)
        )
    finally:
        store.close()


def _recordings_folder(home: Path) -> Path:
    """`<home>/calls`, readable by its owner only: the recordings hold borrowers' voices."""
    folder = home / "calls"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)  # a folder left by an older demo may be open to others
    return folder


def _recordings_line(finished: list, folder: Path) -> str:  # type: ignore[type-arg]
    """Where the recordings are, and how many answered calls had no audio and so got none."""
    line = f"Recordings (borrower left, bot right) are in {folder}/"
    silent = sum(call.recording is None for call in finished)
    if silent:
        line += f"; {silent} of the {len(finished)} answered calls had no audio and got none"
    return line + "."


def _print_voice_calls(finished: list) -> None:  # type: ignore[type-arg]
    for call in finished:
        console.rule(f"{call.attempt_ref} ({call.language}): {call.disposition}")
        for index, turn in enumerate(call.turn_metrics, start=1):
            console.print(
                f"turn {index}: {turn.total_s * 1000:5.0f} ms = end of turn "
                f"{turn.end_of_turn_s * 1000:.0f} + asr {turn.asr_s * 1000:.0f} + decision "
                f"{turn.decision_s * 1000:.0f} + tts {turn.tts_first_chunk_s * 1000:.0f} (+ queue)",
                highlight=False,
            )
        for barge in call.barge_ins:
            # Where to listen in the recording: the bot's side (right) goes quiet here.
            console.print(
                f"barge-in {barge.onset_s:.2f} s into the recording, during {barge.act}: "
                f"output cleared {barge.latency_s * 1000:.0f} ms after speech was detected",
                highlight=False,
            )
    from fairdial.reporting.latency import latency_figures

    turns = [turn.as_dict() for call in finished for turn in call.turn_metrics]
    figures = latency_figures(turns)
    if figures:
        print_report(figures, "voice response latency, ms (median, p95)")
    _print_barge_ins(finished)


def _print_barge_ins(finished: list) -> None:  # type: ignore[type-arg]
    """Borrowers talking over the bot: what they tried, and how fast the bot stopped."""
    barge_ins = [barge for call in finished for barge in call.barge_ins]
    interruptions = [talk for call in finished for talk in call.interruptions]
    figures: dict[str, object] = {
        "interruptions by borrowers": len(interruptions),
        "backchannels by borrowers": sum(len(call.backchannels) for call in finished),
        "barge-ins detected": len(barge_ins),
        "of them on a backchannel": sum(call.stopped_by_backchannel() for call in finished),
    }
    if barge_ins:
        cleared = [barge.latency_s * 1000 for barge in barge_ins]
        figures["detection to output cleared, ms"] = _median_max(cleared)
    if interruptions:
        # Heard at the borrower's end, this includes the detector's own onset lag.
        went_on = [talk.bot_went_on_s * 1000 for talk in interruptions]
        figures["first sound to the bot's last frame, ms"] = _median_max(went_on)
    print_report(figures, "barge-in")


def _median_max(values: list[float]) -> dict[str, int]:
    return {"median": round(statistics.median(values)), "max": round(max(values))}
