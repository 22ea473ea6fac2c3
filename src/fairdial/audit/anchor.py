"""Anchors: the chain's head written down outside the store, so a rebuilt chain is detected.

Someone who can write the database can change an event and recompute every hash after it; the
chain then verifies. An anchor (the head's sequence number and hash, and when it was taken)
kept where that person cannot write still names the old hash, and a rebuilt chain differs from
it at or before the anchored event.

An anchor may carry an HMAC under a key derived from the store's master key for this purpose
alone. It shows that a line was not edited by someone without the key; it proves nothing
against someone who holds the key, which on the database host is usually beside the store.

Limitations: anchors say nothing of events written after the newest one; an anchor file that
is deleted, or rewritten by someone with the key, proves nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import URL, select
from sqlalchemy.orm import Session

from fairdial.audit.chain import verify_chain
from fairdial.store.models import AuditEvent

_HEX64 = re.compile(r"[0-9a-f]{64}")
_FIELDS = ("seq", "hash", "events", "at", "store")
_STORE_FIELDS = ("backend", "location", "key_fingerprint")


class AnchorError(ValueError):
    """An anchor cannot be taken, or an anchor file cannot be read; the message is one line."""


def anchor_key(master_key: bytes) -> bytes:
    """The key that signs anchors: derived from the master key, never the master key itself."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"fairdial audit anchor"
    ).derive(master_key)


@dataclass(frozen=True)
class StoreIdentity:
    """Which store an anchor was taken from, without a user name, password or query string."""

    backend: str
    location: str
    key_fingerprint: str

    @classmethod
    def of(cls, url: URL, key_fingerprint: str) -> StoreIdentity:
        backend = url.get_backend_name()
        if backend == "sqlite":
            location = f"sqlite:///{Path(url.database).resolve() if url.database else ''}"
        else:
            port = f":{url.port}" if url.port else ""
            location = f"{backend}://{url.host or ''}{port}/{url.database or ''}"
        return cls(backend, location, key_fingerprint)

    def to_json(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in _STORE_FIELDS}


@dataclass(frozen=True)
class Anchor:
    """The chain's head at one moment; `line` is where it was read from (0 when just taken)."""

    seq: int
    hash: str
    events: int
    at: datetime
    store: StoreIdentity
    mac: str | None = None
    line: int = 0

    def body(self) -> dict[str, Any]:
        """What the signature covers: every field but the signature itself."""
        return {
            "seq": self.seq,
            "hash": self.hash,
            "events": self.events,
            "at": self.at.isoformat(),
            "store": self.store.to_json(),
        }

    def signed(self, key: bytes) -> Anchor:
        return Anchor(self.seq, self.hash, self.events, self.at, self.store, _mac(key, self))

    def signature_holds(self, key: bytes) -> bool:
        return self.mac is not None and hmac.compare_digest(self.mac, _mac(key, self))

    def to_line(self) -> str:
        fields = self.body() if self.mac is None else {**self.body(), "mac": self.mac}
        return json.dumps(fields, ensure_ascii=False, separators=(", ", ": "))


def _mac(key: bytes, anchor: Anchor) -> str:
    canonical = json.dumps(anchor.body(), sort_keys=True, separators=(",", ":"))
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def take_anchor(
    session: Session, store: StoreIdentity, at: datetime, key: bytes | None = None
) -> Anchor:
    """The head of a chain that verifies, signed when `key` is given.

    A chain that does not verify is refused: an anchor vouches for history up to its event.
    """
    problems, seq, head = verify_chain(session)
    if problems:
        more = f", and {len(problems) - 1} more problems" if len(problems) > 1 else ""
        raise AnchorError(
            f"the audit chain does not verify ({problems[0]}{more}); nothing was anchored: "
            "run fairdial audit verify"
        )
    if seq == 0:
        raise AnchorError("the audit trail holds no events yet; there is nothing to anchor")
    # A chain that verifies has no gaps, so it holds exactly `seq` events.
    anchor = Anchor(seq, head, seq, at.astimezone(UTC).replace(microsecond=0), store)
    return anchor.signed(key) if key is not None else anchor


def append_anchor(path: Path, anchor: Anchor) -> None:
    """Add one line to an anchor file, starting a new line if the file's last one is unended."""
    try:
        with path.open("a+b") as handle:
            handle.seek(0, 2)
            if handle.tell() > 0:
                handle.seek(-1, 2)
                if handle.read(1) != b"\n":
                    handle.write(b"\n")
            handle.write((anchor.to_line() + "\n").encode())
    except OSError as exc:
        raise AnchorError(f"cannot write the anchor file {path}: {exc.strerror}") from None


