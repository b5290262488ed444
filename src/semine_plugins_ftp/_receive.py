"""receive: SFTP → SEMINE, losing nothing and importing nothing twice.

For each regular ``*.xml`` file directly in the main folder (any case; dot-files,
temporary names and files still being written are left alone):

1. download it (size-capped) and check it is well-formed, safe, valid UBL 2.1;
2. record ``importing`` with the content's SHA-256 and import the **original
   bytes** with that hash as the idempotency key;
3. record ``imported``, then move the file to the Success folder (a free name
   if the name is taken) or delete it when none is configured.

A file is taken out of the main folder only after SEMINE confirmed the import;
a crash anywhere is finished by the next run without a second invoice (see
:mod:`semine_plugins_ftp._state`). Rejected or invalid files go to the Failure
folder with ``<name>.error.txt`` beside them, or stay where they are, reported
once until they change. Passing failures (network, SEMINE 5xx) leave the file
for the next run, up to ``max_attempts``.
"""

from __future__ import annotations

import contextlib
import hashlib
import posixpath
import re
import threading
import time
from collections.abc import Generator, Iterator
from concurrent.futures import Future
from datetime import UTC, datetime

from semine_plugins import (
    FileOutcome,
    IntegrationContext,
    Outcome,
    RunReport,
    TransferError,
    UBLError,
)
from semine_plugins.semine import (
    AuthenticationError,
    RejectedError,
    TooLargeError,
    TransientError,
)
from semine_plugins.ubl import parse_and_validate
from semine_plugins_ftp._remote import (
    RemoteEntry,
    RemoteFS,
    RemoteNotFoundError,
    RemotePathError,
    SFTPPool,
    check_name,
)
from semine_plugins_ftp._session import Session, run_bounded
from semine_plugins_ftp._settings import FtpSettings
from semine_plugins_ftp._state import FAILED, IMPORTED, IMPORTING, RETRY, FileState

__all__ = ["is_candidate", "receive"]

# Names other programs use while writing (WinSCP, FileZilla, rsync, our own uploads).
_TEMP_SUFFIXES = (".part", ".filepart", ".tmp", ".temp", ".partial", ".writing", "~")
_MAX_YOUNG = 10_000  # files re-checked for stability in one run; the rest wait a run
# Our own temporary names (RemoteFS.upload_atomic, the write probe). One left behind by an
# upload whose connection dropped is removed once it is this old: no upload takes an hour.
_ABANDONED = re.compile(r"^\..+\.[0-9a-f]{12}\.part$|^\.semine-probe\.[0-9a-f]+(\.part)?$")
_ABANDONED_AFTER = 3600
_MAX_SWEEP = 100  # abandoned files removed per run
# An upload is remembered at least this long (seconds) after it was made, and then
# until a complete listing no longer shows it; the margin covers a listing that
# ran while the upload was being renamed into place.
_UPLOADS_KEPT = 24 * 3600
# How long (seconds) the finding "plain rename here never replaces a file" is trusted
# before the Success folder is probed again.
_RENAME_FACT_KEPT = 24 * 3600


def is_candidate(name: str) -> bool:
    """True for names receive takes: ``*.xml`` (any case), not hidden, not temporary."""
    lower = name.lower()
    return (
        lower.endswith(".xml")
        and not name.startswith(".")
        and not any(lower.endswith(s) for s in _TEMP_SUFFIXES)
    )


def _idempotency_key(sha256: str) -> str:
    return f"sha256-{sha256}"


def _describe_invalid(data: bytes) -> str | None:
    """Return why a document cannot be imported, or None when it is fine."""
    try:
        _, report = parse_and_validate(data)
    except UBLError as exc:
        return str(exc)
    if report.valid:
        return None
    shown = "; ".join(
        f"line {e.line}: {e.message}" if getattr(e, "line", None) else str(e.message)
        for e in report.errors[:3]
    )
    more = f" (and {len(report.errors) - 3} more)" if len(report.errors) > 3 else ""
    return f"not valid UBL 2.1: {shown}{more}"


