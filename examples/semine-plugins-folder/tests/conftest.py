"""Fixtures: an integration of the Folder Plugin on the kit's SEMINE sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from semine_plugins.testing import IntegrationWorld


class Folders:
    """The inbox and outbox of one test, and what is in them."""

    def __init__(self, root: Path) -> None:
        self.inbox = root / "in"
        self.outbox = root / "out"
        self.inbox.mkdir(parents=True)
        self.outbox.mkdir(parents=True)

    def put(self, name: str, data: bytes) -> Path:
        path = self.inbox / name
        path.write_bytes(data)
        return path

    @staticmethod
    def names(folder: Path) -> list[str]:
        """Every entry in ``folder``, hidden ones included."""
        return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.fixture
def folders(tmp_path: Path) -> Folders:
    return Folders(tmp_path / "share")


@pytest.fixture
def world(integration_world: Callable[..., IntegrationWorld], folders: Folders) -> IntegrationWorld:
    """The integration ``acme``: plugin ``folder`` on the sandbox, files settle at once."""
    return integration_world(
        "folder",
        {"inbox": str(folders.inbox), "outbox": str(folders.outbox), "stable_seconds": 0},
    )
