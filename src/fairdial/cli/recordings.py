"""`fairdial recordings list|play|export|purge`: the call recordings the store keeps."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fairdial.cli import app
from fairdial.cli.common import DbOption, HomeOption, console, fail, store_from_options
from fairdial.config import load_settings

# The store and the audio codecs load when a command runs, not for `fairdial --help`.
if TYPE_CHECKING:
    from fairdial.telephony.recording import RecordingArchive

recordings_app = typer.Typer(
    help="List, play, export and purge call recordings.", no_args_is_help=True
)
app.add_typer(recordings_app, name="recordings")


def archive_for(db: str | None, home: Path | None) -> RecordingArchive:
    """The recordings folder of the configured store, opened with its master key."""
    from fairdial.store.crypto import load_or_create_key
    from fairdial.telephony.recording import RecordingArchive, RecordingCipher

    settings = load_settings(db, home)
    key = load_or_create_key(settings.key, settings.key_file)
    return RecordingArchive(settings.home / "recordings", RecordingCipher(key))


@recordings_app.command("list")
def list_command(
    include_purged: Annotated[bool, typer.Option("--all", help="Include purged ones.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """One line per recording: id, call, jurisdiction, length, kept until."""
    from sqlalchemy import select

    from fairdial.store.models import Recording

    with store_from_options(db, home, must_exist=True) as store, store.session() as session:
        query = select(Recording).order_by(Recording.id)
        if not include_purged:
            query = query.where(Recording.deleted_at.is_(None))
        rows = session.scalars(query).all()
    for row in rows:
        item = {
            "id": row.id,
            "call_id": row.call_id,
            "jurisdiction": row.jurisdiction,
            "seconds": round(row.frames * 0.02, 2),
            "started_at": row.started_at.isoformat(),
            "retain_until": row.retain_until.isoformat() if row.retain_until else None,
            "purged": row.deleted_at is not None,
        }
        if json_out:
            print(json.dumps(item))
        else:
            kept = item["retain_until"] or "no rule: kept"
            console.print(
                f"{row.id:>6}  {row.call_id}  {row.jurisdiction:<6} {item['seconds']:>8.1f}s  "
                f"kept until {kept}" + ("  (purged)" if item["purged"] else ""),
                highlight=False,
            )


@recordings_app.command("play")
def play_command(
    recording_id: Annotated[int, typer.Argument(help="The recording's id from `list`.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="WAV file to write (default: stdout).")
    ] = None,
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Decrypt one recording to a stereo WAV (left: borrower, right: bot)."""
    from fairdial.store.models import Recording

    archive = archive_for(db, home)
    with store_from_options(db, home, must_exist=True) as store, store.session() as session:
        row = session.get(Recording, recording_id)
    if row is None:
        raise fail(f"no recording {recording_id}")
    try:
        if out is None:
            archive.write_wav(row, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            with out.open("wb") as handle:
                archive.write_wav(row, handle)
    except (ValueError, OSError) as error:
        raise fail(str(error)) from error


@recordings_app.command("export")
def export_command(
    folder: Annotated[Path, typer.Argument(help="Folder to write one WAV per recording into.")],
    call_id: Annotated[str | None, typer.Option("--call", help="Only this call.")] = None,
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Decrypt recordings to WAV files named after their id and call."""
    from sqlalchemy import select

    from fairdial.store.models import Recording

    archive = archive_for(db, home)
    with store_from_options(db, home, must_exist=True) as store, store.session() as session:
        query = select(Recording).where(Recording.deleted_at.is_(None)).order_by(Recording.id)
        if call_id:
            query = query.where(Recording.call_id == call_id)
        rows = session.scalars(query).all()
    folder.mkdir(parents=True, exist_ok=True)
    for row in rows:
        target = folder / f"recording-{row.id}-{row.call_id}.wav"
        try:
            with target.open("wb") as handle:
                archive.write_wav(row, handle)
        except (ValueError, OSError) as error:
            raise fail(f"recording {row.id}: {error}") from error
    console.print(f"exported {len(rows)} recordings to {folder}", highlight=False)


@recordings_app.command("purge")
def purge_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would go.")] = False,
    now: Annotated[
        str | None, typer.Option("--now", help="ISO time to judge retention at (default: now).")
    ] = None,
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Delete recordings past their retention period; each deletion is an audit event."""
    at = datetime.fromisoformat(now) if now else datetime.now(UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    archive = archive_for(db, home)
    with store_from_options(db, home, must_exist=True) as store, store.transaction() as session:
        purged = archive.purge(session, at, dry_run=dry_run)
        ids = [row.id for row in purged]
    verb = "would purge" if dry_run else "purged"
    console.print(f"{verb} {len(ids)} recordings: {ids}", highlight=False)
