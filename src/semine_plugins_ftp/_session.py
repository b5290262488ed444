"""One run's resources: the state store, the verified SFTP configuration, connections."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from semine_plugins import IntegrationContext
from semine_plugins_ftp._remote import RemoteFS, RemoteNotFoundError, SFTPConfig, SFTPPool, connect
from semine_plugins_ftp._settings import FtpSettings
from semine_plugins_ftp._state import StateStore, StorePins

__all__ = ["Session", "run_bounded", "state_path"]

STATE_FILE = "ftp-state.sqlite3"

T = TypeVar("T")
R = TypeVar("R")


def state_path(ctx: IntegrationContext) -> Path:
    """Where this integration's state lives: ``state_path`` or the integration's state folder."""
    settings: FtpSettings = ctx.settings
    return settings.state_path or ctx.state_dir / STATE_FILE


class Session:
    """The state store and SFTP configuration of one run."""

    def __init__(self, settings: FtpSettings, store: StateStore) -> None:
        self.settings = settings
        self.store = store
        self.config = SFTPConfig.from_settings(settings, pin_store=StorePins(store))

    @classmethod
    @contextmanager
    def open(cls, ctx: IntegrationContext) -> Iterator[Session]:
        """Open the integration's state store for the length of a run."""
        with StateStore(state_path(ctx)) as store:
            yield cls(ctx.settings, store)

    @contextmanager
    def pool(self) -> Iterator[SFTPPool]:
        """Up to ``connections`` SFTP connections, opened as needed."""
        with SFTPPool(self.config, size=self.settings.connections) as pool:
            yield pool

    @contextmanager
    def lister(self) -> Iterator[RemoteFS]:
        """A connection of its own for walking a folder while workers use the pool."""
        with connect(self.config) as fs:
            yield fs

    def require_folder(self, fs: RemoteFS, folder: str) -> None:
        """Raise a clear error when the main folder is missing."""
        if not fs.isdir(folder):
            raise RemoteNotFoundError(
                f"the Ftp folder {folder} does not exist on {self.settings.host} (or user "
                f"{self.settings.username!r} cannot see it); create it, or correct 'folder'"
            )


def run_bounded(
    work: Callable[[T], R],
    items: Iterable[T],
    collect: Callable[[Future[R]], None],
    *,
    workers: int,
    name: str,
) -> None:
    """Run ``work`` on each item in ``workers`` threads; ``collect`` each finished future.

    At most two items per worker are queued: the next item is taken from
    ``items`` only when there is room, so a long listing is never queued
    whole. ``collect`` runs in the calling thread.
    """
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name) as ex:
        pending: set[Future[R]] = set()
        for item in items:
            while len(pending) >= workers * 2:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    pending.discard(f)
                    collect(f)
            pending.add(ex.submit(work, item))
        for f in pending:
            collect(f)
