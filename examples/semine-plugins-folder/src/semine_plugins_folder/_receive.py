"""receive: inbox folder → SEMINE. Each file is imported once, then moved to the done folder.

For each file in the inbox matching the pattern (hidden and temporary names
left alone, and files still being copied):

1. read it and compute its SHA-256;
2. when the ledger knows the hash, SEMINE already has it (a crash after the
   import, or the same document dropped again): move it to done, report
   ``duplicate``;
3. else import the bytes with ``sha256-<hash>`` as the idempotency key, so
   a retry never creates a second invoice; remember the hash; move the file
   to done.

Refused files go to the failed folder with ``<name>.error.txt``; a passing
failure (SEMINE unavailable) leaves the file for the next run.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from semine_plugins import FileOutcome, IntegrationContext, Outcome, RunReport, TransferError
from semine_plugins.semine import AuthenticationError, RejectedError, TooLargeError, TransientError
from semine_plugins_folder._announce import announce
from semine_plugins_folder._settings import FolderSettings
from semine_plugins_folder._state import Ledger, atomic_write

__all__ = ["free_name", "receive"]

_TEMP_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".filepart", "~")


def free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/stem-N.suffix`` with the first N not taken."""
    target = folder / name
    n = 1
    while target.exists():
        target = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
        n += 1
    return target


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = free_name(folder, path.name)
    shutil.move(path, target)
    return target


def _candidates(s: FolderSettings) -> list[Path]:
    now = time.time()
    found = []
    for path in sorted(s.inbox.glob(s.pattern)):
        name = path.name
        if name.startswith(".") or name.lower().endswith(_TEMP_SUFFIXES) or not path.is_file():
            continue
        if now - path.stat().st_mtime < s.stable_seconds:
            continue  # still being written; next run
        found.append(path)
    return found


class _Receiver:
    def __init__(self, ctx: IntegrationContext) -> None:
        self.ctx = ctx
        self.s: FolderSettings = ctx.settings
        self.ledger = Ledger(ctx.state_dir)

    def _fail(self, path: Path, reason: str) -> FileOutcome:
        target = _move(path, self.s.failed)
        atomic_write(target.with_name(target.name + ".error.txt"), (reason + "\n").encode())
        return FileOutcome(outcome=Outcome.FAILED, name=path.name, reason=reason, path=str(target))

    def process(self, path: Path) -> FileOutcome:
        """Take one file from the inbox to SEMINE; return its outcome."""
        if path.stat().st_size > self.s.max_file_size:
            return self._fail(
                path, f"the file is larger than max_file_size ({self.s.max_file_size} bytes)"
            )
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        known = self.ledger.get(sha256)
        if known is not None:
            target = _move(path, self.s.done)
            return FileOutcome(
                outcome=Outcome.DUPLICATE,
                name=path.name,
                invoice_id=known,
                path=str(target),
                reason=f"already imported as invoice {known}",
            )
        try:
            result = self.ctx.semine.import_document(data, idempotency_key=f"sha256-{sha256}")
        except (RejectedError, TooLargeError) as exc:
            return self._fail(path, f"SEMINE refused the file: {exc}")
        except TransientError as exc:
            return FileOutcome(
                outcome=Outcome.RETRY,
                name=path.name,
                reason=f"SEMINE is unavailable ({exc}); the file is tried again next run",
            )
        invoice_id = str(result.id)
        self.ledger.add(sha256, invoice_id)  # before the move: a crash now is a duplicate later
        target = _move(path, self.s.done)
        return FileOutcome(
            outcome=Outcome.IMPORTED if result.created else Outcome.DUPLICATE,
            name=path.name,
            invoice_id=invoice_id,
            path=str(target),
            reason="" if result.created else f"SEMINE already had it as invoice {invoice_id}",
        )

    def run(self) -> list[FileOutcome]:
        if not self.s.inbox.is_dir():
            raise TransferError(
                f"the inbox folder {self.s.inbox} does not exist or is not a folder "
                "(is the network share mounted?)"
            )
        files = _candidates(self.s)
        self.ctx.progress.start(len(files), "receive")
        outcomes = []
        for path in files:
            if self.ctx.stop.is_set():
                break
            try:
                outcome = self.process(path)
            except AuthenticationError:
                raise  # nothing more can be imported with these credentials
            except OSError as exc:
                outcome = FileOutcome(
                    outcome=Outcome.RETRY,
                    name=path.name,
                    reason=f"the file could not be read or moved ({exc.strerror}); "
                    "it is tried again next run",
                )
            outcomes.append(announce(self.ctx, outcome))
        self.ctx.progress.finish()
        return outcomes


def receive(ctx: IntegrationContext) -> RunReport:
    """Import the inbox's invoice files once; see the module docstring."""
    started = datetime.now(UTC)
    outcomes = _Receiver(ctx).run()
    return RunReport.build(
        integration=ctx.integration, action="receive", outcomes=outcomes, started=started
    )
