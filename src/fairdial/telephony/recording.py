"""Call recordings: both legs in stereo, encrypted in chunks, kept as long as the rules say.

The left channel is the borrower (inbound audio), the right one the bot (what was sent and not
cleared by a barge-in), both 8 kHz mu-law, one stereo frame per 20 ms inbound frame: the
carrier plays our audio at the pace its own audio arrives, so the inbound frame is the clock.

Audio is sealed in chunks of about a second (AES-256-GCM under a key derived from the store's
master key for recordings only), so neither a long call nor its playback is held in memory.
Each chunk's nonce is a per-file random prefix plus the chunk number, and its associated data
says whether it is the last one, so a truncated or reordered file fails to open.

How long a recording is kept comes from the account's policy pack (`recording.retention_days`
with its source); a jurisdiction without a pack or without that section keeps its recordings.
"""

from __future__ import annotations

import logging
import secrets
import struct
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdial.audit import AuditLog
from fairdial.policy import PackError, load_pack
from fairdial.store.models import Recording
from fairdial.voice.audio.g711 import ulaw_decode
from fairdial.voice.transport import AudioTransport

logger = logging.getLogger("fairdial.telephony")

SAMPLE_RATE = 8000
FRAME_BYTES = 160
ULAW_SILENCE = b"\xff" * FRAME_BYTES
CODEC = "mulaw"
MAGIC = b"FDR1"
PREFIX_BYTES = 8
CHUNK_BYTES = 16000  # one second of stereo mu-law
_LENGTH = struct.Struct(">I")


@dataclass(frozen=True)
class RetentionRule:
    days: int | None  # None: no period configured, keep until one is
    source: str


def retention_rule(jurisdiction: str) -> RetentionRule:
    """The recording retention of the account's policy pack (US: three years from the call)."""
    try:
        pack = load_pack(jurisdiction)
    except PackError:
        return RetentionRule(None, f"no policy pack {jurisdiction}: kept")
    if pack.recording is None:
        return RetentionRule(None, f"pack {jurisdiction} sets no retention: kept")
    return RetentionRule(pack.recording.retention_days, pack.recording.retention_source)


def retain_until(jurisdiction: str, started_at: datetime) -> datetime | None:
    rule = retention_rule(jurisdiction)
    return None if rule.days is None else started_at + timedelta(days=rule.days)


# -- encryption ------------------------------------------------------------------------------------


class RecordingCipher:
    """AES-256-GCM for recording files, under its own key derived from the master key."""

    def __init__(self, master_key: bytes) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"fairdial recording encryption"
        ).derive(master_key)
        self._aead = AESGCM(key)
        self.key_id = (
            HKDF(algorithm=hashes.SHA256(), length=4, salt=None, info=b"fairdial recording key id")
            .derive(master_key)
            .hex()
        )

    def seal(self, prefix: bytes, number: int, last: bool, data: bytes) -> bytes:
        return self._aead.encrypt(_nonce(prefix, number), data, _associated(prefix, number, last))

    def open(self, prefix: bytes, number: int, last: bool, sealed: bytes) -> bytes:
        return self._aead.decrypt(_nonce(prefix, number), sealed, _associated(prefix, number, last))


def _nonce(prefix: bytes, number: int) -> bytes:
    return prefix + number.to_bytes(4, "big")


def _associated(prefix: bytes, number: int, last: bool) -> bytes:
    return MAGIC + prefix + number.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class EncryptedWriter:
    """Writes plaintext as sealed chunks; `close` seals the final chunk (empty if need be)."""

    def __init__(self, path: Path, cipher: RecordingCipher, chunk_bytes: int = CHUNK_BYTES):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("xb")
        self._cipher = cipher
        self._prefix = secrets.token_bytes(PREFIX_BYTES)
        self._chunk_bytes = chunk_bytes
        self._buffer = bytearray()
        self._number = 0
        self.plain_bytes = 0
        self._file.write(MAGIC + self._prefix)

    def write(self, data: bytes) -> None:
        self._buffer += data
        self.plain_bytes += len(data)
        while len(self._buffer) > self._chunk_bytes:
            self._seal(bytes(self._buffer[: self._chunk_bytes]), last=False)
            del self._buffer[: self._chunk_bytes]

    def close(self) -> None:
        if self._file.closed:
            return
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._file.close()

    def _seal(self, data: bytes, last: bool) -> None:
        sealed = self._cipher.seal(self._prefix, self._number, last, data)
        self._file.write(_LENGTH.pack(len(sealed)) + sealed)
        self._number += 1


def decrypted_chunks(path: Path, cipher: RecordingCipher) -> Iterator[bytes]:
    """The plaintext of a recording file, chunk by chunk; raises ValueError if tampered."""
    with path.open("rb") as handle:
        header = handle.read(len(MAGIC) + PREFIX_BYTES)
        if header[: len(MAGIC)] != MAGIC:
            raise ValueError(f"{path.name} is not a fairdial recording")
        prefix = header[len(MAGIC) :]
        number = 0
        length = handle.read(_LENGTH.size)
        while length:
            sealed = handle.read(_LENGTH.unpack(length)[0])
            following = handle.read(_LENGTH.size)
            last = not following
            try:
                yield cipher.open(prefix, number, last, sealed)
            except Exception as error:
                raise ValueError(
                    f"{path.name} is damaged, truncated or under another key"
                ) from error
            number += 1
            length = following


# -- recording a call ------------------------------------------------------------------------------


