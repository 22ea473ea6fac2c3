"""Persistence: SQLAlchemy models, migrations and the encrypted store."""

from fairdial.store.db import Store, open_store

__all__ = ["Store", "open_store"]
