"""Hypothesis strategies that build arbitrary (structurally valid) model documents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from semine_plugins import ubl

text = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")),
    min_size=1,
    max_size=12,
).filter(lambda s: s == s.strip())
opt_text = st.none() | text
code = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=4)
money = st.decimals(
    min_value=Decimal(-(10**9)),
    max_value=Decimal(10**9),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
opt_money = st.none() | money
rate = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
opt_date = st.none() | dates
identifier = st.builds(ubl.Identifier, text, st.none() | code)
opt_id = st.none() | identifier
quantity = st.builds(ubl.Quantity, money, st.none() | code)


def tuples(
    strategy: st.SearchStrategy[Any], max_size: int = 2
) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.lists(strategy, max_size=max_size).map(tuple)


address = st.builds(
    ubl.Address,
    street_name=opt_text,
    additional_street_name=opt_text,
    city_name=opt_text,
    postal_zone=opt_text,
    country_subentity=opt_text,
    address_line=opt_text,
    country=st.none() | code,
)
party = st.builds(
    ubl.Party,
    endpoint_id=opt_id,
    identifiers=tuples(identifier),
    name=opt_text,
    address=st.none() | address,
    tax_schemes=tuples(st.builds(ubl.PartyTaxScheme, company_id=opt_text, tax_scheme=code)),
    legal_entity=st.none()
    | st.builds(
        ubl.LegalEntity, registration_name=opt_text, company_id=opt_id, legal_form=opt_text
    ),
    contact=st.none() | st.builds(ubl.Contact, name=opt_text, telephone=opt_text, email=opt_text),
)
period = st.builds(
    ubl.Period, start_date=opt_date, end_date=opt_date, description_code=st.none() | code
)
category = st.builds(
    ubl.TaxCategory,
    id=st.sampled_from(["S", "Z", "E", "AE", "K", "G", "O", "L", "M"]),
    percent=st.none() | rate,
    exemption_reason_code=st.none() | code,
    exemption_reason=opt_text,
    tax_scheme=st.just("VAT"),
)


def allowance(with_category: bool) -> st.SearchStrategy[ubl.AllowanceCharge]:
    return st.builds(
        ubl.AllowanceCharge,
        charge=st.booleans(),
        reason_code=st.none() | code,
        reason=opt_text,
        multiplier=st.none() | rate,
        amount=money,
        base_amount=opt_money,
        tax_category=(st.none() | category) if with_category else st.none(),
    )


item = st.builds(
    ubl.Item,
    description=opt_text,
    name=text,
    buyers_id=opt_text,
    sellers_id=opt_text,
    standard_id=opt_id,
    origin_country=st.none() | code,
    classifications=tuples(
        st.builds(ubl.ClassificationCode, text, st.none() | code, st.none() | code)
    ),
    tax_category=category,
    properties=tuples(st.builds(ubl.ItemProperty, name=text, value=text)),
)
line = st.builds(
    ubl.Line,
    id=text,
    note=opt_text,
    quantity=quantity,
    line_extension_amount=money,
    accounting_cost=opt_text,
    period=st.none() | period,
    order_line_reference=opt_text,
    allowances_charges=tuples(allowance(with_category=False)),
    item=item,
    price=st.builds(
        ubl.Price,
        amount=money,
        base_quantity=st.none() | quantity,
        allowance=st.none() | allowance(with_category=False),
    ),
)
payment_means = st.builds(
    ubl.PaymentMeans,
    code=code,
    name=opt_text,
    payment_due_date=opt_date,
    payment_id=opt_text,
    card=st.none()
    | st.builds(
        ubl.CardAccount, primary_account_number=text, network_id=text, holder_name=opt_text
    ),
    payee_account=st.none()
    | st.builds(ubl.FinancialAccount, id=text, name=opt_text, bic=st.none() | code),
    mandate=st.none() | st.builds(ubl.PaymentMandate, id=opt_text, payer_account=opt_text),
)
attachment = st.builds(
    ubl.Attachment,
    id=identifier,
    type_code=st.none() | code,
    description=opt_text,
    embedded=st.none()
    | st.builds(
        ubl.BinaryObject,
        content=st.binary(max_size=64),
        mime_code=st.sampled_from(["application/pdf", "image/png", "text/csv"]),
        filename=opt_text,
    ),
    external_uri=opt_text,
)
tax_total = st.builds(
    ubl.TaxTotal,
    tax_amount=money,
    subtotals=tuples(
        st.builds(ubl.TaxSubtotal, taxable_amount=money, tax_amount=money, category=category), 3
    ),
    currency=st.none() | st.just("USD"),
)
totals = st.builds(
    ubl.MonetaryTotal,
    line_extension_amount=money,
    tax_exclusive_amount=money,
    tax_inclusive_amount=money,
    allowance_total_amount=opt_money,
    charge_total_amount=opt_money,
    prepaid_amount=opt_money,
    payable_rounding_amount=opt_money,
    payable_amount=money,
)


def _common() -> dict[str, Any]:
    return {
        "id": text,
        "issue_date": dates,
        "type_code": st.sampled_from(["380", "381", "383", "386", "389", "751"]),
        "notes": tuples(text),
        "tax_point_date": opt_date,
        "currency": st.sampled_from(["NOK", "EUR", "SEK"]),
        "tax_currency": st.none() | st.just("USD"),
        "accounting_cost": opt_text,
        "buyer_reference": opt_text,
        "invoice_period": st.none() | period,
        "order_reference": st.none()
        | st.builds(ubl.OrderReference, id=text, sales_order_id=opt_text),
        "billing_references": tuples(
            st.builds(ubl.DocumentReference, id=text, issue_date=opt_date)
        ),
        "despatch_reference": opt_text,
        "receipt_reference": opt_text,
        "originator_reference": opt_text,
        "contract_reference": opt_text,
        "attachments": tuples(attachment),
        "supplier": party,
        "customer": party,
        "payee": st.none() | party,
        "tax_representative": st.none() | party,
        "delivery": st.none()
        | st.builds(
            ubl.Delivery,
            actual_delivery_date=opt_date,
            location_id=opt_id,
            address=st.none() | address,
            party_name=opt_text,
        ),
        "payment_means": tuples(payment_means),
        "payment_terms": opt_text,
        "allowances_charges": tuples(allowance(with_category=True)),
        "tax_totals": tuples(tax_total),
        "totals": totals,
        "lines": st.lists(line, min_size=1, max_size=3).map(tuple),  # the XSD needs one
    }


invoices = st.builds(ubl.Invoice, due_date=opt_date, project_reference=opt_text, **_common())
credit_notes = st.builds(ubl.CreditNote, **_common())
documents = invoices | credit_notes
