"""Model → XML → XSD-valid → model, for arbitrary documents, and determinism."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from semine_plugins.ubl import CreditNote, Invoice, parse, validate

from .strategies import documents


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_model_to_xml_is_xsd_valid_and_parses_back_equal(doc: Invoice | CreditNote) -> None:
    xml = doc.to_xml()
    report = validate(xml)
    assert report.valid, [str(e) for e in report.errors]
    assert report.document_type == type(doc).__name__
    assert parse(xml) == doc
    assert doc.to_xml() == xml  # same model, same bytes
