"""The plugin-author testing kit: light to load, clear without its extra, strict on plugins."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from semine_plugins import Outcome
from semine_plugins.testing import SFTP_PASSWORD, SFTP_USER, IntegrationWorld, SemineSandbox
from semine_plugins.testing.sftp import SFTPServer

pytest_plugins = ["pytester"]

LEAKY_PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "semine-plugins-leaky"
version = "0.1.0"

[tool.hatch.build.targets.wheel]
packages = ["leaky_plugin", "misshaped_plugin"]

[project.entry-points.semine_plugins]
leaky = "leaky_plugin"
misshaped = "misshaped_plugin"
"""

# A hook that asks for a parameter no hookspec passes: pluggy refuses it at load.
MISSHAPED = """
import attrs
from semine_plugins import PluginInfo, hookimpl


@attrs.frozen
class NoSettings:
    pass


@hookimpl
def plugin_info():
    return PluginInfo(title="Misshaped", settings=NoSettings, description="Wrong hooks")


@hookimpl
def receive(ctx, folder):
    return None
"""

# A plugin with the mistakes plugin authors make; each must be caught and explained.
LEAKY = '''
"""Imports every file in a folder, and gets the contract wrong in many ways."""
import uuid
from datetime import UTC, datetime
from pathlib import Path

import attrs
from semine_plugins import (Check, CheckStatus, ConnectionReport, FileOutcome, Outcome,
                            PluginInfo, RunReport, hookimpl, setting)


@attrs.frozen(kw_only=True)
class LeakySettings:
    folder: str = setting(label="Folder", required=True, description="Where files are")
    password: str = setting(label="Password", required=True)


@hookimpl
def plugin_info():
    return PluginInfo(title="Leaky", settings=LeakySettings)


@hookimpl
def configure(settings, integration):
    if settings.folder == "/":
        raise ValueError("not the root folder")
    return settings


@hookimpl
def test_connection(ctx):
    Path(ctx.settings.folder).stat()
    passed = Check(name="folder", title="folder", status=CheckStatus.PASSED)
    return ConnectionReport(checks=[passed])


@hookimpl
def receive(ctx):
    started = datetime.now(UTC)
    ctx.log.info("reading %s with password %s", ctx.settings.folder, ctx.settings.password)
    outcomes = []
    for path in sorted(Path(ctx.settings.folder).iterdir()):
        result = ctx.semine.import_document(path.read_bytes(), idempotency_key=str(uuid.uuid4()))
        outcomes.append(
            FileOutcome(outcome=Outcome.IMPORTED, name=path.name, invoice_id=str(result.id))
        )
    return RunReport.build(
        integration=ctx.integration, action="receive", outcomes=outcomes, started=started
    )
'''

LEAKY_TESTS = """
import pytest
from semine_plugins.testing import ConformanceSetup, PluginConformance


class TestLeaky(PluginConformance):
    plugin_name = "leaky"

    @pytest.fixture
    def conformance(self, tmp_path):
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        return ConformanceSetup(
            settings={"folder": str(inbox), "password": "hunter2-secret"},
            unreachable={"folder": str(tmp_path / "not-mounted")},
            put_inbound=lambda name, data: (inbox / name).write_bytes(data),
            outbound=lambda: {},
            invalid=[{"folder": "/"}],
        )


class TestMisshaped(PluginConformance):
    plugin_name = "misshaped"

    @pytest.fixture
    def conformance(self, tmp_path):
        return ConformanceSetup(settings={}, unreachable={})
"""


