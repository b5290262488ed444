"""send: SEMINE → SFTP. Posting invoices become ``<invoice id>.xml`` in the main folder.

For each invoice in status ``Posting``: fetch it, build UBL through the model,
check it against the UBL 2.1 schema (an invalid document is never uploaded),
write it under a temporary dot-name and rename it to ``<id>.xml``, then mark
the invoice ``Posted``. Any failure marks it ``PostingError`` with a message a
person understands, and leaves no partial file.

When ``<id>.xml`` already exists: if it holds exactly the bytes we would
write, an earlier run delivered it and died before confirming, so it is
confirmed now. If it holds something else, it is **not** overwritten (the
receiving system may not have read it yet): the invoice is marked
``PostingError`` saying so.
"""

from __future__ import annotations

import hashlib
import itertools
import posixpath
from concurrent.futures import Future
from datetime import UTC, datetime

from semine_plugins import (
    FileOutcome,
    IntegrationContext,
    Outcome,
    RunReport,
    SemineError,
    TransferError,
)
from semine_plugins.semine import InvoiceSummary, TransientError, to_ubl
from semine_plugins.ubl import validate
from semine_plugins_ftp._remote import (
    RemoteFileExistsError,
    RemoteFS,
    RemotePathError,
    SFTPPool,
    check_name,
)
from semine_plugins_ftp._session import Session, run_bounded
from semine_plugins_ftp._settings import FtpSettings

__all__ = ["send"]

POSTED = "Posted"
POSTING_ERROR = "PostingError"


class _Sender:
    def __init__(self, ctx: IntegrationContext, session: Session, pool: SFTPPool) -> None:
        self.ctx = ctx
        self.s: FtpSettings = ctx.settings
        self.session = session
        self.pool = pool

    def _posting_error(self, invoice_id: str, name: str, message: str) -> FileOutcome:
        try:
            self.ctx.semine.set_status(invoice_id, POSTING_ERROR, message=message)
        except SemineError as exc:
            message = f"{message} (and the error could not be reported to SEMINE: {exc})"
        return FileOutcome(outcome=Outcome.FAILED, name=name, invoice_id=invoice_id, reason=message)

    def export(self, summary: InvoiceSummary) -> FileOutcome:
        """Deliver one invoice; return its outcome."""
        invoice_id = str(summary.id)
        name = f"{invoice_id}.xml"
        try:
            check_name(name)
        except RemotePathError:
            return self._posting_error(
                invoice_id,
                name,
                f"the invoice id {invoice_id!r} cannot be used as a file name on the SFTP "
                "server (it contains '/', '..' or control characters)",
            )
        try:
            detail = self.ctx.semine.get_invoice(invoice_id)
            data = to_ubl(detail).to_xml()
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
        report = validate(data)
        if not report.valid:
            first = "; ".join(str(e.message) for e in report.errors[:3])
            return self._posting_error(
                invoice_id,
                name,
                f"the exported UBL is not valid, so it was not uploaded: {first}",
            )
        sha = hashlib.sha256(data).hexdigest()
        # Noted before the file appears under its name, so receive never imports it back.
        self.session.store.record_upload(
            self.s.folder, name, size=len(data), sha256=sha, invoice_id=invoice_id
        )
        with self.pool.connection() as fs:
            try:
                path = fs.upload_atomic(self.s.folder, name, data, overwrite=False)
            except RemoteFileExistsError:
                path = posixpath.join(self.s.folder, name)
                if not self._same_content(fs, path, data):
                    return self._posting_error(
                        invoice_id,
                        name,
                        f"{name} already exists in {self.s.folder} with other content (not yet "
                        "picked up by the receiving system?); it was not overwritten. Remove or "
                        "rename it on the SFTP server, then post the invoice again",
                    )
            except TransferError as exc:
                return self._posting_error(invoice_id, name, f"the upload failed: {exc}")
        try:
            self.ctx.semine.set_status(invoice_id, POSTED)
        except SemineError as exc:
            return FileOutcome(
                outcome=Outcome.RETRY,
                name=name,
                invoice_id=invoice_id,
                path=path,
                reason=f"uploaded, but SEMINE could not be told ({exc}); the next run "
                "confirms it without uploading again",
            )
        return FileOutcome(outcome=Outcome.SENT, name=name, invoice_id=invoice_id, path=path)

    @staticmethod
    def _same_content(fs: RemoteFS, path: str, data: bytes) -> bool:
        try:
            return fs.read_capped(path, len(data) + 1) == data
        except TransferError:
            return False

    def run(self) -> list[FileOutcome]:
        with self.pool.connection() as fs:
            self.session.require_folder(fs, self.s.folder)
        outcomes: list[FileOutcome] = []
        self.ctx.progress.start(None, "send")

        def collect(f: Future[FileOutcome]) -> None:
            outcome = f.result()
            outcomes.append(outcome)
            self.ctx.events.outcome(outcome)
            self.ctx.progress.advance()

        # A snapshot of ids first: marking invoices Posted changes the paged listing.
        summaries = list(self.ctx.semine.iter_invoices("Posting"))
        run_bounded(
            self.export,
            itertools.takewhile(lambda _: not self.ctx.stop.is_set(), summaries),
            collect,
            workers=self.pool.size,
            name="send",
        )
        self.ctx.progress.finish()
        return outcomes


def send(ctx: IntegrationContext) -> RunReport:
    """Export every Posting invoice to the main folder once; see the module docstring."""
    started = datetime.now(UTC)
    with Session.open(ctx) as session, session.pool() as pool:
        outcomes = _Sender(ctx, session, pool).run()
    return RunReport.build(
        integration=ctx.integration, action="send", outcomes=outcomes, started=started
    )
