"""Encryption at rest for personal data, and keyed hashes for looking it up.

One 32-byte master key protects a store. Field values are sealed with AES-256-GCM under a key
derived for that purpose; phone numbers are also hashed with HMAC-SHA256 under a second derived
key, so the store can find a number without holding it in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
_FORMAT = "v1"

logger = logging.getLogger("fairdial.store")


class KeyConfigError(ValueError):
    """The configured key is missing or malformed."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(master)


def decode_key(text: str, source: str = "FAIRDIAL_KEY") -> bytes:
    """The master key from its base64 text; `source` names where the text came from in errors."""
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except ValueError as exc:  # a non-ASCII character or bad padding
        raise KeyConfigError(f"{source} is not valid base64") from exc
    if len(key) != KEY_BYTES:
        raise KeyConfigError(f"{source} must decode to {KEY_BYTES} bytes, got {len(key)}")
    return key


def new_key_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def load_key(env_value: str | None, key_file: Path) -> bytes | None:
    """The master key from FAIRDIAL_KEY, else from the key file; None when there is neither."""
    if env_value:
        return decode_key(env_value)
    if not key_file.exists():
        return None
    source = f"the key file {key_file}"
    try:
        data = key_file.read_bytes()
    except OSError as exc:
        raise KeyConfigError(f"cannot read {source} ({exc.strerror})") from exc
    _warn_if_shared(key_file)
    return decode_key(data.decode("ascii", errors="replace"), source)


def _warn_if_shared(key_file: Path) -> None:
    """Anyone who can read the key can read every borrower's personal data in the store."""
    if key_file.stat().st_mode & 0o077:
        logger.warning(
            "key file %s can be read by group or others; run: chmod 600 %s", key_file, key_file
        )


def load_or_create_key(env_value: str | None, key_file: Path) -> bytes:
    """The master key from FAIRDIAL_KEY, else from the key file, created (mode 0600) if absent."""
    return load_key(env_value, key_file) or create_key(key_file)


def create_key(key_file: Path) -> bytes:
    """A new master key written to `key_file` with owner-only access; never overwrites one."""
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(new_key_text() + "\n")
    return decode_key(key_file.read_text(), f"the key file {key_file}")


class FieldCipher:
    """Seals and opens text fields, and computes lookup hashes, under one master key."""

    def __init__(self, master_key: bytes) -> None:
        self._aead = AESGCM(_derive(master_key, b"fairdial field encryption"))
        self._hash_key = _derive(master_key, b"fairdial lookup hash")
        self.key_id = hashlib.sha256(self._hash_key).hexdigest()[:8]

    def encrypt(self, plaintext: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), None)
        return f"{_FORMAT}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str) -> str:
        version, _, body = token.partition(":")
        if version != _FORMAT:
            raise ValueError("encrypted field has an unknown format")
        raw = base64.b64decode(body)
        return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode()

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._hash_key, value.encode(), hashlib.sha256).hexdigest()
