"""The Folder Plugin keeps the contract of semine_plugins: the kit's conformance suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from semine_plugins.testing import ConformanceSetup, PluginConformance


class TestFolderConformance(PluginConformance):
    plugin_name = "folder"

    @pytest.fixture
    def conformance(self, tmp_path: Path) -> ConformanceSetup:
        inbox, outbox = tmp_path / "in", tmp_path / "out"
        inbox.mkdir()
        outbox.mkdir()
        return ConformanceSetup(
            settings={"inbox": str(inbox), "outbox": str(outbox), "stable_seconds": 0},
            unreachable={"inbox": str(tmp_path / "not-mounted" / "in")},
            put_inbound=lambda name, data: (inbox / name).write_bytes(data),
            outbound=lambda: {p.name: p.read_bytes() for p in outbox.iterdir() if p.is_file()},
            invalid=[
                {"outbox": str(inbox)},
                {"inbox": "relative/in"},
                {"done_folder": str(outbox)},
            ],
        )
