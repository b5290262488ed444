"""RetryPolicy: exponential backoff, jitter, Retry-After, bounds."""

from __future__ import annotations

import pytest

from semine_plugins.semine import RetryPolicy


def test_backoff_doubles_up_to_the_cap() -> None:
    """Without jitter the waits double and stop at max_delay."""
    policy = RetryPolicy(initial_delay=0.5, max_delay=3, jitter=0)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


@pytest.mark.parametrize(("draw", "expected"), [(0.0, 4.0), (0.999, 2.002)])
def test_jitter_takes_off_up_to_its_fraction(draw: float, expected: float) -> None:
    """Jitter shortens a wait by at most the jitter fraction."""
    policy = RetryPolicy(initial_delay=4, jitter=0.5, random=lambda: draw)
    assert policy.backoff(1) == pytest.approx(expected)


def test_retry_after_wins_when_longer() -> None:
    """A Retry-After longer than the backoff is used; a shorter one is not."""
    policy = RetryPolicy(initial_delay=1, jitter=0)
    assert policy.backoff(1, retry_after=30) == 30
    assert policy.backoff(1, retry_after=0.1) == 1


@pytest.mark.parametrize(
    "kwargs", [{"attempts": 0}, {"jitter": 1.5}, {"total_timeout": 0}, {"multiplier": 0.5}]
)
def test_nonsense_is_refused(kwargs: dict[str, float]) -> None:
    """Bounds that make no sense are refused when the policy is made."""
    with pytest.raises(ValueError):  # noqa: PT011 - attrs validators' messages vary
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
