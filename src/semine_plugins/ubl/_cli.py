"""The ``semine-plugins validate`` command: check UBL files, folders or stdin."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from semine_plugins._output import echo_json, format_option
from semine_plugins.ubl._validate import (
    ValidationIssue,
    ValidationReport,
)
from semine_plugins.ubl._validate import (
    validate as validate_bytes,
)

__all__ = ["validate"]


def _expand(paths: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for raw in paths:
        path = Path(raw)
        if raw != "-" and path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".xml")
            out.extend(str(p) for p in found)
        else:
            out.append(raw)
    return out


def _read(name: str) -> bytes:
    if name == "-":
        return (
            sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        )
    return Path(name).read_bytes()


@click.command("validate")
@click.option(
    "--rules", is_flag=True, help="Also run the CEN EN 16931 business rules (needs saxonche)."
)
@format_option("text", help="text for people, json for scripts")
@click.argument("paths", nargs=-1, required=True)
def validate(rules: bool, fmt: str, paths: tuple[str, ...]) -> None:
    """Validate UBL 2.1 invoices and credit notes (Peppol BIS 3 / EHF).

    PATHS are files, folders (every *.xml inside, recursively) or - for stdin.
    Exit status: 0 all valid, 1 some invalid or unreadable, 2 usage error.
    """
    names = _expand(paths)
    if not names:
        raise click.UsageError("no .xml files found in the given folders")
    results: list[tuple[str, ValidationReport]] = []
    for name in names:
        try:
            data = _read(name)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            issue = ValidationIssue(message=f"cannot read the file: {reason}", level="xml")
            results.append((name, ValidationReport(valid=False, errors=(issue,))))
            continue
        results.append((name, validate_bytes(data, rules=rules)))
    if fmt == "json":
        payload: list[dict[str, Any]] = [
            {"path": "<stdin>" if n == "-" else n, **r.to_dict()} for n, r in results
        ]
        echo_json(payload)
    else:
        for name, report in results:
            _echo_text("<stdin>" if name == "-" else name, report)
    if not all(r.valid for _, r in results):
        sys.exit(1)


def _echo_text(name: str, report: ValidationReport) -> None:
    levels = "+".join(report.levels) or "not checked"
    kind = report.document_type or "unreadable"
    if report.valid:
        click.echo(f"VALID    {name} ({kind}; {levels})")
    else:
        count = len(report.errors)
        click.echo(f"INVALID  {name} ({kind}; {levels}): {count} error{'s' * (count != 1)}")
    for error in report.errors:
        where = f" at {error.path}" if error.path else ""
        click.echo(f"  error: {error}{where}")
    for warning in report.warnings:
        click.echo(f"  warning: {warning}")
    for note in report.skipped:
        click.echo(f"  note: {note}")