class CallRecorder:
    """Interleaves the two legs of one call into a stereo stream written to `writer`."""

    def __init__(self, writer: EncryptedWriter) -> None:
        self._writer = writer
        self._outbound: deque[bytes] = deque()
        self.frames = 0
        self.started_at = datetime.now().astimezone()
        self.ended_at: datetime | None = None

    def inbound(self, frame: bytes) -> None:
        frame = frame[:FRAME_BYTES].ljust(FRAME_BYTES, b"\xff")
        bot = self._outbound.popleft() if self._outbound else ULAW_SILENCE
        stereo = bytearray(2 * FRAME_BYTES)
        stereo[0::2] = frame
        stereo[1::2] = bot
        self._writer.write(bytes(stereo))
        self.frames += 1

    def outbound(self, frame: bytes) -> None:
        self._outbound.append(frame[:FRAME_BYTES].ljust(FRAME_BYTES, b"\xff"))

    def cleared(self) -> None:
        # A barge-in: the carrier dropped what it had not played, so the borrower never heard it.
        self._outbound.clear()

    def finish(self) -> None:
        if self.ended_at is None:
            self.ended_at = datetime.now().astimezone()
            self._outbound.clear()
            self._writer.close()

    @property
    def seconds(self) -> float:
        return self.frames * FRAME_BYTES / SAMPLE_RATE


class RecordedTransport:
    """An `AudioTransport` that records both legs of everything passing through it."""

    def __init__(self, inner: AudioTransport, recorder: CallRecorder) -> None:
        self._inner = inner
        self.recorder = recorder

    @property
    def closed(self) -> bool:
        return self._inner.closed

    async def receive(self) -> bytes | None:
        frame = await self._inner.receive()
        if frame is not None and self.recorder.ended_at is None:
            self.recorder.inbound(frame)
        return frame

    async def send(self, frame: bytes) -> None:
        if self.recorder.ended_at is None:
            self.recorder.outbound(frame)
        await self._inner.send(frame)

    async def clear(self) -> None:
        self.recorder.cleared()
        await self._inner.clear()

    async def close(self) -> None:
        await self._inner.close()
        self.recorder.finish()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)  # marks, digits, call ids of the adapter


class RecordingArchive:
    """Where recordings live on disk and how their rows are written, read and purged."""

    def __init__(self, root: Path, cipher: RecordingCipher) -> None:
        self.root = root
        self.cipher = cipher

    def start(self, call_id: str) -> tuple[CallRecorder, str]:
        """A recorder for a new call, and the file's path relative to `root`."""
        now = datetime.now().astimezone()
        relative = f"{now:%Y/%m}/{uuid.uuid4().hex}.fdrec"
        recorder = CallRecorder(EncryptedWriter(self.root / relative, self.cipher))
        logger.info("recording started", extra={"call_id": call_id})
        return recorder, relative

    def save(
        self,
        session: Session,
        recorder: CallRecorder,
        relative: str,
        *,
        call_id: str,
        jurisdiction: str,
        attempt_id: int | None = None,
        account_id: int | None = None,
    ) -> Recording:
        recorder.finish()
        assert recorder.ended_at is not None
        row = Recording(
            call_id=call_id,
            attempt_id=attempt_id,
            account_id=account_id,
            jurisdiction=jurisdiction,
            path=relative,
            codec=CODEC,
            channels=2,
            sample_rate=SAMPLE_RATE,
            frames=recorder.frames,
            audio_bytes=recorder.frames * 2 * FRAME_BYTES,
            key_id=self.cipher.key_id,
            started_at=recorder.started_at,
            ended_at=recorder.ended_at,
            retain_until=retain_until(jurisdiction, recorder.started_at),
        )
        session.add(row)
        session.flush()
        return row

    def write_wav(self, recording: Recording, out: BinaryIO) -> int:
        """Decrypt to a 16-bit PCM stereo WAV, chunk by chunk; returns the audio bytes written."""
        if recording.deleted_at is not None:
            raise ValueError(f"recording {recording.id} was purged")
        size = recording.audio_bytes * 2  # mu-law byte -> 16-bit sample
        out.write(_wav_header(size, recording.channels, recording.sample_rate))
        written = 0
        for chunk in decrypted_chunks(self.root / recording.path, self.cipher):
            pcm = ulaw_decode(chunk).astype("<i2").tobytes()
            out.write(pcm)
            written += len(pcm)
        if written != size:
            raise ValueError(f"recording {recording.id} holds {written} bytes, expected {size}")
        return written

    def purge(self, session: Session, now: datetime, *, dry_run: bool = False) -> list[Recording]:
        """Delete every recording whose retention has passed; each deletion is audited."""
        due = session.scalars(
            select(Recording)
            .where(Recording.deleted_at.is_(None), Recording.retain_until.is_not(None))
            .where(Recording.retain_until <= now)
            .order_by(Recording.id)
        ).all()
        purged = list(due)
        if dry_run or not purged:
            return purged

        audit = AuditLog(session)
        for row in purged:
            (self.root / row.path).unlink(missing_ok=True)
            row.deleted_at = now
            rule = retention_rule(row.jurisdiction)
            audit.append(
                "recording_purged",
                now,
                {
                    "recording": row.id,
                    "call_id": row.call_id,
                    "jurisdiction": row.jurisdiction,
                    "retain_until": row.retain_until,
                    "rule": rule.source,
                },
                subject=row.call_id,
            )
        audit.flush()
        logger.info("recordings purged: %d", len(purged))
        return purged


def _wav_header(data_bytes: int, channels: int, rate: int) -> bytes:
    block = channels * 2
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * block, block, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )
