"""MkDocs hooks: pages whose content comes from the code.

A page asks for generated content with an HTML comment on a line of its own:

* ``<!-- generate: settings-table PLUGIN -->``: the plugin's fields table,
  made from its settings class with the same functions as
  ``semine-plugins plugins show PLUGIN --format markdown``;
* ``<!-- generate: cli-reference -->``: every command of ``semine-plugins``
  (the lazily loaded ones included) with its usage, arguments and options,
  walked from the click command tree.

Generating at build time keeps the pages true to the code: a new field or
command shows up without anyone editing a page.
"""

from __future__ import annotations

import re
from typing import Any

import click

from semine_plugins._output import markdown_table
from semine_plugins.settings import settings_table

__all__ = ["cli_commands", "cli_reference", "on_page_markdown", "settings_markdown"]

_MARKER = re.compile(r"^<!-- generate: (?P<what>[\w-]+)(?: (?P<arg>[\w.-]+))? -->$", re.M)
_FIELD_COLUMNS = [
    ("field", "FIELD"),
    ("value", "VALUE"),
    ("description", "DESCRIPTION"),
    ("key", "KEY"),
    ("advanced", "ADVANCED"),
]


def settings_markdown(plugin: str) -> str:
    """Return the fields table of an installed plugin, as markdown."""
    from semine_plugins import get_plugin_host  # noqa: PLC0415 - loads plugins

    info = get_plugin_host().get(plugin).info
    if info is None:
        raise RuntimeError(f"plugin {plugin!r} has no description")
    return markdown_table(settings_table(info.settings), _FIELD_COLUMNS)


def cli_commands() -> list[tuple[click.Context, click.Command]]:
    """Return every command of ``semine-plugins`` with its context, depth first.

    The root comes first; groups come before their subcommands. Built-in
    commands loaded lazily are included; commands plugins add are not (they
    depend on what is installed).
    """
    from semine_plugins.cli import cli  # noqa: PLC0415

    found: list[tuple[click.Context, click.Command]] = []

    def walk(ctx: click.Context) -> None:
        found.append((ctx, ctx.command))
        if isinstance(ctx.command, click.Group):
            for name in ctx.command.list_commands(ctx):
                sub = ctx.command.get_command(ctx, name)
                if sub is None or sub.hidden:
                    continue
                with click.Context(sub, parent=ctx, info_name=name) as sub_ctx:
                    walk(sub_ctx)

    with click.Context(cli, info_name="semine-plugins") as root:
        walk(root)
    return found


def _escape(text: str) -> str:
    """Escape markdown in help text outside code spans: ``*``, ``_``, ``[`` and ``<``."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):  # even parts are outside code spans
        parts[i] = re.sub(r"([*_\\[])", r"\\\1", parts[i]).replace("<", "&lt;")
    return "`".join(parts)


def _help_markdown(text: str) -> list[str]:
    r"""Click help text as markdown: ``\b`` paragraphs stay verbatim."""
    text = text.split("\f", 1)[0]
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text.strip()):
        if para.startswith("\b"):
            out += ["```text", para[1:].strip("\n"), "```", ""]
        else:
            out += [_escape(" ".join(line.strip() for line in para.splitlines())), ""]
    return out


def _params_markdown(ctx: click.Context, command: click.Command) -> list[str]:
    arguments: list[str] = []
    options: list[str] = []
    help_option = command.get_help_option(ctx)
    for param in command.get_params(ctx):
        if isinstance(param, click.Argument):
            need = "required" if param.required else "optional"
            many = ""
            if param.nargs == -1:
                many = " (one or more)" if param.required else " (any number)"
            arguments.append(f"- `{param.make_metavar(ctx)}`: {need}{many}")
            continue
        record = param.get_help_record(ctx)
        if record is None or param is help_option:  # hidden, or -h/--help (said once)
            continue
        names, help_text = record
        options.append(f"- `{names}`" + (f": {_escape(help_text)}" if help_text else ""))
    out: list[str] = []
    if arguments:
        out += ["**Arguments**", "", *arguments, ""]
    if options:
        out += ["**Options**", "", *options, ""]
    return out


def _slug(command_path: str) -> str:
    return re.sub(r"[^\w-]+", "-", command_path.lower()).strip("-")


def cli_reference() -> str:
    """Return the CLI reference as markdown: one section per command."""
    lines: list[str] = []
    for ctx, command in cli_commands():
        depth = ctx.command_path.count(" ")
        lines += [f"{'#' * min(depth + 2, 4)} `{ctx.command_path}`", ""]
        lines += _help_markdown(command.help or command.short_help or "")
        usage = " ".join(command.collect_usage_pieces(ctx))
        lines += ["```text", f"Usage: {ctx.command_path} {usage}".rstrip(), "```", ""]
        lines += _params_markdown(ctx, command)
        if isinstance(command, click.Group):
            subs = [n for n in command.list_commands(ctx) if n]
            links = [f"[`{n}`](#{_slug(f'{ctx.command_path} {n}')})" for n in subs]
            lines += ["**Commands**: " + ", ".join(links) + ".", ""]
    return "\n".join(lines)


def _generate(match: re.Match[str]) -> str:
    what, arg = match["what"], match["arg"]
    if what == "settings-table" and arg:
        return settings_markdown(arg)
    if what == "cli-reference":
        return cli_reference()
    raise ValueError(f"unknown generated content: {match[0]}")


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Replace every ``<!-- generate: ... -->`` marker of a page with its content."""
    return _MARKER.sub(_generate, markdown)
