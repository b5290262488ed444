"""Rendering for people: aligned tables and markdown tables; JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import click

__all__ = ["echo_json", "format_option", "markdown_table", "text_table"]


def format_option(
    people: str = "table", help: str = "table for people, json for scripts"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Return the ``--format`` option every reporting command takes (``fmt`` in the function)."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice([people, "json"]),
        default=people,
        show_default=True,
        help=help,
    )


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout (what ``--format json`` prints)."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def text_table(rows: Sequence[Mapping[str, object]], columns: Sequence[tuple[str, str]]) -> str:
    """Render rows as an aligned plain-text table; ``columns`` are (key, heading) pairs."""
    cells = [[h for _, h in columns]] + [
        [str(r.get(k, "") or "") for k, _ in columns] for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _md_cell(value: object) -> str:
    return str(value or "").replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: Sequence[Mapping[str, object]], columns: Sequence[tuple[str, str]]) -> str:
    """Render rows as a GitHub-flavoured markdown table."""
    head = "| " + " | ".join(h for _, h in columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    body = ["| " + " | ".join(_md_cell(r.get(k)) for k, _ in columns) + " |" for r in rows]
    return "\n".join([head, rule, *body])
