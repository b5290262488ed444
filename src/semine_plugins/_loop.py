"""``semine-plugins run``: keep integrations going until asked to stop.

Each integration runs in its own thread, so one that hangs on a slow server or
fails does not hold up the others. Their first cycles are staggered across the
interval, so integrations sharing a server do not all connect at once. A cycle
sends, then receives (the directions the plugin supports). Stopping sets the
runner's stop event: plugins finish the file in hand and return, and each
thread ends after its current hook call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from semine_plugins._runner import Runner
from semine_plugins.errors import SeminePluginsError
from semine_plugins.reports import RunReport

__all__ = ["Scheduler"]

log = logging.getLogger("semine_plugins.run")


class Scheduler:
    """Runs integrations every ``interval`` seconds until :attr:`Runner.stop` is set.

    :param runner: runs one send or receive; its ``stop`` event ends the loop.
    :param names: the integrations to keep going.
    :param interval: seconds from the start of one cycle to the start of the next.
    :param cycles: stop after this many cycles per integration (``None``: never).
    :param on_report: called with each finished run's report (from worker threads).
    :param on_error: called when a run raised, with the integration, the action
        and the exception; the integration goes on with its next cycle.
    """

    def __init__(
        self,
        runner: Runner,
        names: Sequence[str],
        *,
        interval: float,
        cycles: int | None = None,
        on_report: Callable[[RunReport], None] = lambda report: None,
        on_error: Callable[[str, str, Exception], None] = lambda name, action, exc: None,
    ) -> None:
        if interval <= 0:
            raise ValueError("the interval must be positive")
        self.runner = runner
        self.names = list(names)
        self.interval = interval
        self.cycles = cycles
        self.on_report = on_report
        self.on_error = on_error
        self._threads: list[threading.Thread] = []

    @property
    def stop(self) -> threading.Event:
        """Set it to stop every integration after the file in hand."""
        return self.runner.stop

    def _directions(self, name: str) -> tuple[str, ...]:
        plugin = self.runner.config.get(name).plugin
        info = self.runner.host.get(plugin).info
        wanted = info.directions if info is not None else ("send", "receive")
        return tuple(a for a in ("send", "receive") if a in wanted)

    def _loop(self, name: str, offset: float) -> None:
        if self.stop.wait(offset):
            return
        directions = self._directions(name)
        done = 0
        while not self.stop.is_set():
            for action in directions:
                if self.stop.is_set():
                    break
                try:
                    report = self.runner.run(name, action)
                except Exception as exc:
                    self._failed(name, action, exc)
                else:
                    self.on_report(report)
            done += 1
            if self.cycles is not None and done >= self.cycles:
                return
            self.stop.wait(self.interval)

    def _failed(self, name: str, action: str, exc: Exception) -> None:
        # Expected failures (configuration, credentials, an unreachable server) get one
        # line; anything else is a bug somewhere and gets its traceback.
        bug = not isinstance(exc, SeminePluginsError)
        log.error(
            "%s %s failed: %s; trying again next cycle",
            action,
            name,
            exc,
            exc_info=exc if bug or log.isEnabledFor(logging.DEBUG) else None,
            extra={"integration": name},
        )
        self.on_error(name, action, exc)

    def start(self) -> None:
        """Start one thread per integration; their first cycles are spread over the interval."""
        step = self.interval / max(1, len(self.names))
        for i, name in enumerate(self.names):
            thread = threading.Thread(
                target=self._loop, args=(name, i * step), name=f"run-{name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the threads; return True when all have ended."""
        for thread in self._threads:
            thread.join(timeout)
        return not any(t.is_alive() for t in self._threads)

    def alive(self) -> bool:
        """True while any integration is still running."""
        return any(t.is_alive() for t in self._threads)
