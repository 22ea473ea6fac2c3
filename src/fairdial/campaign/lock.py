"""One campaign at a time per store: two runs would each count only their own calls.

The gate judges an attempt by the account's history as the running campaign holds it in
memory; a second campaign on the same store would not see the first one's calls and could
break a cap between them. SQLite stores take an exclusive lock on a file beside the database;
PostgreSQL stores take a session-level advisory lock held for the whole run.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from fairdial.store import Store

_ADVISORY_KEY = 0x66616972  # names fairdial's campaign lock among the server's advisory locks


class CampaignBusy(RuntimeError):
    """Another campaign is already running on this store."""


BUSY = "another campaign is running on this store; wait for it to finish"


@contextmanager
def campaign_lock(store: Store) -> Iterator[None]:
    if store.backend == "postgresql":
        with store.engine.connect() as connection:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": _ADVISORY_KEY}
            ).scalar()
            if not taken:
                raise CampaignBusy(BUSY)
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
        return

    database = store.engine.url.database
    if not database or database == ":memory:":
        yield  # a store in memory belongs to this process alone
        return
    path = Path(f"{database}.campaign-lock")
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CampaignBusy(BUSY) from None
        yield
    finally:
        os.close(handle)  # closing the descriptor releases the lock
