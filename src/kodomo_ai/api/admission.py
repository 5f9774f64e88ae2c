"""Admission control: a few consultations at once per worker; the rest wait briefly, then get a clear 429."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from kodomo_ai.api.errors import ApiError

T = TypeVar("T")
# Engines whose answers are computed on this machine; a remote engine's answer mostly waits on the network.
LOCAL_ENGINES = ("extractive", "llamacpp")
REMOTE_PER_CORE = 8
# A refused caller may come back this many seconds later: about the time a few queued answers take.
RETRY_AFTER_S = 5


def slot_count(configured: int, engine: str) -> int:
    """Consultations at once: the setting, or by default one per core (eight per core for a remote engine).

    A local answer is CPU-bound (e5, the classifiers, Sudachi): more in flight than cores only makes every one
    of them slower, until all of them outlast the callers' timeouts together.
    """
    if configured > 0:
        return configured
    cores = os.cpu_count() or 1
    return cores if engine in LOCAL_ENGINES else cores * REMOTE_PER_CORE


class ConsultSlots:
    """At most `slots` consultations run at once; a caller waits up to `wait_s` for one, else gets a 429."""

    def __init__(self, slots: int, wait_s: float) -> None:
        self.slots = max(1, slots)
        self.wait_s = wait_s
        self._free = threading.BoundedSemaphore(self.slots)

    def acquire(self) -> None:
        """Take a slot or raise 429 `busy` (with Retry-After) once `wait_s` has passed."""
        if not self._free.acquire(timeout=self.wait_s):
            raise ApiError(
                429, "busy", "ただいま混み合っています。少し時間をおいて、もう一度お試しください",
                retry_after=RETRY_AFTER_S,
            )  # fmt: skip

    def release(self) -> None:
        """Give a slot back."""
        self._free.release()

    @contextmanager
    def held(self) -> Iterator[None]:
        """A slot for the duration of the block."""
        self.acquire()
        try:
            yield
        finally:
            self.release()

    def streamed(self, events: Iterator[T]) -> Iterator[T]:
        """Pass a stream through, giving back the slot (taken by the caller) when it ends or is closed."""
        try:
            yield from events
        finally:
            self.release()
