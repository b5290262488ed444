"""Durable per-integration state: per-file progress, uploads, host key pins.

One SQLite file per integration (WAL mode, every change committed before the
step it records is taken further), so a crash at any point is recovered by the
next run:

* ``files``: the receive state machine of each file in the main folder::

      (new) ──► importing ──► imported ──► (row deleted: moved or deleted)
                   │  ▲           │
                   │  └─ retry ◄──┘ transient error (attempts counted)
                   └──► failed     permanent: left in place, not re-reported
                                   until its size or mtime changes

  A file found in ``importing`` was being imported when the process died: it
  is imported again with the same idempotency key, so SEMINE answers with the
  invoice it already made. One found in ``imported`` only needs its move.
* ``uploads``: files this integration wrote to the main folder, so receive
  never imports them back. A row is dropped once a complete listing no
  longer shows its file and it is over a day old.
* ``pins``: trust-on-first-use host key fingerprints.
* ``facts``: what was found out about the server (whether its plain rename
  replaces files), with when, so it is not probed on every run.

Writes are *group-committed*: a writer returns only once its change is on
disk (``synchronous=FULL``), but the changes of threads writing at the same
time share one transaction and one ``fsync``, so parallel workers do not
queue behind each other's disk flushes. Reads use a connection of their own
and see every write that has returned.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

import attrs

__all__ = ["FileState", "StateStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    folder     TEXT NOT NULL,
    name       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    mtime      INTEGER NOT NULL,
    sha256     TEXT,
    state      TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    invoice_id TEXT,
    reason     TEXT NOT NULL DEFAULT '',
    updated    REAL NOT NULL,
    PRIMARY KEY (folder, name)
);
CREATE TABLE IF NOT EXISTS uploads (
    folder     TEXT NOT NULL,
    name       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    invoice_id TEXT NOT NULL,
    created    REAL NOT NULL,
    PRIMARY KEY (folder, name)
);
CREATE TABLE IF NOT EXISTS facts (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL,
    checked REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS pins (
    host        TEXT NOT NULL,
    port        INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    first_seen  REAL NOT NULL,
    PRIMARY KEY (host, port)
);
"""

_CHUNK = 500  # names per DELETE (SQLite allowed 999 parameters before 3.32)

IMPORTING = "importing"
IMPORTED = "imported"
RETRY = "retry"
FAILED = "failed"


@attrs.frozen(kw_only=True)
class FileState:
    """What the store remembers of one file in the main folder."""

    folder: str
    name: str
    size: int
    mtime: int
    sha256: str | None
    state: str
    attempts: int
    invoice_id: str | None
    reason: str

    def same_file(self, size: int, mtime: int) -> bool:
        """True when the file on the server still has the size and mtime recorded."""
        return self.size == size and self.mtime == mtime


class StateWriteError(sqlite3.OperationalError):
    """A change could not be stored (nor could the others committed with it)."""


class _Write:
    """One change waiting for a group commit."""

    def __init__(self, sql: str, params: tuple[object, ...]) -> None:
        self.sql = sql
        self.params = params
        self.done = False
        self.error: BaseException | None = None

    def raise_error(self) -> None:
        if self.error is not None and not isinstance(self.error, Exception):
            raise self.error  # KeyboardInterrupt and the like stay what they are
        if self.error is not None:
            raise StateWriteError(
                f"the state database could not be written: {self.error}"
            ) from self.error


