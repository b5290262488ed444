"""Hand-written, real-shaped Peppol BIS 3 / EHF documents: what a user reads out of them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from semine_plugins.ubl import CreditNote, Identifier, Invoice, UBLParseError, parse, validate

from .conftest import read

CORPUS = ["ehf-invoice-no.xml", "creditnote-reverse-charge.xml", "sbdh-invoice-negative-line.xml"]


def test_norwegian_ehf_invoice() -> None:
    inv = parse(read("ehf-invoice-no.xml"))
    assert isinstance(inv, Invoice)
    assert (inv.id, inv.currency, inv.issue_date) == ("INV-2026-1001", "NOK", date(2026, 11, 1))
    assert inv.supplier_id == Identifier("987654321", "0192")
    assert inv.supplier.vat_id == "NO987654321MVA"
    assert inv.supplier.display_name == "Fjordkraft Konsulent AS"
    assert inv.payment_means[0].payment_id == "0012345678903"  # KID
    assert inv.payment_means[0].payee_account is not None
    assert inv.payment_means[0].payee_account.bic == "DNBANOKK"
    assert inv.totals.payable_amount == Decimal("16237.50")
    rates = {(s.category.id, s.category.percent) for s in inv.tax_totals[0].subtotals}
    assert rates == {("S", Decimal(25)), ("S", Decimal("12.5")), ("E", Decimal(0))}
    assert [a.charge for a in inv.allowances_charges] == [True, False]
    assert inv.lines[0].allowances_charges[0].amount == Decimal("500.00")
    assert inv.lines[1].price.allowance is not None
    assert inv.lines[1].price.allowance.base_amount == Decimal("600.00")
    assert inv.project_reference == "PRJ-88"
    pdf = inv.attachments[0].embedded
    assert pdf is not None
    assert (pdf.mime_code, pdf.filename) == ("application/pdf", "timeliste.pdf")
    assert pdf.content.startswith(b"%PDF-1.4")


def test_credit_note_referencing_an_invoice_with_reverse_charge() -> None:
    cn = parse(read("creditnote-reverse-charge.xml"))
    assert isinstance(cn, CreditNote)
    assert cn.type_code == "381"
    assert cn.billing_references[0].id == "SE-2026-0042"
    assert cn.payment_means[0].payment_due_date == date(2026, 12, 15)
    category = cn.tax_totals[0].subtotals[0].category
    assert (category.id, category.exemption_reason_code) == ("AE", "VATEX-EU-AE")
    assert [line.quantity.value for line in cn.lines] == [Decimal(5), Decimal(1)]


def test_sbdh_wrapped_invoice_with_a_negative_line() -> None:
    data = read("sbdh-invoice-negative-line.xml")
    inv = parse(data)
    assert inv.id == "20261102-1"
    assert inv.lines[1].line_extension_amount == Decimal("-100.00")
    assert inv.lines[1].quantity.value == Decimal(-1)
    assert inv.totals.prepaid_amount == Decimal("100.00")
    assert inv.payment_means[0].card is not None
    assert inv.payment_means[0].card.network_id == "VISA"
    assert validate(data).valid


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_is_valid_with_business_rules(name: str) -> None:
    report = validate(read(name), rules=True)
    assert report.valid, [str(e) for e in report.errors]
    assert report.levels == ("xsd", "rules")


@pytest.mark.parametrize("name", CORPUS)
def test_parse_serialize_parse_keeps_everything(name: str) -> None:
    doc = parse(read(name))
    xml = doc.to_xml()
    assert validate(xml, rules=True).valid
    assert parse(xml) == doc


def test_missing_mandatory_element_is_named() -> None:
    data = read("ehf-invoice-no.xml").replace(b"<cbc:ID>INV-2026-1001</cbc:ID>", b"")
    with pytest.raises(UBLParseError, match="missing mandatory element cbc:ID") as info:
        parse(data)
    assert info.value.line is not None


def test_malformed_amount_is_named_with_its_line() -> None:
    data = read("ehf-invoice-no.xml").replace(
        b">16237.50</cbc:PayableAmount>", b">lots</cbc:PayableAmount>"
    )
    with pytest.raises(UBLParseError, match="PayableAmount: 'lots' is not a valid decimal number"):
        parse(data)