class _Receiver:
    def __init__(self, ctx: IntegrationContext, session: Session, pool: SFTPPool) -> None:
        self.ctx = ctx
        self.s: FtpSettings = ctx.settings
        self.session = session
        self.store = session.store
        self.pool = pool
        self.folder = self.s.folder
        self._abort = threading.Event()  # SEMINE refused the credentials: stop taking files
        self.look_first = True  # ask whether a name is free before moving onto it

    def _stopping(self) -> bool:
        return self.ctx.stop.is_set() or self._abort.is_set()

    # ---------------------------------------------------------------- outcomes

    def _done(self, outcome: FileOutcome | None) -> FileOutcome | None:
        if outcome is not None:
            self.ctx.events.outcome(outcome)
            level = "warning" if outcome.outcome in (Outcome.FAILED, Outcome.RETRY) else "info"
            getattr(self.ctx.log, level)(
                "%s %s%s",
                outcome.outcome,
                outcome.name,
                f": {outcome.reason}" if outcome.reason else "",
                extra={"file": outcome.name, "invoice_id": outcome.invoice_id},
            )
        self.ctx.progress.advance()
        return outcome

    # ---------------------------------------------------------------- one file

    def process(self, fs: RemoteFS, entry: RemoteEntry) -> FileOutcome | None:
        """Take one file through the state machine; return its outcome (None: silent).

        ``entry`` is a listed candidate that is not one of our own uploads (see :meth:`run`).
        """
        name = entry.name
        path = posixpath.join(self.folder, name)
        mtime = int(entry.mtime)
        st = self.store.get(self.folder, name)
        if st is not None and not st.same_file(entry.size, mtime):
            st = None  # a new file under an old name
        if st is not None and st.state == FAILED:
            return None  # reported when it failed; silent until it changes
        if st is not None and st.state == IMPORTED and st.invoice_id:
            return self._finish(fs, entry, st.invoice_id, created=True)
        if entry.size > self.s.max_file_size:
            return self._fail(
                fs,
                entry,
                f"the file is {entry.size:,} bytes, more than the maximum of "
                f"{self.s.max_file_size:,} (max_file_size); raise the limit if it is genuine",
            )
        try:
            data = fs.read_capped(path, self.s.max_file_size, size=entry.size)
        except RemoteNotFoundError:
            return None  # gone since the listing (another reader took it)
        except TransferError as exc:
            return self._retry(fs, entry, st, None, f"could not download it: {exc}")
        if len(data) != entry.size:
            return FileOutcome(
                outcome=Outcome.SKIPPED,
                name=name,
                reason="the file changed while it was read; it is read again on the next run",
                path=path,
            )
        problem = _describe_invalid(data)
        if problem is not None:
            return self._fail(fs, entry, problem)
        sha = hashlib.sha256(data).hexdigest()
        attempts = (st.attempts if st is not None and st.sha256 == sha else 0) + 1
        resumed = st is not None and st.state == IMPORTING and st.sha256 == sha
        self.store.put(
            self.folder,
            name,
            size=entry.size,
            mtime=mtime,
            state=IMPORTING,
            sha256=sha,
            attempts=attempts,
        )
        try:
            result = self.ctx.semine.import_document(data, idempotency_key=_idempotency_key(sha))
        except (RejectedError, TooLargeError) as exc:
            return self._fail(fs, entry, f"SEMINE rejected the invoice: {exc}")
        except TransientError as exc:
            return self._retry(
                fs, entry, st, sha, f"SEMINE is unavailable ({exc})", attempts=attempts
            )
        self.store.put(
            self.folder,
            name,
            size=entry.size,
            mtime=mtime,
            state=IMPORTED,
            sha256=sha,
            attempts=attempts,
            invoice_id=str(result.id),
        )
        return self._finish(fs, entry, str(result.id), created=result.created or resumed)

    def _finish(
        self, fs: RemoteFS, entry: RemoteEntry, invoice_id: str, *, created: bool
    ) -> FileOutcome:
        path = posixpath.join(self.folder, entry.name)
        try:
            if self.s.success_folder:
                where = fs.move_unique(path, self.s.success_folder, look_first=self.look_first)
            else:
                fs.remove(path)
                where = None
        except RemoteNotFoundError:
            where = None  # already moved by an earlier run that died before it noted so
        except TransferError as exc:
            return FileOutcome(
                outcome=Outcome.WARNING,
                name=entry.name,
                invoice_id=invoice_id,
                path=path,
                reason=(
                    f"imported as invoice {invoice_id}, but it could not be moved out of the "
                    f"main folder ({exc}); the next run moves it without importing it again"
                ),
            )
        self.store.forget(self.folder, entry.name)
        return FileOutcome(
            outcome=Outcome.IMPORTED if created else Outcome.DUPLICATE,
            name=entry.name,
            invoice_id=invoice_id,
            path=where or "(deleted)",
            reason="" if created else "SEMINE already had this document; nothing new was created",
        )

    def _retry(
        self,
        fs: RemoteFS,
        entry: RemoteEntry,
        st: FileState | None,
        sha: str | None,
        why: str,
        *,
        attempts: int | None = None,
    ) -> FileOutcome:
        attempts = attempts if attempts is not None else (st.attempts if st else 0) + 1
        if attempts >= self.s.max_attempts:
            return self._fail(fs, entry, f"gave up after {attempts} attempts: {why}")
        self.store.put(
            self.folder,
            entry.name,
            size=entry.size,
            mtime=int(entry.mtime),
            state=RETRY,
            sha256=sha,
            attempts=attempts,
            reason=why,
        )
        return FileOutcome(
            outcome=Outcome.RETRY,
            name=entry.name,
            path=posixpath.join(self.folder, entry.name),
            reason=f"{why}; the file stays and is tried again on the next run "
            f"(attempt {attempts} of {self.s.max_attempts})",
        )

    def _fail(self, fs: RemoteFS, entry: RemoteEntry, reason: str) -> FileOutcome:
        path = posixpath.join(self.folder, entry.name)
        where: str | None = None
        if self.s.failure_folder:
            try:
                where = fs.move_unique(path, self.s.failure_folder)
                note = f"{posixpath.basename(where)}.error.txt"
                text = (
                    f"{entry.name} could not be imported into SEMINE.\n"
                    f"Time: {datetime.now(UTC).isoformat(timespec='seconds')}\n"
                    f"Integration: {self.ctx.integration}\n"
                    f"Reason: {reason}\n"
                )
                fs.upload_atomic(self.s.failure_folder, note, text.encode(), overwrite=True)
            except TransferError as exc:
                if where is None:
                    reason = f"{reason} (it could not be moved to the Failure folder: {exc})"
        if where is None:
            # Left in place: remember it so it is not reported again until it changes.
            self.store.put(
                self.folder,
                entry.name,
                size=entry.size,
                mtime=int(entry.mtime),
                state=FAILED,
                reason=reason,
            )
        else:
            self.store.forget(self.folder, entry.name)  # it left the main folder
        return FileOutcome(
            outcome=Outcome.FAILED, name=entry.name, reason=reason, path=where or path
        )

    # ---------------------------------------------------------------- the run

    def root_warnings(self, fs: RemoteFS) -> Iterator[FileOutcome]:
        if self.s.ignore_root_folder_files or self.folder == "/":
            return
        try:
            entries = list(fs.listdir("/"))
        except TransferError as exc:
            self.ctx.log.debug("cannot list the root folder to look for misplaced files: %s", exc)
            return
        for e in entries:
            if e.is_file and is_candidate(e.name):
                yield FileOutcome(
                    outcome=Outcome.WARNING,
                    name=e.name,
                    path=posixpath.join("/", e.name),
                    reason=(
                        f"an XML file lies in the root folder '/', but the Ftp folder is "
                        f"{self.folder}; it is not imported. Move it into {self.folder}, or "
                        "turn on 'Ignore root folder files' to silence this warning"
                    ),
                )

    def run(self) -> list[FileOutcome]:
        outcomes: list[FileOutcome] = []
        with self.pool.connection() as fs:
            self.session.require_folder(fs, self.folder)
            for folder in (self.s.success_folder, self.s.failure_folder):
                if folder:
                    fs.makedirs(folder)
            self.look_first = self._rename_may_replace(fs)
            for warning in self.root_warnings(fs):
                outcomes.append(warning)
                self.ctx.events.outcome(warning)
        self.ctx.semine.resolve_client()  # wrong credentials stop the run before any file
        self.ctx.progress.start(None, "receive")
        with contextlib.closing(self._candidates(outcomes)) as entries:
            run_bounded(
                self._with_connection,
                entries,
                lambda f: self._collect(f, outcomes),
                workers=self.pool.size,
                name="receive",
            )
        self.ctx.progress.finish()
        return outcomes

    def _rename_may_replace(self, fs: RemoteFS) -> bool:
        """Whether a move into the Success folder must ask first if the name is free.

        SFTP's plain rename never replaces a file, but some servers' does; the
        server is probed (at most once a day) and, when it keeps to the
        protocol, each move saves the round trip of asking first.
        """
        folder = self.s.success_folder
        if not folder:
            return True
        key = f"rename-replaces {self.s.host}:{self.s.port} {folder}"
        known = self.store.get_fact(key, since=time.time() - _RENAME_FACT_KEPT)
        if known is None:
            try:
                known = "yes" if fs.rename_replaces(folder) else "no"
            except TransferError as exc:
                self.ctx.log.debug("could not probe renames in %s: %s", folder, exc)
                return True
            self.store.set_fact(key, known)
        return known != "no"

    def _candidates(self, outcomes: list[FileOutcome]) -> Generator[RemoteEntry, None, None]:
        """Yield the files to take, as the listing finds them (young ones once settled)."""
        young: list[RemoteEntry] = []
        abandoned: list[str] = []
        ours: set[str] = set()
        with self.session.lister() as lister:
            now = time.time()
            for entry in lister.listdir(self.folder):
                if self._stopping():
                    break
                if not entry.is_file or not is_candidate(entry.name):
                    if (
                        entry.is_file
                        and _ABANDONED.match(entry.name)
                        and now - entry.mtime > _ABANDONED_AFTER
                        and len(abandoned) < _MAX_SWEEP
                    ):
                        abandoned.append(entry.name)
                    continue
                try:
                    check_name(entry.name)
                except RemotePathError as exc:
                    outcomes.append(
                        FileOutcome(outcome=Outcome.SKIPPED, name=entry.name, reason=str(exc))
                    )
                    continue
                if self.store.uploaded(self.folder, entry.name, entry.size):
                    ours.add(entry.name)
                    continue  # ours (send): never imported back, no need to wait for it
                if now - entry.mtime < self.s.stable_seconds:
                    if len(young) < _MAX_YOUNG:
                        young.append(entry)
                    continue
                yield entry
            else:  # the whole folder was listed: uploads no longer there can be forgotten
                forgotten = self.store.forget_uploads(self.folder, ours, before=now - _UPLOADS_KEPT)
                if forgotten:
                    self.ctx.log.debug("forgot %d uploads taken from the main folder", forgotten)
            self._sweep(lister, abandoned)
            if young and not self._stopping():
                yield from self._settled(lister, young, outcomes)

    def _sweep(self, fs: RemoteFS, names: list[str]) -> None:
        """Remove temporary files an interrupted upload of ours left behind."""
        for name in names:
            path = posixpath.join(self.folder, name)
            try:
                fs.remove(path)
            except TransferError as exc:
                self.ctx.log.warning("could not remove abandoned temporary file %s: %s", path, exc)
            else:
                self.ctx.log.info("removed %s, left by an interrupted upload", path)

    def _settled(
        self, lister: RemoteFS, young: list[RemoteEntry], outcomes: list[FileOutcome]
    ) -> Iterator[RemoteEntry]:
        """Wait until the youngest file is old enough, then yield the unchanged ones."""
        newest = max(e.mtime for e in young)
        self.ctx.stop.wait(
            max(0.0, min(self.s.stable_seconds, newest + self.s.stable_seconds - time.time()))
        )
        for entry in young:
            try:
                now = lister.stat(posixpath.join(self.folder, entry.name))
            except TransferError:
                continue
            if now.st_size == entry.size and int(now.st_mtime or 0) == int(entry.mtime):
                yield entry
            else:
                outcomes.append(
                    FileOutcome(
                        outcome=Outcome.SKIPPED,
                        name=entry.name,
                        path=posixpath.join(self.folder, entry.name),
                        reason="the file is still being written; it is read on a later run",
                    )
                )

    def _with_connection(self, entry: RemoteEntry) -> FileOutcome | None:
        with self.pool.connection() as fs:
            return self._done(self.process(fs, entry))

    def _collect(self, f: Future[FileOutcome | None], outcomes: list[FileOutcome]) -> None:
        try:
            outcome = f.result()
        except AuthenticationError:
            self._abort.set()  # every other file would fail the same way
            raise
        if outcome is not None:
            outcomes.append(outcome)


def receive(ctx: IntegrationContext) -> RunReport:
    """Import the main folder's invoice files into SEMINE once; see the module docstring."""
    started = datetime.now(UTC)
    with Session.open(ctx) as session, session.pool() as pool:
        outcomes = _Receiver(ctx, session, pool).run()
    return RunReport.build(
        integration=ctx.integration, action="receive", outcomes=outcomes, started=started
    )
