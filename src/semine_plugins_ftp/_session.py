"""One run's resources: the state store, the verified SFTP configuration, connections."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from semine_plugins import IntegrationContext
from semine_plugins_ftp._remote import RemoteFS, RemoteNotFoundError, SFTPConfig, SFTPPool, connect
from semine_plugins_ftp._settings import FtpSettings
from semine_plugins_ftp._state import StateStore, StorePins

__all__ = ["Session", "state_path"]

STATE_FILE = "ftp-state.sqlite3"


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
