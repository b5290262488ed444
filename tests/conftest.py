"""Suite-wide fixtures: every test gets its own data folder and a clean plugin environment."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep integration state in a temporary folder and clear the plugin switches."""
    monkeypatch.setenv("SEMINE_PLUGINS_DATA_DIR", str(tmp_path / "data"))
    for name in (
        "SEMINE_PLUGINS_STRICT",
        "SEMINE_PLUGINS_ALLOW",
        "SEMINE_PLUGINS_BLOCK",
        "SEMINE_PLUGINS_TRACE",
        "SEMINE_PLUGINS_CONFIG",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _logging_levels_restored() -> Iterator[None]:
    """The CLI sets library loggers' levels when it runs in-process; undo it after each test."""
    names = ("", "semine_plugins", "httpx", "httpcore", "paramiko", "asyncssh", "uvicorn")
    levels = {n: logging.getLogger(n).level for n in names}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
