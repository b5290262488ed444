"""The documentation keeps up with the code: every hook and every command is documented.

A new hookspec fails here until the hook reference has a section for it and its
docstring says what each parameter is, what it returns, what it raises and how
to implement it. Commands named in the pages must exist, and the CLI reference
(generated from the click tree at build time) must list every command.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from semine_plugins import hookspecs

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
HOOK_PAGE = DOCS / "hooks.md"


TUTORIAL = DOCS / "tutorial" / "semine-localfolder"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # attrs and typing resolve annotations through it
    spec.loader.exec_module(module)
    return module


docs_hooks = _load("_docs_hooks", DOCS / "_mkdocs" / "hooks.py")

HOOKSPECS = sorted(
    name
    for name, obj in vars(hookspecs).items()
    if inspect.isfunction(obj) and hasattr(obj, f"{hookspecs.PROJECT_NAME}_spec")
)


def test_the_hookspecs_are_found() -> None:
    # Guards the discovery above: an empty list would make every test below pass.
    assert {"plugin_info", "send", "receive", "run_finished"} <= set(HOOKSPECS)


@pytest.mark.parametrize("name", HOOKSPECS)
def test_every_hookspec_has_a_section_in_the_hook_reference(name: str) -> None:
    directives = re.findall(r"^::: semine_plugins\.hookspecs\.(\w+)$", HOOK_PAGE.read_text(), re.M)
    assert name in directives, (
        f"hookspec {name!r} is not documented: add '::: semine_plugins.hookspecs.{name}' "
        f"to {HOOK_PAGE.relative_to(ROOT)}"
    )


@pytest.mark.parametrize("name", HOOKSPECS)
def test_every_hookspec_docstring_documents_parameters_return_errors_and_example(
    name: str,
) -> None:
    function = getattr(hookspecs, name)
    doc = inspect.getdoc(function) or ""
    missing = [
        f":param {p}:" for p in inspect.signature(function).parameters if f":param {p}:" not in doc
    ]
    missing += [part for part in (":returns:", ":raises", "Example::") if part not in doc]
    assert not missing, f"the docstring of hookspec {name!r} lacks {', '.join(missing)}"


def test_the_hook_reference_names_only_real_hooks() -> None:
    named = re.findall(r"^::: semine_plugins\.hookspecs\.(\w+)$", HOOK_PAGE.read_text(), re.M)
    stale = [n for n in named if not hasattr(hookspecs, n)]
    assert not stale, f"{HOOK_PAGE.relative_to(ROOT)} documents hooks that no longer exist: {stale}"


# ---------------------------------------------------------------- the Ftp Plugin's fields


def test_the_ftp_page_shows_every_field_of_the_settings_class() -> None:
    from semine_plugins.settings import setting_fields
    from semine_plugins_ftp import FtpSettings

    assert "<!-- generate: settings-table ftp -->" in (DOCS / "ftp-plugin.md").read_text()
    table = docs_hooks.settings_markdown("ftp").splitlines()
    assert table[0] == "| FIELD | VALUE | DESCRIPTION | KEY | ADVANCED |"
    rows = {line.split(" | ")[3]: line for line in table[2:]}
    for field in setting_fields(FtpSettings):
        assert field.name in rows, f"{field.name} is missing from the fields table"
        assert rows[field.name].startswith(f"| {field.label}{'*' if field.required else ''} |")
        assert rows[field.name].endswith(" yes |" if field.advanced else " |  |")


# ---------------------------------------------------------------- the CLI


def _command_paths() -> list[str]:
    return [ctx.command_path for ctx, _ in docs_hooks.cli_commands()]


def test_the_cli_reference_lists_every_command_with_its_usage() -> None:
    assert "<!-- generate: cli-reference -->" in (DOCS / "cli.md").read_text()
    reference = docs_hooks.cli_reference()
    paths = _command_paths()
    # Built-in commands, lazily loaded ones and subcommands of groups alike.
    assert {
        "semine-plugins plugins list",
        "semine-plugins test-connection",
        "semine-plugins validate",
        "semine-plugins sandbox",
    } <= set(paths)
    for path in paths:
        assert f"`{path}`\n" in reference, f"{path} has no section in the CLI reference"
        assert f"Usage: {path}" in reference, f"{path} has no usage line in the CLI reference"


def _code_in(text: str) -> list[str]:
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", text, re.M | re.S)
    text = re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.M | re.S)
    return fenced + re.findall(r"`([^`\n]+)`", text)


def _documented_commands() -> set[tuple[str, str]]:
    """Every ``semine-plugins WORD...`` in code in the pages and the README."""
    found = set()
    for page in [*sorted(DOCS.rglob("*.md")), ROOT / "README.md"]:
        for code in _code_in(page.read_text()):
            for match in re.finditer(r"\bsemine-plugins((?: [a-z][a-z-]*)+)", code):
                found.add((page.relative_to(ROOT).as_posix(), match[1].strip()))
    return found


def test_every_command_the_docs_name_exists() -> None:
    known = {p.removeprefix("semine-plugins").strip() for p in _command_paths()}
    groups = {p for p in known if any(k.startswith(f"{p} ") for k in known)}
    wrong = []
    for page, words in sorted(_documented_commands()):
        parts = words.split()
        command = parts[0]
        if command in groups and len(parts) > 1:
            command = f"{command} {parts[1]}"
        if command not in known:
            wrong.append(f"{page}: semine-plugins {words}")
    assert _documented_commands(), "no command found in the pages: the scan is broken"
    assert not wrong, "the docs name commands that do not exist:\n" + "\n".join(wrong)


# ---------------------------------------------------------------- the tutorial

tutorial_plugin = _load(
    "semine_localfolder", TUTORIAL / "src" / "semine_localfolder" / "__init__.py"
)
tutorial_tests = _load("_tutorial_tests", TUTORIAL / "tests" / "test_conformance.py")


class TestTheTutorialPluginPassesItsOwnTests(tutorial_tests.TestLocalFolderPlugin):
    """The plugin the tutorial builds, run through the tutorial's own conformance tests.

    The reader installs it; here it is registered directly under its entry-point name.
    """

    plugin_object = tutorial_plugin
