"""Totals and VAT breakdown calculated from lines satisfy the EN 16931 rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
import pytest

from semine_plugins import ubl
from semine_plugins.ubl import calculate_totals, line_amount, parse, validate

from .conftest import read

VAT25 = ubl.TaxCategory(id="S", percent=Decimal(25))
ZERO = ubl.MonetaryTotal(
    line_extension_amount=0, tax_exclusive_amount=0, tax_inclusive_amount=0, payable_amount=0
)


@pytest.mark.parametrize(
    "name",
    ["ehf-invoice-no.xml", "sbdh-invoice-negative-line.xml", "creditnote-reverse-charge.xml"],
)
def test_recalculated_totals_match_the_hand_written_documents(name: str) -> None:
    doc = parse(read(name))
    zero_tax = tuple(
        attrs.evolve(
            t,
            tax_amount=0,
            subtotals=tuple(attrs.evolve(s, taxable_amount=0, tax_amount=0) for s in t.subtotals),
        )
        for t in doc.tax_totals
    )
    blank = attrs.evolve(
        doc,
        tax_totals=zero_tax,
        totals=attrs.evolve(ZERO, prepaid_amount=doc.totals.prepaid_amount),
    )
    again = calculate_totals(blank)
    assert again.totals == doc.totals
    assert again.tax_totals == doc.tax_totals  # exemption reasons kept
    assert calculate_totals(attrs.evolve(blank, tax_totals=())).totals == doc.totals


def test_invoice_built_from_data_passes_the_business_rules() -> None:
    def line(n: int, qty: str, price: str, category: ubl.TaxCategory) -> ubl.Line:
        return ubl.Line(
            id=str(n),
            quantity=ubl.Quantity(Decimal(qty), "EA"),
            line_extension_amount=line_amount(Decimal(qty), Decimal(price)),
            item=ubl.Item(name=f"Vare {n}", tax_category=category),
            price=ubl.Price(amount=price),
        )

    party = ubl.Party(
        endpoint_id=ubl.Identifier("987654321", "0192"),
        address=ubl.Address(city_name="Oslo", country="NO"),
        tax_schemes=(ubl.PartyTaxScheme(company_id="NO987654321MVA"),),
        legal_entity=ubl.LegalEntity(registration_name="Leverandør AS"),
    )
    inv = ubl.Invoice(
        id="1",
        issue_date=date(2026, 11, 1),
        currency="NOK",
        buyer_reference="ref",
        supplier=party,
        customer=attrs.evolve(party, tax_schemes=()),
        payment_means=(
            ubl.PaymentMeans(
                code="30",
                payment_id="0012345678903",
                payee_account=ubl.FinancialAccount(id="15030123456"),
            ),
        ),
        allowances_charges=(
            ubl.AllowanceCharge(charge=False, reason="Rabatt", amount="10.01", tax_category=VAT25),
        ),
        totals=ZERO,
        lines=(
            line(1, "3", "33.33", VAT25),
            line(2, "1.5", "19.99", ubl.TaxCategory(id="S", percent=Decimal(15))),
            line(3, "-1", "33.33", VAT25),
        ),
    )
    done = calculate_totals(inv)
    assert done.totals.payable_amount == Decimal("105.30")
    report = validate(done.to_xml(), rules=True)
    assert report.valid, [str(e) for e in report.errors]


def test_float_money_is_refused() -> None:
    with pytest.raises(TypeError, match="never float"):
        ubl.Price(amount=1.1)  # type: ignore[arg-type]