class StateStore:
    """The SQLite state of one integration; safe to share between threads.

    :param path: the database file (created with its folder when missing).
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()  # the writing connection
        self._db = self._connect(path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._read_lock = threading.Lock()  # the reading connection
        self._reader = self._connect(path)
        self._queue = threading.Condition()  # guards _waiting and _committing
        self._waiting: list[_Write] = []
        self._committing = False

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        return sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)

    def close(self) -> None:
        """Close the database."""
        with self._lock, self._read_lock:
            self._db.close()
            self._reader.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, sql: str, params: tuple[object, ...]) -> None:
        """Run one change and return once it is durable (group commit, see the module)."""
        mine = _Write(sql, params)
        with self._queue:
            self._waiting.append(mine)
            while not mine.done and self._committing:
                self._queue.wait()
            if mine.done:
                mine.raise_error()
                return
            # No commit under way: this thread commits everything waiting, its own included.
            self._committing = True
            batch, self._waiting = self._waiting, []
        error: BaseException | None = None
        try:
            with self._lock:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    for write in batch:
                        self._db.execute(write.sql, write.params)
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
        except BaseException as exc:
            error = exc
        with self._queue:
            for write in batch:
                write.done, write.error = True, error
            self._committing = False
            self._queue.notify_all()
        mine.raise_error()

    def _read(self, sql: str, params: tuple[object, ...]) -> tuple[Any, ...] | None:
        with self._read_lock:
            row: tuple[Any, ...] | None = self._reader.execute(sql, params).fetchone()
        return row

    # ------------------------------------------------------------- files

    def get(self, folder: str, name: str) -> FileState | None:
        """Return the recorded state of a file, or ``None``."""
        row = self._read(
            "SELECT folder, name, size, mtime, sha256, state, attempts, invoice_id, reason"
            " FROM files WHERE folder = ? AND name = ?",
            (folder, name),
        )
        if row is None:
            return None
        return FileState(
            folder=row[0],
            name=row[1],
            size=row[2],
            mtime=row[3],
            sha256=row[4],
            state=row[5],
            attempts=row[6],
            invoice_id=row[7],
            reason=row[8],
        )

    def put(
        self,
        folder: str,
        name: str,
        *,
        size: int,
        mtime: int,
        state: str,
        sha256: str | None = None,
        attempts: int = 0,
        invoice_id: str | None = None,
        reason: str = "",
    ) -> None:
        """Record a file's state (replacing what was there), durably."""
        self._write(
            "INSERT OR REPLACE INTO files"
            " (folder, name, size, mtime, sha256, state, attempts, invoice_id, reason, updated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (folder, name, size, mtime, sha256, state, attempts, invoice_id, reason, time.time()),
        )

    def forget(self, folder: str, name: str) -> None:
        """Drop a file's row: it left the main folder."""
        self._write("DELETE FROM files WHERE folder = ? AND name = ?", (folder, name))

    # ------------------------------------------------------------- uploads

    def record_upload(
        self, folder: str, name: str, *, size: int, sha256: str, invoice_id: str
    ) -> None:
        """Remember a file this integration wrote (before it appears under its name)."""
        self._write(
            "INSERT OR REPLACE INTO uploads (folder, name, size, sha256, invoice_id, created)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (folder, name, size, sha256, invoice_id, time.time()),
        )

    def uploaded(self, folder: str, name: str, size: int) -> bool:
        """True when this integration wrote ``name`` with this size to ``folder``."""
        row = self._read("SELECT size FROM uploads WHERE folder = ? AND name = ?", (folder, name))
        return row is not None and row[0] == size

    def forget_uploads(self, folder: str, keep: Collection[str], *, before: float) -> int:
        """Drop the uploads of ``folder`` recorded before ``before`` that are not in ``keep``.

        Called with the names a complete listing of the folder found: an
        upload no longer there was taken by the other side, and there is
        nothing left to tell apart. Returns how many were dropped.
        """
        with self._read_lock:
            rows = self._reader.execute(
                "SELECT name FROM uploads WHERE folder = ? AND created < ?", (folder, before)
            ).fetchall()
        gone = [name for (name,) in rows if name not in keep]
        for start in range(0, len(gone), _CHUNK):
            chunk = gone[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            self._write(
                f"DELETE FROM uploads WHERE folder = ? AND name IN ({marks})",  # noqa: S608 - marks only
                (folder, *chunk),
            )
        return len(gone)

    # ------------------------------------------------------------- facts

    def get_fact(self, key: str, *, since: float) -> str | None:
        """Return what was recorded under ``key`` at or after ``since``, or ``None``."""
        row = self._read("SELECT value FROM facts WHERE key = ? AND checked >= ?", (key, since))
        return None if row is None else str(row[0])

    def set_fact(self, key: str, value: str) -> None:
        """Record ``value`` under ``key``, checked now."""
        self._write(
            "INSERT OR REPLACE INTO facts (key, value, checked) VALUES (?, ?, ?)",
            (key, value, time.time()),
        )

    # ------------------------------------------------------------- pins

    def get_pin(self, host: str, port: int) -> str | None:
        """Return the recorded host key fingerprint for ``host:port``."""
        row = self._read(
            "SELECT fingerprint FROM pins WHERE host = ? AND port = ?", (host.lower(), port)
        )
        return None if row is None else str(row[0])

    def set_pin(self, host: str, port: int, fingerprint: str) -> None:
        """Record ``fingerprint`` as the trusted host key of ``host:port``."""
        self._write(
            "INSERT OR REPLACE INTO pins (host, port, fingerprint, first_seen) VALUES (?, ?, ?, ?)",
            (host.lower(), port, fingerprint, time.time()),
        )


@attrs.frozen
class StorePins:
    """Adapts a :class:`StateStore` to the host key ``PinStore`` protocol."""

    store: StateStore

    def get(self, host: str, port: int) -> str | None:
        """Return the recorded fingerprint for ``host:port``, or ``None``."""
        return self.store.get_pin(host, port)

    def set(self, host: str, port: int, fingerprint: str) -> None:
        """Record ``fingerprint`` as the trusted key of ``host:port``."""
        self.store.set_pin(host, port, fingerprint)
