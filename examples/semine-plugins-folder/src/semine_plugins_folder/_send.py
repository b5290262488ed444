"""send: SEMINE → outbox folder. Each Posting invoice becomes ``<invoice id>.xml``, then Posted.

The file is written under a hidden temporary name, flushed to disk, and then
linked to its real name, which fails instead of replacing a file already
there: a reader of the outbox never sees half a file, and a file the other
side has not picked up yet is never overwritten. When ``<id>.xml`` already
holds exactly these bytes, an earlier run wrote it and could not tell SEMINE:
it is confirmed now without writing again.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from semine_plugins import (
    FileOutcome,
    IntegrationContext,
    Outcome,
    RunReport,
    SemineError,
    TransferError,
)
from semine_plugins.semine import InvoiceSummary, TransientError, to_ubl
from semine_plugins_folder._announce import announce
from semine_plugins_folder._settings import FolderSettings

__all__ = ["place_new", "send"]

POSTED = "Posted"
POSTING_ERROR = "PostingError"


def place_new(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` as ``folder/name`` atomically, never replacing an existing file.

    :raises FileExistsError: ``folder/name`` exists (it is left as it is).
    """
    target = folder / name
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, target)  # atomic, and refuses to replace
        except FileExistsError:
            raise
        except OSError:  # a share without hard links: check, then rename
            if target.exists():
                raise FileExistsError(target) from None
            os.rename(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return target


class _Sender:
    def __init__(self, ctx: IntegrationContext) -> None:
        self.ctx = ctx
        self.s: FolderSettings = ctx.settings

    def _posting_error(self, invoice_id: str, name: str, message: str) -> FileOutcome:
        try:
            self.ctx.semine.set_status(invoice_id, POSTING_ERROR, message=message)
        except SemineError as exc:
            message = f"{message} (and SEMINE could not be told: {exc})"
        return FileOutcome(outcome=Outcome.FAILED, name=name, invoice_id=invoice_id, reason=message)

    def export(self, summary: InvoiceSummary) -> FileOutcome:
        """Deliver one invoice; return its outcome."""
        invoice_id = str(summary.id)
        name = f"{invoice_id}.xml"
        if not invoice_id.isalnum():
            return self._posting_error(
                invoice_id, name, f"the invoice id {invoice_id!r} cannot be used as a file name"
            )
        try:
            data = to_ubl(self.ctx.semine.get_invoice(invoice_id)).to_xml()
        except TransientError as exc:
            return FileOutcome(
                outcome=Outcome.RETRY,
                name=name,
                invoice_id=invoice_id,
                reason=f"SEMINE is unavailable ({exc}); tried again next run",
            )
        except (SemineError, ValueError) as exc:
            return self._posting_error(
                invoice_id, name, f"the invoice could not be exported as UBL: {exc}"
            )
        try:
            path = place_new(self.s.outbox, name, data)
        except FileExistsError:
            path = self.s.outbox / name
            if path.read_bytes() != data:
                return self._posting_error(
                    invoice_id,
                    name,
                    f"{name} already exists in {self.s.outbox} with other content (not yet "
                    "picked up?); it was not overwritten. Remove or rename it, then post the "
                    "invoice again",
                )
        except OSError as exc:
            return self._posting_error(
                invoice_id, name, f"{name} could not be written to {self.s.outbox}: {exc.strerror}"
            )
        try:
            self.ctx.semine.set_status(invoice_id, POSTED)
        except SemineError as exc:
            return FileOutcome(
                outcome=Outcome.RETRY,
                name=name,
                invoice_id=invoice_id,
                path=str(path),
                reason=f"written, but SEMINE could not be told ({exc}); the next run "
                "confirms it without writing again",
            )
        return FileOutcome(outcome=Outcome.SENT, name=name, invoice_id=invoice_id, path=str(path))

    def run(self) -> list[FileOutcome]:
        if not self.s.outbox.is_dir():
            raise TransferError(
                f"the outbox folder {self.s.outbox} does not exist or is not a folder "
                "(is the network share mounted?)"
            )
        # A list, for the progress total (iter_invoices has read every page before it yields).
        invoices = list(self.ctx.semine.iter_invoices("Posting"))
        self.ctx.progress.start(len(invoices), "send")
        outcomes = []
        for summary in invoices:
            if self.ctx.stop.is_set():
                break
            outcome = self.export(summary)
            outcomes.append(announce(self.ctx, outcome))
        self.ctx.progress.finish()
        return outcomes


def send(ctx: IntegrationContext) -> RunReport:
    """Write every Posting invoice to the outbox once; see the module docstring."""
    started = datetime.now(UTC)
    outcomes = _Sender(ctx).run()
    return RunReport.build(
        integration=ctx.integration, action="send", outcomes=outcomes, started=started
    )
