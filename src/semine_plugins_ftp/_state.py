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
  never imports them back.
* ``pins``: trust-on-first-use host key fingerprints.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
CREATE TABLE IF NOT EXISTS pins (
    host        TEXT NOT NULL,
    port        INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    first_seen  REAL NOT NULL,
    PRIMARY KEY (host, port)
);
"""

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


class StateStore:
    """The SQLite state of one integration; safe to share between threads.

    :param path: the database file (created with its folder when missing).
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # ------------------------------------------------------------- files

    def get(self, folder: str, name: str) -> FileState | None:
        """Return the recorded state of a file, or ``None``."""
        with self._lock:
            row = self._db.execute(
                "SELECT folder, name, size, mtime, sha256, state, attempts, invoice_id, reason"
                " FROM files WHERE folder = ? AND name = ?",
                (folder, name),
            ).fetchone()
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
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO files"
                " (folder, name, size, mtime, sha256, state, attempts, invoice_id, reason, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    folder,
                    name,
                    size,
                    mtime,
                    sha256,
                    state,
                    attempts,
                    invoice_id,
                    reason,
                    time.time(),
                ),
            )

    def forget(self, folder: str, name: str) -> None:
        """Drop a file's row: it left the main folder."""
        with self._tx() as db:
            db.execute("DELETE FROM files WHERE folder = ? AND name = ?", (folder, name))

    # ------------------------------------------------------------- uploads

    def record_upload(
        self, folder: str, name: str, *, size: int, sha256: str, invoice_id: str
    ) -> None:
        """Remember a file this integration wrote (before it appears under its name)."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO uploads (folder, name, size, sha256, invoice_id, created)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (folder, name, size, sha256, invoice_id, time.time()),
            )

    def uploaded(self, folder: str, name: str, size: int) -> bool:
        """True when this integration wrote ``name`` with this size to ``folder``."""
        with self._lock:
            row = self._db.execute(
                "SELECT size FROM uploads WHERE folder = ? AND name = ?", (folder, name)
            ).fetchone()
        return row is not None and row[0] == size

    def upload_sha(self, folder: str, name: str) -> str | None:
        """The content hash of what this integration uploaded as ``name``, if it did."""
        with self._lock:
            row = self._db.execute(
                "SELECT sha256 FROM uploads WHERE folder = ? AND name = ?", (folder, name)
            ).fetchone()
        return None if row is None else str(row[0])

    # ------------------------------------------------------------- pins

    def get_pin(self, host: str, port: int) -> str | None:
        """Return the recorded host key fingerprint for ``host:port``."""
        with self._lock:
            row = self._db.execute(
                "SELECT fingerprint FROM pins WHERE host = ? AND port = ?", (host.lower(), port)
            ).fetchone()
        return None if row is None else str(row[0])

    def set_pin(self, host: str, port: int, fingerprint: str) -> None:
        """Record ``fingerprint`` as the trusted host key of ``host:port``."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO pins (host, port, fingerprint, first_seen)"
                " VALUES (?, ?, ?, ?)",
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
