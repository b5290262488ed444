"""Fixtures: a real third-party plugin distribution, and the sandbox from the testing kit.

The sandbox fixtures (``server``, ``admin``, ``company``) are the kit's
``semine_sandbox`` seen in parts, with a 200 kB import limit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from semine_plugins.sandbox import SandboxAdmin, SandboxClient, SandboxServer
from semine_plugins.testing import SemineSandbox

PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "semine-thirdparty-example"
version = "1.2.3"

[tool.hatch.build.targets.wheel]
packages = ["thirdparty_folder", "thirdparty_broken", "thirdparty_misspelled",
            "thirdparty_observer"]

[project.entry-points.semine_plugins]
folder = "thirdparty_folder"
broken = "thirdparty_broken"
misspelled = "thirdparty_misspelled"
observer = "thirdparty_observer"
"""

FOLDER = '''
"""A working third-party plugin: delivers invoices to a local folder."""
import attrs
from semine_plugins import (FileOutcome, Outcome, PluginInfo, RunReport, Secret,
                            SettingsError, FieldError, hookimpl, setting)


@attrs.frozen(kw_only=True)
class FolderSettings:
    path: str = setting(label="Folder", required=True, description="Where files go")
    token: Secret | None = setting(label="Token", secret=True, description="A secret")
    limit: int = setting(label="Limit", default=10, minimum=1, description="How many")


@hookimpl
def plugin_info():
    return PluginInfo(title="Folder Plugin", settings=FolderSettings)


@hookimpl
def configure(settings, integration):
    if settings.path == "/":
        raise SettingsError("bad", [FieldError(field="path", message="not the root folder")])
    return settings


@hookimpl
def send(ctx):
    outcome = FileOutcome(outcome=Outcome.SENT, name="1", invoice_id="1", path=ctx.settings.path)
    ctx.events.outcome(outcome)
    return RunReport(integration=ctx.integration, action="send", outcomes=[outcome])
'''

BROKEN = """
raise ImportError("this plugin needs a library that is not installed: frobnicate")
"""

MISSPELLED = """
from semine_plugins import PluginInfo, hookimpl
import attrs


@attrs.frozen
class S:
    pass


@hookimpl
def plugin_info():
    return PluginInfo(title="Misspelled", settings=S)


@hookimpl
def sendd(ctx):
    return None
"""

OBSERVER = '''
"""An observer: hears every integration through the broadcast hooks."""
from semine_plugins import PluginInfo, hookimpl
import attrs

HEARD = []


@attrs.frozen
class S:
    pass


@hookimpl
def plugin_info():
    return PluginInfo(title="Audit Observer", settings=S, directions=())


@hookimpl
def invoice_sent(integration, outcome):
    HEARD.append(("sent", integration, outcome.invoice_id))


@hookimpl
def run_finished(integration, plugin, report):
    HEARD.append(("finished", integration, plugin))
'''


@pytest.fixture(scope="session")
def thirdparty_site(installed: Callable[[dict[str, str]], Path]) -> Path:
    """Build and install the third-party distribution into a folder; return the folder."""
    return installed(
        {
            "pyproject.toml": PYPROJECT,
            "thirdparty_folder/__init__.py": FOLDER,
            "thirdparty_broken/__init__.py": BROKEN,
            "thirdparty_misspelled/__init__.py": MISSPELLED,
            "thirdparty_observer/__init__.py": OBSERVER,
        }
    )


def _install_distribution(src: Path, site: Path) -> Path:
    """Build the distribution in ``src`` with hatchling and install it into ``site``."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "--target",
            str(site),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    return site


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Callable[[dict[str, str]], Path]:
    """Build and install a distribution from ``{relative path: text}``; return its site folder."""

    def install(files: dict[str, str]) -> Path:
        src = tmp_path_factory.mktemp("dist-src")
        for name, text in files.items():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            (src / name).write_text(textwrap.dedent(text))
        return _install_distribution(src, tmp_path_factory.mktemp("dist-site"))

    return install


@pytest.fixture
def with_thirdparty(thirdparty_site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Make the installed third-party distribution importable and discoverable."""
    monkeypatch.syspath_prepend(str(thirdparty_site))
    yield thirdparty_site
    for mod in [m for m in sys.modules if m.startswith("thirdparty_")]:
        del sys.modules[mod]


def _run_cli(
    *args: str, site: Path | None = None, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **(env or {})}
    if site is not None:
        full["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), full.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "semine_plugins", *args],
        capture_output=True,
        text=True,
        env=full,
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.fixture
def run_cli() -> object:
    """Run ``python -m semine_plugins ARGS`` in a real subprocess (site= adds a folder)."""
    return _run_cli


@pytest.fixture
def semine_sandbox_options() -> dict[str, Any]:
    return {"max_document_bytes": 200_000}


@pytest.fixture
def server(semine_sandbox: SemineSandbox) -> SandboxServer:
    return semine_sandbox.server


@pytest.fixture
def admin(semine_sandbox: SemineSandbox) -> SandboxAdmin:
    return semine_sandbox.admin


@pytest.fixture
def company(semine_sandbox: SemineSandbox) -> SandboxClient:
    """The client (Kjøper AS, 123456785) the sandbox user sees."""
    return semine_sandbox.client
