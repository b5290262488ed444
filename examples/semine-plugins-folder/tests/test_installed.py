"""Installed, the plugin is found by the command line like any other."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import Folders
from semine_plugins.testing import IntegrationWorld


def semine_plugins(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "semine_plugins", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_plugins_list_shows_the_folder_plugin() -> None:
    out = semine_plugins("plugins", "list", "--format", "json")
    assert out.returncode == 0, out.stderr
    records = {r["name"]: r for r in json.loads(out.stdout)}
    assert records["folder"]["title"] == "Folder Plugin"
    assert records["folder"]["distribution"] == "semine-plugins-folder"
    assert records["folder"]["ok"] is True


def test_the_command_line_receives_through_the_plugin(
    world: IntegrationWorld, folders: Folders
) -> None:
    folders.put("a.xml", world.sandbox.document("CLI-1"))
    config = world.write_config()
    # The world's environment keeps the integration's state in the test's folder.
    out = semine_plugins("--config", str(config), "receive", "acme", env=world.env())
    assert out.returncode == 0, out.stderr
    assert "1 imported" in out.stdout + out.stderr
    assert len(world.sandbox.received()) == 1
    assert folders.names(folders.inbox / "done") == ["a.xml"]
