"""One seeded source of randomness for names, uids, jitter and faults (a seed replays a run)."""

from __future__ import annotations

import random
import threading
import uuid

# Kubernetes' rand.String alphabet: no vowels (no words), no confusable characters.
SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class Rand:
    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)  # noqa: S311 - simulation, not security
        self._lock = threading.Lock()

    def suffix(self, length: int = 5) -> str:
        with self._lock:
            return "".join(self._random.choice(SUFFIX_ALPHABET) for _ in range(length))

    def uid(self) -> str:
        with self._lock:
            return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def hex(self, length: int) -> str:
        with self._lock:
            return "".join(self._random.choice("0123456789abcdef") for _ in range(length))

    def uniform(self, low: float, high: float) -> float:
        with self._lock:
            return self._random.uniform(low, high)

    def chance(self, probability: float) -> bool:
        with self._lock:
            return self._random.random() < probability

    def choice(self, options: list[str]) -> str:
        with self._lock:
            return self._random.choice(options)
