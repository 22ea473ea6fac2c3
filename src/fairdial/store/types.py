"""Column types: encrypted text and timezone-aware UTC timestamps on every backend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from fairdial.store.crypto import FieldCipher

CIPHER_ATTRIBUTE = "fairdial_cipher"


def attach_cipher(dialect: Dialect, cipher: FieldCipher) -> None:
    # The dialect object belongs to one engine, so two stores with two keys never mix.
    setattr(dialect, CIPHER_ATTRIBUTE, cipher)


def _cipher(dialect: Dialect) -> FieldCipher:
    cipher = getattr(dialect, CIPHER_ATTRIBUTE, None)
    if cipher is None:
        raise RuntimeError("this engine has no field cipher; open it through fairdial.store.Store")
    return cipher


class EncryptedText(TypeDecorator[str]):
    """Text sealed with the store's key before it reaches the database."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return _cipher(dialect).encrypt(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return _cipher(dialect).decrypt(value)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and always returned timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)
