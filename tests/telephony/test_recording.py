import asyncio
import io
import wave
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from fairdial.audit import verify_chain
from fairdial.cli import app
from fairdial.cli.recordings import archive_for
from fairdial.config import load_settings
from fairdial.store import open_store
from fairdial.store.models import Account, AuditEvent, Borrower, CallAttempt, Recording
from fairdial.telephony.recording import (
    EncryptedWriter,
    RecordedTransport,
    RecordingArchive,
    RecordingCipher,
    decrypted_chunks,
    retain_until,
    retention_rule,
)
from fairdial.voice.audio.g711 import ulaw_encode

KEY = bytes(range(32))
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def tone_frame(hz: float, index: int) -> bytes:
    t = (np.arange(160) + 160 * index) / 8000
    return ulaw_encode((np.sin(2 * np.pi * hz * t) * 8000).astype(np.int16))


class Line:
    def __init__(self, frames: list[bytes]) -> None:
        self.frames = list(frames)
        self.sent: list[bytes] = []
        self.closed = False

    async def receive(self) -> bytes | None:
        return self.frames.pop(0) if self.frames else None

    async def send(self, frame: bytes) -> None:
        self.sent.append(frame)

    async def clear(self) -> None: ...

    async def close(self) -> None:
        self.closed = True


def test_chunks_round_trip_and_tampering_is_caught(tmp_path) -> None:
    cipher = RecordingCipher(KEY)
    data = bytes(range(256)) * 300
    writer = EncryptedWriter(tmp_path / "a.fdrec", cipher, chunk_bytes=1000)
    for start in range(0, len(data), 777):
        writer.write(data[start : start + 777])
    writer.close()
    assert b"".join(decrypted_chunks(tmp_path / "a.fdrec", cipher)) == data
    assert data[:2000] not in (tmp_path / "a.fdrec").read_bytes()

    with pytest.raises(ValueError, match="another key"):
        list(decrypted_chunks(tmp_path / "a.fdrec", RecordingCipher(bytes(32))))
    raw = (tmp_path / "a.fdrec").read_bytes()
    (tmp_path / "cut.fdrec").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError):
        list(decrypted_chunks(tmp_path / "cut.fdrec", cipher))


def test_the_recording_key_differs_from_the_field_key() -> None:
    from fairdial.store.crypto import FieldCipher

    assert RecordingCipher(KEY).key_id != FieldCipher(KEY).key_id
    assert RecordingCipher(KEY).key_id == RecordingCipher(KEY).key_id


def test_retention_by_jurisdiction() -> None:
    assert retain_until("US", T0) == T0 + timedelta(days=1096)
    assert retain_until("US-MA", T0) == T0 + timedelta(days=1096)
    assert retain_until("TW", T0) == T0 + timedelta(days=184)
    assert retain_until("CN", T0) == T0 + timedelta(days=184)  # the pack's own default
    assert retain_until("XX", T0) is None  # no pack: kept
    assert "1006.100" in retention_rule("US").source


def record_call(archive: RecordingArchive, store, jurisdiction: str, account_id=None):
    async def call():
        recorder, relative = archive.start("CA-rec-1")
        inbound = [tone_frame(500, i) for i in range(100)]
        line = RecordedTransport(Line(inbound), recorder)
        for index in range(50):
            await line.send(tone_frame(1500, index))
        for _ in range(25):
            await line.receive()
        await line.clear()  # barge-in: unplayed bot audio never reached the borrower
        while await line.receive() is not None:
            pass
        await line.close()
        return recorder, relative

    recorder, relative = asyncio.run(call())
    with store.transaction() as session:
        row = archive.save(
            session,
            recorder,
            relative,
            call_id="CA-rec-1",
            jurisdiction=jurisdiction,
            account_id=account_id,
        )
        row.started_at = T0
        row.retain_until = retain_until(jurisdiction, T0)
        return row.id


