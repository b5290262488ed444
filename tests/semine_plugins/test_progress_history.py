"""Progress output and the run history, as an operator sees them."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from semine_plugins._history import RunHistory
from semine_plugins._progress import LineProgress, TerminalProgress, progress_factory


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_progress_shows_count_total_and_rate_then_clears_the_line():
    out, clock = io.StringIO(), Clock()
    bar = TerminalProgress("acme", out, clock)
    bar.start(40, "receive")
    clock.now += 2
    bar.advance(10)
    assert out.getvalue().split("\r")[-1].strip() == "receive acme: 10/40 done, 5.0/s"
    bar.finish()
    assert out.getvalue().endswith("\r")
    assert out.getvalue().split("\r")[-2].strip() == ""


def test_terminal_progress_without_total_and_throttled_redraws():
    out, clock = io.StringIO(), Clock()
    bar = TerminalProgress("acme", out, clock)
    bar.start(None, "send")
    for _ in range(50):
        bar.advance()  # the clock does not move: no redraw after the first
    assert out.getvalue().count("\r") == 1
    clock.now += 1
    bar.advance()
    assert out.getvalue().split("\r")[-1].strip() == "send acme: 51 done, 51.0/s"


def test_line_progress_is_quiet_for_short_runs_and_says_a_line_for_long_ones():
    out, clock = io.StringIO(), Clock()
    lines = LineProgress("acme", out, clock, every=10)
    lines.start(None, "receive")
    lines.advance(5)
    assert out.getvalue() == ""
    clock.now += 10
    lines.advance(15)
    lines.finish()
    assert out.getvalue() == "receive acme: 20 done, 2.0/s\n"


def test_progress_factory_picks_by_terminal_and_quiet():
    assert progress_factory(quiet=True, stream=TTY()) is None
    tty = progress_factory(quiet=False, stream=TTY())
    pipe = progress_factory(quiet=False, stream=io.StringIO())
    assert tty is not None
    assert pipe is not None
    assert isinstance(tty("acme", "ftp"), TerminalProgress)
    assert isinstance(pipe("acme", "ftp"), LineProgress)


def test_history_keeps_the_newest_runs_per_integration(tmp_path):
    history = RunHistory(tmp_path / "history.sqlite3", keep=3)
    start = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    for i in range(5):
        history.record(
            integration="acme",
            action="receive",
            started=start + timedelta(minutes=i),
            finished=start + timedelta(minutes=i, seconds=2),
            ok=i != 4,
            counts={"imported": i, "failed": 0},
            summary=f"receive acme: {i} imported",
        )
    history.record(
        integration="other",
        action="send",
        started=start,
        ok=False,
        counts={},
        summary="send other: did not run to the end",
        error="ConfigError: bad",
    )
    runs = history.last("acme")
    assert [r.counts for r in runs] == [{"imported": 4}, {"imported": 3}, {"imported": 2}]
    assert [r.ok for r in runs] == [False, True, True]
    assert runs[0].seconds == 2.0
    assert runs[0].to_dict()["summary"] == "receive acme: 4 imported"
    (other,) = history.last("other")
    assert other.error == "ConfigError: bad"
    assert RunHistory(tmp_path / "missing.sqlite3").last("acme") == []


def test_history_starts_again_when_its_file_is_removed(tmp_path):
    path = tmp_path / "history.sqlite3"
    history = RunHistory(path)
    start = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    history.record(
        integration="acme", action="send", started=start, ok=True, counts={}, summary="1"
    )
    for leftover in tmp_path.glob("history.sqlite3*"):
        leftover.unlink()
    history.record(
        integration="acme", action="send", started=start, ok=True, counts={}, summary="2"
    )
    assert [r.summary for r in history.last("acme")] == ["2"]
