"""Random streams derived from stable keys, so a call replays the same whatever the call order."""

from __future__ import annotations

import hashlib
import random


def derive_rng(seed: int, *parts: object) -> random.Random:
    """A generator seeded from `seed` and `parts`; Python's `hash` is salted per process."""
    key = "\x1f".join([str(seed), *(str(part) for part in parts)])
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))