def test_both_legs_are_recorded_in_stereo_and_play_back(tmp_path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    archive = RecordingArchive(tmp_path / "recordings", RecordingCipher(KEY))
    recording_id = record_call(archive, store, "TW")
    with store.session() as session:
        row = session.get(Recording, recording_id)
        assert (row.frames, row.channels, row.audio_bytes) == (100, 2, 100 * 320)
        out = io.BytesIO()
        archive.write_wav(row, out)

    out.seek(0)
    with wave.open(out) as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getnframes()) == (2, 8000, 16000)
        stereo = np.frombuffer(wav.readframes(16000), dtype="<i2").reshape(-1, 2)
    borrower, bot = stereo[:, 0].astype(float), stereo[:, 1].astype(float)
    spectrum = np.abs(np.fft.rfft(borrower))
    assert abs(np.argmax(spectrum) * 8000 / len(borrower) - 500) < 5
    assert np.abs(bot[: 25 * 160]).mean() > 3000  # the bot spoke for the first 0.5 s
    assert np.abs(bot[25 * 160 :]).max() < 100  # then was cut off by the barge-in
    store.close()


def test_purge_follows_retention_and_is_audited(tmp_path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    archive = RecordingArchive(tmp_path / "recordings", RecordingCipher(KEY))
    with store.transaction() as session:
        borrower = Borrower(ref="b1", language="en-US", created_at=T0, updated_at=T0)
        session.add(borrower)
        session.flush()
        account = Account(
            ref="a1",
            borrower_id=borrower.id,
            source="test",
            product="card",
            currency="USD",
            balance_minor=100,
            principal_minor=100,
            dpd=30,
            jurisdiction="US",
            created_at=T0,
            updated_at=T0,
        )
        session.add(account)
        session.flush()
        account_id = account.id
        session.add(
            CallAttempt(
                account_id=account_id,
                channel="twilio",
                planned_at=T0 + timedelta(days=400),
                started_at=T0 + timedelta(days=400),
                allowed=True,
                pack_id="US",
                pack_version="1",
            )
        )
    tw = record_call(archive, store, "TW")
    us = record_call(archive, store, "US", account_id)
    cn = record_call(archive, store, "CN")

    with store.transaction() as session:
        assert archive.purge(session, T0 + timedelta(days=183)) == []
        purged = archive.purge(session, T0 + timedelta(days=185))
        assert sorted(row.id for row in purged) == sorted([tw, cn])  # six months in TW and CN
    with store.transaction() as session:
        later = archive.purge(session, T0 + timedelta(days=1097))
        assert [row.id for row in later] == [us]  # three years from the call in the US
    with store.session() as session:
        rows = {row.id: row for row in session.scalars(select(Recording))}
        assert all(rows[n].deleted_at is not None for n in (tw, cn, us))
        assert not (archive.root / rows[tw].path).exists()
        events = session.scalars(select(AuditEvent).where(AuditEvent.kind == "recording_purged"))
        assert sorted(event.payload["recording"] for event in events) == sorted([tw, cn, us])
        problems, count, _ = verify_chain(session)
        assert problems == [] and count >= 2
        with pytest.raises(ValueError, match="purged"):
            archive.write_wav(rows[tw], io.BytesIO())
    store.close()


def test_the_recordings_commands(tmp_path, monkeypatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("FAIRDIAL_HOME", str(home))
    monkeypatch.delenv("FAIRDIAL_DATABASE_URL", raising=False)
    monkeypatch.delenv("FAIRDIAL_KEY", raising=False)
    store = open_store(settings=load_settings())
    archive = archive_for(None, None)
    recording_id = record_call(archive, store, "TW")
    store.close()
    runner = CliRunner()

    listed = runner.invoke(app, ["recordings", "list", "--json"], catch_exceptions=False)
    assert listed.exit_code == 0 and '"call_id": "CA-rec-1"' in listed.output
    out = tmp_path / "call.wav"
    played = runner.invoke(app, ["recordings", "play", str(recording_id), "--out", str(out)])
    assert played.exit_code == 0, played.output
    with wave.open(str(out)) as wav:
        assert (wav.getnchannels(), wav.getnframes()) == (2, 16000)
    exported = runner.invoke(app, ["recordings", "export", str(tmp_path / "x")])
    assert exported.exit_code == 0 and len(list((tmp_path / "x").glob("*.wav"))) == 1
    dry = runner.invoke(app, ["recordings", "purge", "--dry-run", "--now", "2030-01-01"])
    assert f"would purge 1 recordings: [{recording_id}]" in dry.output
    purge = runner.invoke(app, ["recordings", "purge", "--now", "2030-01-01"])
    assert f"purged 1 recordings: [{recording_id}]" in purge.output
    missing = runner.invoke(app, ["recordings", "play", "99"])
    assert missing.exit_code == 2