def read_anchors(path: Path) -> list[Anchor]:
    """Every anchor in a file of JSON lines; blank lines are skipped, anything else malformed
    is an error naming the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise AnchorError(f"the anchor file {path} is not UTF-8 text") from None
    except OSError as exc:
        raise AnchorError(f"cannot read the anchor file {path}: {exc.strerror}") from None
    anchors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            anchors.append(_parse(line, number))
        except AnchorError as exc:
            raise AnchorError(f"the anchor file {path} line {number}: {exc}") from None
    if not anchors:
        raise AnchorError(f"the anchor file {path} holds no anchors")
    return anchors


def _parse(line: str, number: int) -> Anchor:
    try:
        fields = json.loads(line)
    except ValueError:
        raise AnchorError("not a JSON object") from None
    if not isinstance(fields, dict):
        raise AnchorError("not a JSON object")
    _known(fields, _FIELDS, optional=("mac",))
    seq, events = _count(fields, "seq", 1), _count(fields, "events", 0)
    digest = _hex(fields, "hash")
    mac = _hex(fields, "mac") if "mac" in fields else None
    at = fields["at"]
    try:
        moment = datetime.fromisoformat(at) if isinstance(at, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise AnchorError("at must be an ISO 8601 time with its UTC offset")
    store = fields["store"]
    if not isinstance(store, dict):
        raise AnchorError("store must be an object")
    _known(store, _STORE_FIELDS, prefix="store.")
    if not all(isinstance(store[name], str) for name in _STORE_FIELDS):
        raise AnchorError(f"store's {', '.join(_STORE_FIELDS)} must be text")
    identity = StoreIdentity(*(store[name] for name in _STORE_FIELDS))
    return Anchor(seq, digest, events, moment, identity, mac, number)


def _known(
    fields: dict[str, Any],
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    prefix: str = "",
) -> None:
    unknown = sorted(set(fields) - {*required, *optional})
    if unknown:
        raise AnchorError(f"unknown field {prefix}{unknown[0]}")
    missing = [name for name in required if name not in fields]
    if missing:
        raise AnchorError(f"missing field {prefix}{missing[0]}")


def _count(fields: dict[str, Any], name: str, least: int) -> int:
    value = fields[name]
    if type(value) is not int or value < least:
        raise AnchorError(f"{name} must be a whole number of at least {least}, not {value!r}")
    return value


def _hex(fields: dict[str, Any], name: str) -> str:
    value = fields[name]
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise AnchorError(f"{name} must be 64 lowercase hexadecimal digits")
    return value


@dataclass(frozen=True)
class AnchorProblem:
    line: int
    problem: str

    def __str__(self) -> str:
        return f"anchor line {self.line}: {self.problem}"


def check_anchors(
    session: Session, anchors: list[Anchor], store: StoreIdentity, key: bytes | None = None
) -> list[AnchorProblem]:
    """Each anchor against the chain, in file order: the event it names still has its hash.

    Only the stored hash is compared here; that the hashes still link up to the anchored event
    is what `verify_chain` proves, and the two together prove the history up to each anchor.
    `key` checks the signed lines; an unsigned line after a signed one is a problem too, since
    signing may start in the middle of a file but has no reason to stop.
    """
    last = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0
    seqs = sorted({anchor.seq for anchor in anchors if anchor.seq <= last})
    stored: dict[int, str] = {}
    for start in range(0, len(seqs), 1000):
        query = select(AuditEvent.seq, AuditEvent.hash).where(
            AuditEvent.seq.in_(seqs[start : start + 1000])
        )
        stored.update({seq: digest for seq, digest in session.execute(query)})
    signed = next((anchor.line for anchor in anchors if anchor.mac is not None), None)

    problems = []
    for anchor in anchors:
        problem = _problem(anchor, store, key, signed, last, stored.get(anchor.seq))
        if problem:
            problems.append(AnchorProblem(anchor.line, problem))
    return problems


def _problem(
    anchor: Anchor,
    store: StoreIdentity,
    key: bytes | None,
    signed: int | None,
    last: int,
    found: str | None,
) -> str | None:
    taken = anchor.at.isoformat()
    if anchor.store.key_fingerprint != store.key_fingerprint:
        return (
            f"taken from another store ({anchor.store.location}, key fingerprint "
            f"{anchor.store.key_fingerprint}; this store's is {store.key_fingerprint})"
        )
    if anchor.mac is None and signed is not None and anchor.line > signed:
        return f"is not signed, though line {signed} before it is"
    if anchor.mac is not None:
        if key is None:
            return "is signed, but no key was given to check its signature"
        if not anchor.signature_holds(key):
            return "its signature does not hold: the line was edited after it was signed"
    if anchor.seq > last:
        return (
            f"event {anchor.seq} was anchored at {taken}, but the chain ends at event {last}: "
            "events were deleted from its end"
        )
    if found is None:
        return f"event {anchor.seq} was anchored at {taken}, but is missing from the chain"
    if found != anchor.hash:
        return (
            f"event {anchor.seq} differs from its anchor taken at {taken}: the chain was "
            f"rebuilt at or before event {anchor.seq}"
        )
    return None
