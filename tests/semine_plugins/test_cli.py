"""The command line skeleton: plugins list/show, integrations list, errors and exit codes."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from semine_plugins.cli import _BUILTIN_LAZY, cli


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_plugins_show_prints_the_seeds_table() -> None:
    """`plugins show ftp` prints the seed's labels, * marks and the port default."""
    code, out, _ = invoke("plugins", "show", "ftp", "--no-advanced")
    assert code == 0
    for label in (
        "Host*",
        "Ftp username*",
        "Ftp password*",
        "Ftp folder*",
        "Ftp port*",
        "Success folder",
        "Failure folder",
        "Ignore root folder files",
    ):
        assert label in out
    port_line = next(line for line in out.splitlines() if line.startswith("Ftp port*"))
    assert " 22 " in port_line
    assert "Host key fingerprint" not in out


def test_plugins_show_json_is_the_schema() -> None:
    """`--format json` gives a valid JSON Schema with required fields, defaults and secrets."""
    code, out, _ = invoke("plugins", "show", "ftp", "--format", "json")
    assert code == 0
    schema = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert "host" in schema["required"]
    assert schema["properties"]["port"]["default"] == 22
    assert schema["properties"]["password"]["writeOnly"] is True


def test_plugins_show_markdown() -> None:
    """`--format markdown` prints a table to paste into docs."""
    code, out, _ = invoke("plugins", "show", "ftp", "--format", "markdown")
    assert code == 0
    assert "| Ftp port* | 22 | Port used for SFTP connection (default is 22) |" in out


def test_unknown_plugin_exits_2() -> None:
    """An unknown plugin is a usage error with a message, not a traceback."""
    result = CliRunner().invoke(cli, ["plugins", "show", "nope"])
    assert result.exit_code == 2
    assert "no plugin named 'nope'" in result.stderr


def test_integrations_list(tmp_path: Path) -> None:
    """`integrations list` shows the file's integrations; secrets are not read or shown."""
    path = tmp_path / "c.toml"
    path.write_text(
        """
[integrations.acme]
plugin = "ftp"
semine_url = "https://api.example.invalid"
semine_email = "integration@acme.no"
semine_password = { env = "UNSET_VARIABLE" }
"""
    )
    code, out, _ = invoke("--config", str(path), "integrations", "list", "--format", "json")
    assert code == 0
    (row,) = json.loads(out)["integrations"]
    assert row["name"] == "acme"
    assert row["plugin"] == "ftp"


def test_missing_config_exits_2(tmp_path: Path) -> None:
    """A missing configuration file is exit 2 with the path in the message."""
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "x.toml"), "integrations", "list"])
    assert result.exit_code == 2
    assert "x.toml does not exist" in result.stderr


def test_invalid_settings_exit_2_naming_the_field(tmp_path: Path) -> None:
    """Invalid plugin settings stop a command with exit 2 naming file, integration and field."""
    path = tmp_path / "c.toml"
    path.write_text(
        """
[integrations.acme]
plugin = "ftp"
semine_url = "https://api.example.invalid"
semine_token = "t"
[integrations.acme.settings]
host = "h"
port = 0
"""
    )
    result = CliRunner().invoke(cli, ["--config", str(path), "send", "acme"])
    assert result.exit_code == 2
    assert "integration 'acme', field 'port'" in result.stderr
    assert "field 'username'" in result.stderr
    assert "Traceback" not in result.stderr


def test_integrations_add_writes_flag_values_with_the_fields_types(tmp_path: Path) -> None:
    """`--set port=2222` is written as a number, `--set ...=no` as false, text stays text."""
    path = tmp_path / "c.toml"
    code, _, err = invoke(
        *("--config", str(path), "integrations", "add", "acme", "--plugin", "ftp"),
        *("--no-input", "--no-test", "--semine-url", "https://api.example.invalid"),
        *("--semine-token-env", "ACME_TOKEN", "--secret-env", "password=ACME_FTP_PASSWORD"),
        *("--set", "host=sftp.example.invalid", "--set", "port=2222"),
        *("--set", "username=semine", "--set", "folder=/invoices"),
        *("--set", "ignore_root_folder_files=no", "--set", "connect_timeout=7.5"),
    )
    assert code == 0, err
    settings = tomllib.loads(path.read_text())["integrations"]["acme"]["settings"]
    assert settings == {
        "host": "sftp.example.invalid",
        "port": 2222,
        "username": "semine",
        "folder": "/invoices",
        "ignore_root_folder_files": False,
        "connect_timeout": 7.5,
        "password": {"env": "ACME_FTP_PASSWORD"},
    }


def test_help_lists_every_command_without_loading_the_heavy_libraries() -> None:
    """`--help` names demo, sandbox and validate from their own first line, loading none of them."""
    script = (
        "import sys\n"
        "from semine_plugins.cli import cli\n"
        "cli.main(['--help'], prog_name='semine-plugins', standalone_mode=False)\n"
        "heavy = ('asyncssh', 'starlette', 'uvicorn', 'httpx', 'lxml', 'xmlschema')\n"
        "print('loaded:', sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert "loaded: []" in result.stdout
    listed = " ".join(result.stdout.split())
    for name, lazy in _BUILTIN_LAZY.items():
        assert f"{name} {lazy.summary[:30]}" in listed
        command = getattr(importlib.import_module(lazy.module), lazy.attribute)
        assert (command.help or "").startswith(lazy.summary)


def test_python_dash_m_works(run_cli) -> None:
    """`python -m semine_plugins` is the same program as the console script."""
    result = run_cli("--version")
    assert result.returncode == 0
    assert "semine-plugins" in result.stdout
