"""Progress for long sends and receives: a bar on a terminal, plain lines otherwise.

Plugins call :class:`~semine_plugins.Progress` methods from any thread (the
Ftp plugin works with several connections at once), so both reporters lock.
Output goes to stderr, so ``--format json`` on stdout stays parseable.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["LineProgress", "TerminalProgress", "progress_factory"]


class _Counter:
    def __init__(self, name: str, stream: TextIO, clock: Callable[[], float]) -> None:
        self.name = name
        self.stream = stream
        self.clock = clock
        self.lock = threading.Lock()
        self.total: int | None = None
        self.label = ""
        self.done = 0
        self.began = clock()

    def _rate(self) -> float:
        elapsed = self.clock() - self.began
        return self.done / elapsed if elapsed > 0 else 0.0

    def _text(self) -> str:
        of = f"/{self.total}" if self.total is not None else ""
        return f"{self.label} {self.name}: {self.done}{of} done, {self._rate():.1f}/s"


class TerminalProgress(_Counter):
    """One line rewritten in place (count, total when known, rate), at most 10 times a second."""

    def __init__(
        self,
        name: str,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(name, stream or sys.stderr, clock)
        self._drawn = 0.0
        self._width = 0

    def start(self, total: int | None, label: str) -> None:
        """Begin counting."""
        with self.lock:
            self.total, self.label, self.done, self.began = total, label, 0, self.clock()
            self._draw(force=True)

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more and redraw when due."""
        with self.lock:
            self.done += n
            self._draw()

    def finish(self) -> None:
        """Erase the line (the command prints its report next)."""
        with self.lock:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def _draw(self, *, force: bool = False) -> None:
        now = self.clock()
        if not force and now - self._drawn < 0.1:
            return
        self._drawn = now
        text = self._text()
        pad = max(0, self._width - len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._width = len(text)


class LineProgress(_Counter):
    """A plain line every ``every`` seconds of a long run, for logs and pipes."""

    def __init__(
        self,
        name: str,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        every: float = 10.0,
    ) -> None:
        super().__init__(name, stream or sys.stderr, clock)
        self.every = every
        self._said = 0.0

    def start(self, total: int | None, label: str) -> None:
        """Begin counting (silently: short runs print nothing extra)."""
        with self.lock:
            self.total, self.label, self.done = total, label, 0
            self.began = self._said = self.clock()

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more; print a line when ``every`` seconds have passed."""
        with self.lock:
            self.done += n
            now = self.clock()
            if now - self._said >= self.every:
                self._said = now
                self.stream.write(self._text() + "\n")
                self.stream.flush()

    def finish(self) -> None:
        """Nothing to clean up."""


def progress_factory(
    *, quiet: bool, stream: TextIO | None = None
) -> Callable[[str, str], TerminalProgress | LineProgress] | None:
    """Return the Runner's progress factory for this terminal (``None`` when quiet)."""
    if quiet:
        return None
    out = stream or sys.stderr
    if out.isatty():
        return lambda integration, plugin: TerminalProgress(integration, out)
    return lambda integration, plugin: LineProgress(integration, out)
