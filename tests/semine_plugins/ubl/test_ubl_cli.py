"""The validate command, invoked through click's CliRunner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from semine_plugins.ubl._cli import validate

from .conftest import DATA, read


def test_valid_file_exits_zero() -> None:
    result = CliRunner().invoke(validate, [str(DATA / "ehf-invoice-no.xml")])
    assert result.exit_code == 0
    assert result.output.startswith("VALID    ")
    assert "(Invoice; xsd)" in result.output


def test_folder_with_an_invalid_file_exits_one(tmp_path: Path) -> None:
    shutil.copy(DATA / "ehf-invoice-no.xml", tmp_path / "a.xml")
    (tmp_path / "b.xml").write_bytes(read("hostile/xxe.xml"))
    (tmp_path / "notes.txt").write_text("ignored")
    result = CliRunner().invoke(validate, [str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("VALID")
    assert lines[0].endswith("(Invoice; xsd)")
    assert lines[1].startswith("INVALID")
    assert "b.xml" in lines[1]
    assert "DTD" in lines[2]


def test_stdin_and_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        validate,
        ["--format", "json", "-", str(tmp_path / "missing.xml")],
        input=read("ehf-invoice-no.xml"),
    )
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data[0]["path"] == "<stdin>"
    assert data[0]["valid"] is True
    assert data[1]["valid"] is False
    assert "cannot read the file" in data[1]["errors"][0]["message"]


def test_rules_flag_reports_business_rule_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(
        read("ehf-invoice-no.xml").replace(
            b">16237.50</cbc:PayableAmount>", b">1.00</cbc:PayableAmount>"
        )
    )
    assert CliRunner().invoke(validate, [str(bad)]).exit_code == 0
    result = CliRunner().invoke(validate, ["--rules", str(bad)])
    assert result.exit_code == 1
    assert "[BR-CO-16]" in result.output
    assert "xsd+rules" in result.output


def test_usage_errors_exit_two(tmp_path: Path) -> None:
    assert CliRunner().invoke(validate, []).exit_code == 2
    assert CliRunner().invoke(validate, ["--format", "yaml", "x.xml"]).exit_code == 2
    assert CliRunner().invoke(validate, [str(tmp_path)]).exit_code == 2  # empty folder
