"""Hostile and broken input: refused with a clear message, never a traceback."""

from __future__ import annotations

import pytest

from semine_plugins.errors import UBLError
from semine_plugins.ubl import UBLParseError, UnsafeXMLError, parse, validate

from .conftest import DATA, read

CASES = [
    ("hostile/xxe.xml", UnsafeXMLError, "DTD"),
    ("hostile/billion-laughs.xml", UnsafeXMLError, "DTD"),
    ("hostile/external-dtd.xml", UnsafeXMLError, "DTD"),
    ("hostile/page.html", UnsafeXMLError, "HTML"),
    ("hostile/empty.xml", UBLParseError, "empty"),
    ("hostile/not-xml.xml", UBLParseError, "not well-formed XML"),
    ("hostile/truncated.xml", UBLParseError, "not well-formed XML"),
    ("hostile/wrong-root.xml", UBLParseError, "wrong root element"),
    ("hostile/unknown-namespace.xml", UBLParseError, "unknown namespace"),
]


@pytest.mark.parametrize(("name", "error", "words"), CASES)
def test_parse_refuses_with_a_clear_error(name: str, error: type[UBLError], words: str) -> None:
    with pytest.raises(error, match=words) as info:
        parse(read(name))
    assert isinstance(info.value, UBLError)


@pytest.mark.parametrize(("name", "error", "words"), CASES)
def test_validate_reports_instead_of_raising(name: str, error: type[UBLError], words: str) -> None:
    report = validate(read(name))
    assert not report.valid
    assert report.levels == ()  # the XSD never ran on this input
    assert len(report.errors) == 1
    assert words in report.errors[0].message


def test_the_hostile_corpus_is_complete() -> None:
    assert {p.name for p in (DATA / "hostile").iterdir()} == {c[0].split("/")[-1] for c in CASES}


def test_entities_are_never_expanded() -> None:
    with pytest.raises(UnsafeXMLError) as info:
        parse(read("hostile/xxe.xml"))
    assert "root:" not in str(info.value)  # no /etc/passwd content leaks


def test_oversized_input_is_refused_before_parsing() -> None:
    data = read("ehf-invoice-no.xml")
    with pytest.raises(UnsafeXMLError, match="more than the limit of 1,000 bytes"):
        parse(data, max_bytes=1000)
    report = validate(data, max_bytes=1000)
    assert not report.valid
    assert "limit" in report.errors[0].message


def test_default_size_cap_is_twenty_megabytes() -> None:
    huge = b"<a>" + b" " * (20 * 1024 * 1024) + b"</a>"
    with pytest.raises(UnsafeXMLError, match="limit of 20,971,520 bytes"):
        parse(huge)


def test_wrong_root_names_what_was_found() -> None:
    with pytest.raises(UBLParseError, match="'Order'"):
        parse(read("hostile/wrong-root.xml"))


def test_not_well_formed_reports_the_line() -> None:
    report = validate(read("hostile/truncated.xml"))
    assert report.errors[0].line is not None


def test_text_input_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="expected bytes"):
        parse("<Invoice/>")  # type: ignore[arg-type]
