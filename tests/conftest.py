"""Suite-wide fixtures: every test gets its own data folder and a clean plugin environment."""

from __future__ import annotations

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
