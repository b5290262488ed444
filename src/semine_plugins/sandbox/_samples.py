"""Sample documents for tests, the demo and plugin authors."""

from __future__ import annotations

import copy
from typing import Any


def sample_document(
    number: str = "INV-1001",
    *,
    supplier_org: str = "987654321",
    supplier_name: str = "Leverandør AS",
    payable: str = "1250.00",
    root: str = "Invoice",
) -> bytes:
    """Return a small UBL 2.1 Invoice (or CreditNote) that is valid against the OASIS XSD.

    For tests and demos: import it with ``SemineClient.import_document``.
    """
    type_code = (
        "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"
        if root == "Invoice"
        else "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"
    )
    line = "InvoiceLine" if root == "Invoice" else "CreditNoteLine"
    qty = "InvoicedQuantity" if root == "Invoice" else "CreditedQuantity"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>{number}</cbc:ID>
  <cbc:IssueDate>2026-11-01</cbc:IssueDate>
  {type_code}
  <cbc:DocumentCurrencyCode>NOK</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>REF-7</cbc:BuyerReference>
  <cac:AccountingSupplierParty><cac:Party>
    <cbc:EndpointID schemeID="0192">{supplier_org}</cbc:EndpointID>
    <cac:PartyName><cbc:Name>{supplier_name}</cbc:Name></cac:PartyName>
    <cac:PostalAddress><cac:Country><cbc:IdentificationCode>NO</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>{supplier_name}</cbc:RegistrationName>
      <cbc:CompanyID>{supplier_org}</cbc:CompanyID></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cbc:EndpointID schemeID="0192">123456785</cbc:EndpointID>
    <cac:PostalAddress><cac:Country><cbc:IdentificationCode>NO</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyLegalEntity>
      <cbc:RegistrationName>Kjøper AS</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:TaxTotal><cbc:TaxAmount currencyID="NOK">250.00</cbc:TaxAmount>
    <cac:TaxSubtotal><cbc:TaxableAmount currencyID="NOK">1000.00</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="NOK">250.00</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
    </cac:TaxSubtotal></cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="NOK">1000.00</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="NOK">1000.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="NOK">1250.00</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="NOK">{payable}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:{line}><cbc:ID>1</cbc:ID>
    <cbc:{qty} unitCode="EA">2</cbc:{qty}>
    <cbc:LineExtensionAmount currencyID="NOK">1000.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Konsulenttime</cbc:Name>
      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="NOK">500.00</cbc:PriceAmount></cac:Price>
  </cac:{line}>
</{root}>
""".encode()


_DETAIL: dict[str, Any] = {
    "invoiceNumber": "INV-1001",
    "documentType": "Invoice",
    "invoiceDate": "2026-11-01",
    "dueDate": "2026-12-01",
    "currency": "NOK",
    "buyerReference": "REF-7",
    "orderReference": "PO-42",
    "paymentReference": "1234567890128",
    "note": "Takk for handelen",
    "supplier": {
        "code": "10001",
        "name": "Leverandør AS",
        "organizationNumber": "987654321",
        "vatNumber": "NO987654321MVA",
        "address": {"street": "Storgata 1", "city": "Oslo", "postalCode": "0155", "country": "NO"},
        "bankAccounts": [
            {
                "accountNumber": "12345678903",
                "ibanAccountNumber": "NO9386011117947",
                "swiftCode": "DNBANOKK",
            }
        ],
    },
    "buyer": {
        "name": "Kjøper AS",
        "organizationNumber": "123456785",
        "vatNumber": "NO123456785MVA",
        "address": {
            "street": "Kjøpmannsgata 2",
            "city": "Trondheim",
            "postalCode": "7013",
            "country": "NO",
        },
    },
    "invoiceLines": [
        {
            "lineNumber": "1",
            "description": "Konsulenttime",
            "quantity": "2",
            "unitCode": "HUR",
            "unitPrice": "500.00",
            "netAmount": "1000.00",
            "vatCategory": "S",
            "vatRate": "25",
        }
    ],
    "invoiceAccountingLines": [
        {
            "accountingCode": "6790",
            "vatCode": "1",
            "amount": "1000.00",
            "dimensions": {"department": "20", "project": "P-9"},
        }
    ],
    "vatBreakdown": [
        {"vatCategory": "S", "vatRate": "25", "taxableAmount": "1000.00", "vatAmount": "250.00"}
    ],
    "totals": {
        "lineExtensionAmount": "1000.00",
        "taxExclusiveAmount": "1000.00",
        "vatAmount": "250.00",
        "taxInclusiveAmount": "1250.00",
        "payableAmount": "1250.00",
    },
    "attachments": [
        {"filename": "faktura.pdf", "mimeType": "application/pdf", "contentBase64": "JVBERi0xLjQK"}
    ],
}


def sample_detail(**changes: Any) -> dict[str, Any]:
    """Return an ``InvoiceDetail`` (JSON) with every field filled, for seeding.

    Keyword arguments replace top-level fields (``invoiceNumber="X-1"``).
    """
    detail = copy.deepcopy(_DETAIL)
    detail.update(changes)
    return detail
