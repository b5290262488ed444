"""Plugin discovery, isolation, allow/block lists, strict mode and routing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from semine_plugins import (
    PluginError,
    SettingsError,
    UnknownPluginError,
    get_plugin_host,
    load_config,
)
from semine_plugins._runner import Runner


def test_importing_the_framework_loads_no_plugin() -> None:
    """Plugins are discovered on first use, never at import time."""
    code = "import semine_plugins, sys; print('semine_plugins_ftp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_ftp_plugin_is_discovered_through_its_entry_point() -> None:
    """The bundled Ftp plugin registers exactly as a third party would."""
    record = get_plugin_host().get("ftp")
    assert record.title == "Ftp Plugin"
    assert record.distribution == "semine-plugins"


def test_third_party_plugin_discovered_and_broken_ones_isolated(with_thirdparty: Path) -> None:
    """A working third-party plugin loads; broken ones are reported by name and error."""
    records = {r.name: r for r in get_plugin_host().records()}
    assert records["folder"].ok
    assert records["folder"].title == "Folder Plugin"
    assert records["folder"].version == "1.2.3"
    assert records["folder"].distribution == "semine-thirdparty-example"
    assert records["ftp"].ok
    assert not records["broken"].ok
    assert "frobnicate" in (records["broken"].error or "")
    assert not records["misspelled"].ok
    assert "sendd" in (records["misspelled"].error or "")
    assert "misspelled?" in (records["misspelled"].error or "")


def test_using_a_broken_plugin_says_why(with_thirdparty: Path) -> None:
    """Asking for a broken plugin names its error."""
    with pytest.raises(UnknownPluginError, match="frobnicate"):
        get_plugin_host().get("broken")


def test_unknown_plugin_lists_installed_ones() -> None:
    """A misspelled plugin name lists what is installed."""
    with pytest.raises(UnknownPluginError, match=r"installed: .*ftp"):
        get_plugin_host().get("fpt")


def test_strict_mode_fails_on_a_broken_plugin(with_thirdparty: Path) -> None:
    """SEMINE_PLUGINS_STRICT turns a broken plugin into an error naming it."""
    host = get_plugin_host(env={"SEMINE_PLUGINS_STRICT": "1"})
    with pytest.raises(PluginError, match=r"broken.*frobnicate"):
        host.records()


def test_allow_list_loads_only_named_plugins(with_thirdparty: Path) -> None:
    """SEMINE_PLUGINS_ALLOW keeps everything else out, broken plugins included."""
    host = get_plugin_host(env={"SEMINE_PLUGINS_ALLOW": "folder"})
    assert [r.name for r in host.records()] == ["folder"]
    with pytest.raises(UnknownPluginError, match="SEMINE_PLUGINS_ALLOW"):
        host.get("ftp")


def test_block_list_keeps_plugins_out(with_thirdparty: Path) -> None:
    """SEMINE_PLUGINS_BLOCK stops a plugin from loading, so strict mode passes."""
    host = get_plugin_host(
        env={"SEMINE_PLUGINS_BLOCK": "broken, misspelled", "SEMINE_PLUGINS_STRICT": "1"}
    )
    assert {r.name for r in host.records()} == {"folder", "ftp", "observer"}


def test_cli_lists_plugins_and_survives_broken_ones(with_thirdparty: Path, run_cli) -> None:
    """`plugins list` shows working and broken plugins and exits 0."""
    result = run_cli("plugins", "list", "--format", "json", site=with_thirdparty)
    assert result.returncode == 0, result.stderr
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["ftp"]["ok"] is True
    assert rows["folder"]["version"] == "1.2.3"
    assert rows["broken"]["ok"] is False
    assert "frobnicate" in rows["broken"]["error"]
    table = run_cli("plugins", "list", site=with_thirdparty)
    assert "BROKEN" in table.stdout
    assert "Folder Plugin" in table.stdout


def test_cli_strict_mode_exits_2(with_thirdparty: Path, run_cli) -> None:
    """In strict mode a broken plugin is a configuration error (exit 2)."""
    result = run_cli("plugins", "list", site=with_thirdparty, env={"SEMINE_PLUGINS_STRICT": "1"})
    assert result.returncode == 2
    assert "broken" in result.stderr
    assert "Traceback" not in result.stderr


class _Echo:
    """A second plugin implementing send, to prove routing."""

    def __init__(self) -> None:
        self.calls = 0

    from semine_plugins import hookimpl

    @hookimpl
    def plugin_info(self):  # type: ignore[no-untyped-def]
        import attrs

        from semine_plugins import PluginInfo

        @attrs.frozen
        class S:
            pass

        return PluginInfo(title="Echo", settings=S)

    @hookimpl
    def send(self, ctx):  # type: ignore[no-untyped-def]
        from semine_plugins import RunReport

        self.calls += 1
        return RunReport(integration=ctx.integration, action="send")


def _write_config(tmp_path: Path) -> Path:
    path = tmp_path / "semine-plugins.toml"
    path.write_text(
        """
[integrations.to-folder]
plugin = "folder"
semine_url = "http://127.0.0.1:9"
semine_email = "a@example.no"
semine_password = "pw-never-shown"
[integrations.to-folder.settings]
path = "/out"

[integrations.to-echo]
plugin = "echo"
semine_url = "http://127.0.0.1:9"
semine_token = "tok-never-shown"
"""
    )
    return path


def test_an_integration_reaches_only_its_own_plugin(with_thirdparty: Path, tmp_path: Path) -> None:
    """Two plugins implement send: each integration's call reaches its own only."""
    echo = _Echo()
    host = get_plugin_host(plugins={"echo": echo})
    runner = Runner(host, load_config(_write_config(tmp_path)))
    report = runner.send("to-folder")
    assert [o.path for o in report.outcomes] == ["/out"]
    assert echo.calls == 0
    assert runner.send("to-echo").outcomes == ()
    assert echo.calls == 1


def test_observers_hear_every_integration(with_thirdparty: Path, tmp_path: Path) -> None:
    """A broadcast hook implementation hears runs of every integration."""
    host = get_plugin_host(plugins={"echo": _Echo()})
    runner = Runner(host, load_config(_write_config(tmp_path)))
    runner.send("to-folder")
    runner.send("to-echo")
    import thirdparty_observer

    assert ("sent", "to-folder", "1") in thirdparty_observer.HEARD
    assert ("finished", "to-folder", "folder") in thirdparty_observer.HEARD
    assert ("finished", "to-echo", "echo") in thirdparty_observer.HEARD


def test_plugin_configure_errors_name_file_and_integration(
    with_thirdparty: Path, tmp_path: Path
) -> None:
    """A plugin's own rule violations come back with the file and integration attached."""
    cfg = _write_config(tmp_path)
    cfg.write_text(cfg.read_text().replace('path = "/out"', 'path = "/"'))
    runner = Runner(get_plugin_host(), load_config(cfg))
    with pytest.raises(SettingsError) as info:
        runner.context("to-folder")
    (err,) = info.value.errors
    assert err.source == str(cfg)
    assert err.integration == "to-folder"
    assert err.field == "path"
