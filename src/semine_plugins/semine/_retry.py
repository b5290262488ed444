"""When and how long to wait before trying SEMINE again."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import attrs


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded in attempts and in total time.

    The n-th wait (n = 1, 2, …) is ``min(max_delay, initial_delay * multiplier**(n-1))``,
    reduced by a random fraction of up to ``jitter``; a ``Retry-After`` from
    SEMINE is honoured when it is longer. No wait ever ends after
    ``total_timeout`` seconds from the first attempt: the client gives up
    instead.

    :ivar attempts: the most attempts per call, the first included (1 = no retries).
    :ivar initial_delay: the first wait, in seconds.
    :ivar multiplier: each wait is this many times the previous one.
    :ivar max_delay: the longest single backoff wait (a Retry-After may exceed it).
    :ivar jitter: the random fraction (0..1) taken off each backoff wait.
    :ivar total_timeout: the most seconds spent on one call, waits included.
    :ivar sleep: the function that waits (a seam: tests pass one that records).
    :ivar clock: a monotonic clock in seconds (a seam, paired with ``sleep``).
    :ivar random: a function giving a float in [0, 1) (a seam for the jitter).
    """

    attempts: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    initial_delay: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    multiplier: float = attrs.field(default=2.0, validator=attrs.validators.ge(1))
    max_delay: float = attrs.field(default=10.0, validator=attrs.validators.ge(0))
    jitter: float = attrs.field(
        default=0.5, validator=[attrs.validators.ge(0), attrs.validators.le(1)]
    )
    total_timeout: float = attrs.field(default=60.0, validator=attrs.validators.gt(0))
    sleep: Callable[[float], None] = attrs.field(default=time.sleep, eq=False, repr=False)
    clock: Callable[[], float] = attrs.field(default=time.monotonic, eq=False, repr=False)
    random: Callable[[], float] = attrs.field(
        default=random.random,
        eq=False,
        repr=False,
    )

    def backoff(self, retry: int, retry_after: float | None = None) -> float:
        """Return the wait before retry number ``retry`` (1 for the first retry)."""
        base = min(self.max_delay, self.initial_delay * self.multiplier ** (retry - 1))
        delay = base * (1 - self.jitter * self.random())
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay


#: No retries at all (one attempt).
NO_RETRY = RetryPolicy(attempts=1)