def test_loading_the_pytest_plugin_imports_no_server_library() -> None:
    """Every pytest run loads the plugin; it must not need the sandbox extra's libraries."""
    code = (
        "import sys, semine_plugins.testing.pytest_plugin, semine_plugins.testing\n"
        "heavy = ('asyncssh', 'starlette', 'uvicorn', 'httpx', 'lxml', 'paramiko')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_fixtures_without_the_extra_say_what_to_install(pytester: pytest.Pytester) -> None:
    """Without asyncssh/starlette/uvicorn, a server fixture fails naming the extra; others work."""
    pytester.makeconftest(
        """
        import sys
        for name in ("asyncssh", "starlette", "uvicorn"):
            sys.modules[name] = None  # as if semine-plugins[sandbox] were not installed
        """
    )
    pytester.makepyfile(
        """
        def test_sandbox(semine_sandbox):
            pass

        def test_sftp(sftp_server):
            pass

        def test_host(plugin_host):
            assert plugin_host.get("ftp").title == "Ftp Plugin"
        """
    )
    # -rN: no short summary, whose lines pytest truncates on a terminal but not
    # under CI (the CI variable), so the count would depend on where it runs.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rN")
    result.assert_outcomes(passed=1, errors=2)
    out = result.stdout.str()
    for line in (
        "the SEMINE sandbox needs starlette, uvicorn, which is not installed; "
        "install the testing extra: pip install 'semine-plugins[sandbox]'",
        "the in-process SFTP server needs asyncssh, which is not installed; "
        "install the testing extra: pip install 'semine-plugins[sandbox]'",
    ):
        assert out.count(line) == 1, out


def test_a_broken_plugin_fails_the_conformance_suite_saying_what_to_fix(
    pytester: pytest.Pytester,
    installed: Callable[[dict[str, str]], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each mistake of the leaky plugin fails a conformance test whose message says the fix."""
    site = installed(
        {
            "pyproject.toml": LEAKY_PYPROJECT,
            "leaky_plugin/__init__.py": LEAKY,
            "misshaped_plugin/__init__.py": MISSHAPED,
        }
    )
    monkeypatch.setenv("PYTHONPATH", str(site))
    pytester.makepyfile(test_leaky=LEAKY_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rf")
    # Leaky: only "accepts the good settings", "passes with good settings" and "moves no
    # invoice" hold. Misshaped does not even load: every test fails saying so.
    result.assert_outcomes(failed=12 + 15, passed=3)
    result.stdout.fnmatch_lines_random(
        [
            # the description, and a send hook for the default directions
            "*PluginInfo.description is empty: say in a sentence what it does",
            "*the 'send' hook is not implemented: add `@hookimpl def send(ctx): ...` "
            "or remove it from PluginInfo.directions",
            # the settings schema
            "*LeakySettings.password has no description*",
            "*LeakySettings.password looks like a secret (its name) but is not marked: "
            "declare it with setting(..., secret=True) and type it Secret",
            # configure
            "*configure raised ValueError (not the root folder); raise "
            "semine_plugins.SettingsError with one FieldError per problem instead*",
            # test_connection
            "*test_connection raised FileNotFoundError for an unreachable target*",
            "*test_connection passed although SEMINE refuses the credentials",
            "*add a check that logs in to SEMINE: ctx.semine.authenticate()",
            # receive
            "*observers did not hear the import: call ctx.events.outcome(outcome)*",
            "*a second receive imported again*",
            "*the same document under another name became a second invoice: import with "
            "an idempotency key derived from the content*",
            # stopping
            "*receive imported a file although ctx.stop was set",
            # a hook with a parameter no hookspec passes
            "*plugin 'misshaped' is installed but broken",
            "*the host says: invalid hook implementations: Plugin 'misshaped' for hook 'receive'",
            "*Argument(s) {'folder'} are declared in the hookimpl but can not be found in the "
            "hookspec",
            "*a hook implementation may take only parameters its hookspec names "
            "(see semine_plugins.hookspecs); remove or rename the others",
            # secrets
            "*a secret value leaks*",
            "*the value of settings.password appears in repr(settings)*",
            "*the value of settings.password appears in a log record of "
            "'semine_plugins.leaky': '* with password <settings.password>'",
        ]
    )
    # The failure messages mask the value (pytest's own captured-log section shows the records).
    failures = result.stdout.str().split("Captured log call")[0]
    assert "hunter2-secret" not in failures


def test_the_fixtures_compose_into_a_working_integration(
    semine_sandbox: SemineSandbox,
    sftp_server: SFTPServer,
    integration_world: Callable[..., IntegrationWorld],
) -> None:
    """Sandbox, SFTP server and world: the Ftp plugin receives a file end to end."""
    assert semine_sandbox.client.organization_number == "123456785"
    sftp_server.mkdir("invoices")
    world = integration_world(
        "ftp",
        {
            "host": sftp_server.host,
            "port": sftp_server.port,
            "username": SFTP_USER,
            "password": SFTP_PASSWORD,
            "folder": "/invoices",
            "stable_seconds": 0,
        },
    )
    assert world.check().ok
    sftp_server.write("invoices/a.xml", semine_sandbox.document("K-1"))
    (outcome,) = world.receive().outcomes
    assert outcome.outcome is Outcome.IMPORTED
    assert semine_sandbox.stored_document(outcome.invoice_id or "") == semine_sandbox.document(
        "K-1"
    )
    assert [c["status"] for c in semine_sandbox.imports()] == [201]
    invoice = semine_sandbox.seed(invoiceNumber="K-2")
    assert semine_sandbox.status(invoice) == "Posting"
    assert [o.invoice_id for o in world.send().outcomes] == [str(invoice)]
    assert semine_sandbox.status(invoice) == "Posted"
