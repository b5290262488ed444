"""The run history: one row per send or receive, kept in the data folder.

``semine-plugins history NAME`` reads it. It is written by every run the
:class:`~semine_plugins.Runner` makes (``send``, ``receive`` and each cycle of
``run``), also when the run fails before the plugin could report, so an
operator can see when an integration last worked. Rows older than the newest
:data:`KEEP` per integration are pruned on write, so the file stays small.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

__all__ = ["KEEP", "HistoryEntry", "RunHistory"]

KEEP = 1000
"""Runs kept per integration."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    integration TEXT NOT NULL,
    action TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    ok INTEGER NOT NULL,
    counts TEXT NOT NULL,
    summary TEXT NOT NULL,
    error TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_integration ON runs (integration, id);
"""


@attrs.frozen(kw_only=True)
class HistoryEntry:
    """One recorded run.

    :ivar counts: outcome → number of files or invoices (only non-zero ones).
    :ivar error: why the run could not finish (configuration, credentials,
        an unreachable server), or ``None`` when the plugin reported.
    """

    integration: str
    action: str
    started: datetime
    finished: datetime
    ok: bool
    counts: Mapping[str, int]
    summary: str
    error: str | None = None

    @property
    def seconds(self) -> float:
        """How long the run took."""
        return (self.finished - self.started).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        """Return the entry as JSON-ready data."""
        return {
            "integration": self.integration,
            "action": self.action,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat(),
            "seconds": round(self.seconds, 3),
            "ok": self.ok,
            "counts": dict(self.counts),
            "summary": self.summary,
            "error": self.error,
        }


class RunHistory:
    """The history file (SQLite, safe for several threads and processes).

    :param path: the database file; its folder is created.
    :param keep: runs kept per integration; older ones are pruned on write.
    """

    def __init__(self, path: Path, *, keep: int = KEEP) -> None:
        self.path = path
        self.keep = keep
        self._lock = threading.Lock()
        self._ready = False  # the file has its schema (checked again when it is gone)

    def _connect(self) -> sqlite3.Connection:
        fresh = not (self._ready and self.path.exists())
        if fresh:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        if fresh:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            self._ready = True
        return db

    def record(
        self,
        *,
        integration: str,
        action: str,
        started: datetime,
        ok: bool,
        counts: Mapping[str, int],
        summary: str,
        error: str | None = None,
        finished: datetime | None = None,
    ) -> HistoryEntry:
        """Append one run and prune old ones; return the entry."""
        entry = HistoryEntry(
            integration=integration,
            action=action,
            started=started,
            finished=finished or datetime.now(UTC),
            ok=ok,
            counts={k: v for k, v in counts.items() if v},
            summary=summary,
            error=error,
        )
        with self._lock:
            db = self._connect()
            try:
                with db:
                    db.execute("BEGIN IMMEDIATE")
                    db.execute(
                        "INSERT INTO runs (integration, action, started, finished, ok, counts,"
                        " summary, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            integration,
                            action,
                            entry.started.isoformat(),
                            entry.finished.isoformat(),
                            int(ok),
                            json.dumps(dict(entry.counts)),
                            summary,
                            error,
                        ),
                    )
                    db.execute(
                        "DELETE FROM runs WHERE integration = ? AND id <= ("
                        " SELECT id FROM runs WHERE integration = ?"
                        " ORDER BY id DESC LIMIT 1 OFFSET ?)",
                        (integration, integration, self.keep),
                    )
            finally:
                db.close()
        return entry

    def last(self, integration: str, limit: int = 20) -> list[HistoryEntry]:
        """Return the newest ``limit`` runs of ``integration``, newest first."""
        if not self.path.exists():
            return []
        db = self._connect()
        try:
            rows = db.execute(
                "SELECT integration, action, started, finished, ok, counts, summary, error"
                " FROM runs WHERE integration = ? ORDER BY id DESC LIMIT ?",
                (integration, limit),
            ).fetchall()
        finally:
            db.close()
        return [
            HistoryEntry(
                integration=r[0],
                action=r[1],
                started=datetime.fromisoformat(r[2]),
                finished=datetime.fromisoformat(r[3]),
                ok=bool(r[4]),
                counts=json.loads(r[5]),
                summary=r[6],
                error=r[7],
            )
            for r in rows
        ]
