"""The Local Folder Plugin keeps the contract of semine_plugins: the conformance suite."""

import pytest

from semine_plugins.testing import ConformanceSetup, PluginConformance


class TestLocalFolderPlugin(PluginConformance):
    """Every test of the conformance suite, run against the installed plugin."""

    plugin_name = "localfolder"

    @pytest.fixture
    def conformance(self, tmp_path):
        """Two empty folders; files are put in the inbox and read from the outbox."""
        inbox, outbox = tmp_path / "in", tmp_path / "out"
        inbox.mkdir()
        outbox.mkdir()
        return ConformanceSetup(
            settings={"inbox": str(inbox), "outbox": str(outbox)},
            unreachable={"inbox": str(tmp_path / "not-mounted")},
            put_inbound=lambda name, data: (inbox / name).write_bytes(data),
            outbound=lambda: {p.name: p.read_bytes() for p in outbox.glob("*.xml")},
            invalid=[{"outbox": str(inbox)}],
        )
