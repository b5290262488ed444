"""Validation levels, error reporting, the fast engine and the schema cache."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import pytest

from semine_plugins.ubl import (
    UBLParseError,
    UnsafeXMLError,
    _schema_cache,
    _validate,
    parse,
    parse_and_validate,
    validate,
)
from semine_plugins.ubl._safe import load

from .conftest import DATA, read


def _broken() -> bytes:
    return read("ehf-invoice-no.xml").replace(b"<cbc:ID>3</cbc:ID>", b"<cbc:Foo>3</cbc:Foo>")


def test_xsd_error_has_line_path_and_message() -> None:
    report = validate(_broken())
    assert not report.valid
    assert report.levels == ("xsd",)
    [error] = report.errors
    assert error.line is not None
    assert error.path == "/Invoice/cac:InvoiceLine[3]"
    assert "cbc:Foo" in error.message
    assert "cbc:ID" in error.message


def test_business_rule_errors_name_the_rule() -> None:
    data = read("ehf-invoice-no.xml").replace(
        b">16237.50</cbc:PayableAmount>", b">16000.00</cbc:PayableAmount>"
    )
    assert validate(data).valid  # the XSD cannot see arithmetic
    report = validate(data, rules=True)
    assert not report.valid
    assert [e.rule for e in report.errors] == ["BR-CO-16"]
    assert report.errors[0].line is not None


def test_rules_without_saxonche_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_validate.importlib.util, "find_spec", lambda name: None)
    report = validate(read("ehf-invoice-no.xml"), rules=True)
    assert report.levels == ("xsd",)
    assert "saxonche is not installed" in report.skipped[0]


def _corpus() -> list[Path]:
    files = sorted(DATA.glob("*.xml"))
    assert files
    return files


def test_fast_engine_and_validator_of_record_agree_on_the_corpus() -> None:
    samples = [p.read_bytes() for p in _corpus()]
    samples.append(_broken())
    samples.append(
        read("ehf-invoice-no.xml").replace(
            b"<cbc:IssueDate>2026-11-01", b"<cbc:IssueDate>01.11.2026"
        )
    )
    samples.append(read("creditnote-reverse-charge.xml").replace(b"<cbc:ID>CN-77</cbc:ID>", b""))
    samples.append(
        read("sbdh-invoice-negative-line.xml").replace(b'currencyID="NOK">50.00', b">50.00")
    )
    verdicts = []
    for data in samples:
        loaded = load(data)
        fast = _validate.xsd_valid_fast(loaded.root, loaded.kind)
        record = not _validate.xsd_errors_of_record(loaded.root, loaded.kind)
        verdicts.append((fast, record))
    assert all(fast == record for fast, record in verdicts)
    assert [v[0] for v in verdicts].count(False) == 4


def test_corrupt_schema_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_schema_cache.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(_schema_cache, "_xmlschema", {})
    _schema_cache.xmlschema_schema("Invoice")
    [cached] = tmp_path.glob("ubl-Invoice-*.pickle")
    cached.write_bytes(b"not a pickle")
    monkeypatch.setattr(_schema_cache, "_xmlschema", {})
    assert not validate(_broken()).valid  # rebuilt, no crash
    assert cached.read_bytes() != b"not a pickle"


def test_unwritable_cache_still_validates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv(_schema_cache.CACHE_ENV, str(blocker / "sub"))
    monkeypatch.setattr(_schema_cache, "_xmlschema", {})
    assert len(validate(_broken()).errors) == 1


def test_report_serialises_to_json_ready_data() -> None:
    data: dict[str, Any] = validate(_broken()).to_dict()
    assert data["valid"] is False
    assert data["errors"][0]["level"] == "xsd"
    assert isinstance(builtins.str(data), str)


@pytest.mark.parametrize(
    "name",
    ["ehf-invoice-no.xml", "creditnote-reverse-charge.xml", "sbdh-invoice-negative-line.xml"],
)
def test_parse_and_validate_equals_parse_then_validate(name):
    data = read(name)
    document, report = parse_and_validate(data)
    assert document == parse(data)
    assert report == validate(data)
    # Readable for the model, refused by the XSD (an element UBL does not define).
    odd = data.replace(b"</cbc:IssueDate>", b"</cbc:IssueDate><cbc:Colour>red</cbc:Colour>", 1)
    document, report = parse_and_validate(odd)
    assert document == parse(odd)
    assert report == validate(odd)
    assert not report.valid


def test_parse_and_validate_raises_as_parse_does():
    with pytest.raises(UBLParseError, match="namespace"):
        parse_and_validate(b"<Invoice>not UBL</Invoice>")
    with pytest.raises(UnsafeXMLError):
        parse_and_validate(b'<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>')
