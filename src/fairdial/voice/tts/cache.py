"""Audio of sentences already spoken, kept so fixed prompts are synthesised once per process."""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

import numpy as np


class PromptKey(NamedTuple):
    engine: str
    voice: str
    language: str
    text: str


class PromptCache:
    """Least recently used sentences, up to `max_bytes` of audio.

    Disclosures, greetings and closings repeat on every call, so they are served from here after
    the first call; sentences with an amount or a name rarely repeat and age out first. The
    stored arrays are read-only, so no caller can change what the next call hears.
    """

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[PromptKey, np.ndarray] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: PromptKey) -> np.ndarray | None:
        audio = self._entries.get(key)
        if audio is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return audio

    def put(self, key: PromptKey, audio: np.ndarray) -> None:
        if audio.nbytes > self.max_bytes:
            return
        if key in self._entries:
            self._bytes -= self._entries.pop(key).nbytes
        stored = audio.copy()
        stored.flags.writeable = False
        self._entries[key] = stored
        self._bytes += stored.nbytes
        while self._bytes > self.max_bytes:
            _, oldest = self._entries.popitem(last=False)
            self._bytes -= oldest.nbytes
