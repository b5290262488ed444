"""InvoiceDetail → UBL: valid documents that carry every field with a UBL home."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from semine_plugins import ubl
from semine_plugins.errors import SemineError
from semine_plugins.sandbox import SandboxAdmin, SandboxClient, sample_detail
from semine_plugins.semine import InvoiceDetail, SemineClient, to_ubl
from semine_plugins.semine._models import from_json


def detail(**changes: Any) -> InvoiceDetail:
    return from_json(InvoiceDetail, {"id": 5, **sample_detail(**changes)})


def _valid(document: ubl.Invoice | ubl.CreditNote) -> bytes:
    data = document.to_xml()
    report = ubl.validate(data, rules=True)
    assert report.valid, [e.message for e in report.errors]
    return data


def test_every_field_reaches_the_invoice() -> None:
    """Each InvoiceDetail field with a UBL home is in the XSD- and EN 16931-valid output."""
    parsed = ubl.parse(_valid(to_ubl(detail())))
    assert isinstance(parsed, ubl.Invoice)
    assert parsed.id == "INV-1001"
    assert (parsed.issue_date, parsed.due_date) == (dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    assert parsed.currency == "NOK"
    assert parsed.notes == ("Takk for handelen",)
    assert parsed.buyer_reference == "REF-7"
    assert parsed.order_reference is not None
    assert parsed.order_reference.id == "PO-42"
    assert parsed.accounting_cost == "6790;VAT=1;amount=1000.00;department=20;project=P-9"

    sup = parsed.supplier
    assert sup.endpoint_id == ubl.Identifier("987654321", "0192")
    assert sup.identifiers == (ubl.Identifier("10001"),)
    assert sup.name == "Leverandør AS"
    assert sup.vat_id == "NO987654321MVA"
    assert sup.address == ubl.Address(
        street_name="Storgata 1", city_name="Oslo", postal_zone="0155", country="NO"
    )
    assert sup.legal_entity is not None
    assert sup.legal_entity.company_id == ubl.Identifier("987654321", "0192")
    accounts = [
        (m.payee_account.id, m.payee_account.bic) for m in parsed.payment_means if m.payee_account
    ]
    assert accounts == [("12345678903", "DNBANOKK"), ("NO9386011117947", "DNBANOKK")]
    assert {m.payment_id for m in parsed.payment_means} == {"1234567890128"}

    buyer = parsed.customer
    assert (buyer.name, buyer.vat_id) == ("Kjøper AS", "NO123456785MVA")
    assert buyer.endpoint_id == ubl.Identifier("123456785", "0192")
    assert buyer.address is not None
    assert buyer.address.city_name == "Trondheim"

    (line,) = parsed.lines
    assert (line.id, line.item.name) == ("1", "Konsulenttime")
    assert line.quantity == ubl.Quantity(Decimal("2"), "HUR")
    assert line.price.amount == Decimal("500.00")
    assert line.line_extension_amount == Decimal("1000.00")
    assert (line.item.tax_category.id, line.item.tax_category.percent) == ("S", Decimal("25"))
    assert line.accounting_cost == "6790;VAT=1;department=20;project=P-9"

    (tax,) = parsed.tax_totals
    assert tax.tax_amount == Decimal("250.00")
    (sub,) = tax.subtotals
    assert (sub.taxable_amount, sub.tax_amount, sub.category.id) == (
        Decimal("1000.00"),
        Decimal("250.00"),
        "S",
    )
    assert parsed.totals.line_extension_amount == Decimal("1000.00")
    assert parsed.totals.tax_exclusive_amount == Decimal("1000.00")
    assert parsed.totals.tax_inclusive_amount == Decimal("1250.00")
    assert parsed.totals.payable_amount == Decimal("1250.00")

    (attachment,) = parsed.attachments
    assert attachment.embedded is not None
    assert attachment.embedded.content == b"%PDF-1.4\n"
    assert (attachment.embedded.mime_code, attachment.embedded.filename) == (
        "application/pdf",
        "faktura.pdf",
    )


def test_credit_note() -> None:
    """A CreditNote keeps its due date on the payment means (UBL 2.1 has no DueDate there)."""
    parsed = ubl.parse(_valid(to_ubl(detail(documentType="CreditNote"))))
    assert isinstance(parsed, ubl.CreditNote)
    dues = [m.payment_due_date for m in parsed.payment_means if m.payment_due_date]
    assert dues == [dt.date(2026, 12, 1)]


def test_several_accounting_lines_stay_on_the_document() -> None:
    """Unpaired accounting lines all go to the document's AccountingCost."""
    lines = [
        {"accountingCode": "6790", "amount": "600.00", "dimensions": {"department": "20"}},
        {"accountingCode": "6800", "vatCode": "1", "amount": "400.00"},
    ]
    parsed = ubl.parse(_valid(to_ubl(detail(invoiceAccountingLines=lines))))
    assert parsed.accounting_cost == "6790;amount=600.00;department=20 | 6800;VAT=1;amount=400.00"
    assert parsed.lines[0].accounting_cost is None


def test_cost_invoice_without_invoice_lines() -> None:
    """Without invoice lines, each accounting line becomes a UBL line with its amount."""
    lines = [
        {"accountingCode": "6790", "amount": "600.00"},
        {"accountingCode": "6800", "amount": "400.00"},
    ]
    parsed = ubl.parse(_valid(to_ubl(detail(invoiceLines=[], invoiceAccountingLines=lines))))
    assert [(ln.accounting_cost, ln.line_extension_amount) for ln in parsed.lines] == [
        ("6790;amount=600.00", Decimal("600.00")),
        ("6800;amount=400.00", Decimal("400.00")),
    ]


def test_minimal_detail_derives_totals() -> None:
    """Missing totals are derived from the lines and the VAT breakdown."""
    minimal = detail(totals=None, attachments=[], supplier={"name": "S"}, buyer={"name": "B"})
    document = to_ubl(minimal)
    assert document.totals.payable_amount == Decimal("1250.00")
    assert ubl.validate(document.to_xml()).valid


@pytest.mark.parametrize("field", ["invoiceNumber", "invoiceDate", "currency"])
def test_missing_essentials(field: str) -> None:
    """An invoice without number, date or currency cannot be UBL: the error says which."""
    with pytest.raises(SemineError, match=field):
        to_ubl(detail(**{field: None}))


def test_from_sandbox_to_ubl_and_back(
    semine: SemineClient, admin: SandboxAdmin, company: SandboxClient
) -> None:
    """A Posting invoice fetched from the sandbox becomes UBL the sandbox itself imports."""
    invoice_id = admin.seed_invoice(company, sample_detail(invoiceNumber="E2E-1"))
    data = to_ubl(semine.get_invoice(invoice_id)).to_xml()
    result = semine.import_document(data, idempotency_key="e2e")
    assert result.status == "Duplicate"  # same supplier and number as the seeded one
    assert semine.get_document(result.id) == data
