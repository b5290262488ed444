"""What the plugin remembers between runs: the content hashes it imported.

A small JSON file in ``ctx.state_dir``, replaced atomically on every change
(written to a temporary file, flushed, then renamed over the old one), so a
crash leaves either the old or the new ledger, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

__all__ = ["Ledger", "atomic_write"]


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` all at once: readers see the old file or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Ledger:
    """The SHA-256 of every document imported, with the SEMINE invoice id it became."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "imported.json"
        try:
            self._seen: dict[str, str] = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self._seen = {}

    def get(self, sha256: str) -> str | None:
        """The invoice id a document with this hash became, or ``None``."""
        return self._seen.get(sha256)

    def add(self, sha256: str, invoice_id: str) -> None:
        """Remember an import (written to disk before returning)."""
        self._seen[sha256] = invoice_id
        atomic_write(self.path, json.dumps(self._seen, indent=1, sort_keys=True).encode())
