"""The UBL 2.1 / Peppol BIS Billing 3.0 invoice model (EN 16931 as Peppol profiles it).

Every class is a frozen attrs class; money and quantities are
:class:`~decimal.Decimal`, dates are :class:`~datetime.date`, repeated things
are tuples. Each field records where it lives in UBL (its ``ubl`` metadata),
and both the serializer and the parser read those records, so the two can
never disagree about the mapping. Field order is XSD element order.

Text values are whitespace-trimmed on parse; amounts carry the document
currency unless a :class:`TaxTotal` names another one.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs

__all__ = [
    "PEPPOL_CUSTOMIZATION_ID",
    "PEPPOL_PROFILE_ID",
    "Address",
    "AllowanceCharge",
    "Attachment",
    "BinaryObject",
    "CardAccount",
    "ClassificationCode",
    "Contact",
    "CreditNote",
    "Delivery",
    "DocumentReference",
    "FieldSpec",
    "FinancialAccount",
    "Identifier",
    "Invoice",
    "Item",
    "ItemProperty",
    "LegalEntity",
    "Line",
    "MonetaryTotal",
    "OrderReference",
    "Party",
    "PartyTaxScheme",
    "PaymentMandate",
    "PaymentMeans",
    "Period",
    "Price",
    "Quantity",
    "TaxCategory",
    "TaxSubtotal",
    "TaxTotal",
]

PEPPOL_CUSTOMIZATION_ID = (
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
)
PEPPOL_PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

UBL = "semine_plugins.ubl"
_SKIP = "-"


@attrs.frozen
class FieldSpec:
    """Where one model field lives in UBL (private mapping record, read by parse and serialize).

    ``tag`` is a ``/``-separated path of prefixed names, optionally ending in
    ``@attribute``; ``cn_tag`` replaces it in a CreditNote (``"-"``: the field
    does not exist there).
    """

    tag: str
    kind: str
    cls: type[Any] | None = None
    many: bool = False
    cn_tag: str | None = None


def _spec(
    tag: str,
    kind: str,
    cls: type[Any] | None = None,
    *,
    many: bool = False,
    cn_tag: str | None = None,
) -> dict[str, FieldSpec]:
    return {UBL: FieldSpec(tag, kind, cls, many, cn_tag)}


def _to_decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, bool | float):
        raise TypeError("money and quantities must be Decimal, int or str, never float")
    result = Decimal(value)
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def _to_opt_decimal(value: Decimal | int | str | None) -> Decimal | None:
    return None if value is None else _to_decimal(value)


# -- value types ----------------------------------------------------------------------------


@attrs.frozen
class Identifier:
    """An identifier with an optional scheme (ISO 6523 ICD such as ``0192``, or EAS code).

    :ivar value: the identifier itself (``"987654321"``).
    :ivar scheme_id: the ``schemeID`` attribute (``"0192"`` for a Norwegian org. number).
    """

    value: str
    scheme_id: str | None = None


def _to_id(value: Identifier | str) -> Identifier:
    return value if isinstance(value, Identifier) else Identifier(value)


def _to_opt_id(value: Identifier | str | None) -> Identifier | None:
    return None if value is None else _to_id(value)


@attrs.frozen
class Quantity:
    """A quantity with its UN/ECE Rec 20 unit code (``EA``, ``HUR``, ``KGM``...)."""

    value: Decimal = attrs.field(converter=_to_decimal)
    unit_code: str | None = None


@attrs.frozen
class ClassificationCode:
    """An item classification code (``cbc:ItemClassificationCode``) with its list (UNCL7143)."""

    value: str
    list_id: str | None = None
    list_version_id: str | None = None


@attrs.frozen(kw_only=True)
class BinaryObject:
    """An embedded file: its bytes, MIME type and file name.

    Serialised as base64 in ``cbc:EmbeddedDocumentBinaryObject``.
    """

    content: bytes = attrs.field(repr=lambda b: f"<{len(b)} bytes>")
    mime_code: str
    filename: str | None = None


# -- parties ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Address:
    """A postal address (BG-5, BG-8, BG-12, BG-15)."""

    street_name: str | None = attrs.field(default=None, metadata=_spec("cbc:StreetName", "text"))
    additional_street_name: str | None = attrs.field(
        default=None, metadata=_spec("cbc:AdditionalStreetName", "text")
    )
    city_name: str | None = attrs.field(default=None, metadata=_spec("cbc:CityName", "text"))
    postal_zone: str | None = attrs.field(default=None, metadata=_spec("cbc:PostalZone", "text"))
    country_subentity: str | None = attrs.field(
        default=None, metadata=_spec("cbc:CountrySubentity", "text")
    )
    address_line: str | None = attrs.field(
        default=None, metadata=_spec("cac:AddressLine/cbc:Line", "text")
    )
    country: str | None = attrs.field(
        default=None, metadata=_spec("cac:Country/cbc:IdentificationCode", "text")
    )


@attrs.frozen(kw_only=True)
class PartyTaxScheme:
    """A tax registration: a VAT number (``tax_scheme="VAT"``).

    Norwegian suppliers add ``PartyTaxScheme(company_id="Foretaksregisteret", tax_scheme="TAX")``.
    """

    company_id: str | None = attrs.field(default=None, metadata=_spec("cbc:CompanyID", "text"))
    tax_scheme: str = attrs.field(default="VAT", metadata=_spec("cac:TaxScheme/cbc:ID", "text"))


@attrs.frozen(kw_only=True)
class LegalEntity:
    """The party's legal registration (BT-27/BT-30/BT-33 and friends)."""

    registration_name: str | None = attrs.field(
        default=None, metadata=_spec("cbc:RegistrationName", "text")
    )
    company_id: Identifier | None = attrs.field(
        default=None, converter=_to_opt_id, metadata=_spec("cbc:CompanyID", "id")
    )
    legal_form: str | None = attrs.field(
        default=None, metadata=_spec("cbc:CompanyLegalForm", "text")
    )


@attrs.frozen(kw_only=True)
class Contact:
    """A contact point: name, telephone, e-mail."""

    name: str | None = attrs.field(default=None, metadata=_spec("cbc:Name", "text"))
    telephone: str | None = attrs.field(default=None, metadata=_spec("cbc:Telephone", "text"))
    email: str | None = attrs.field(default=None, metadata=_spec("cbc:ElectronicMail", "text"))


@attrs.frozen(kw_only=True)
class Party:
    """A supplier, customer, payee or tax representative.

    :ivar endpoint_id: the electronic address (``Identifier("987654321", "0192")``).
    :ivar identifiers: party identifiers (``cac:PartyIdentification``).
    :ivar name: trading name (``cac:PartyName``).
    :ivar tax_schemes: VAT and other tax registrations.
    """

    endpoint_id: Identifier | None = attrs.field(
        default=None, converter=_to_opt_id, metadata=_spec("cbc:EndpointID", "id")
    )
    identifiers: tuple[Identifier, ...] = attrs.field(
        default=(), metadata=_spec("cac:PartyIdentification/cbc:ID", "id", many=True)
    )
    name: str | None = attrs.field(default=None, metadata=_spec("cac:PartyName/cbc:Name", "text"))
    address: Address | None = attrs.field(
        default=None, metadata=_spec("cac:PostalAddress", "obj", Address)
    )
    tax_schemes: tuple[PartyTaxScheme, ...] = attrs.field(
        default=(), metadata=_spec("cac:PartyTaxScheme", "obj", PartyTaxScheme, many=True)
    )
    legal_entity: LegalEntity | None = attrs.field(
        default=None, metadata=_spec("cac:PartyLegalEntity", "obj", LegalEntity)
    )
    contact: Contact | None = attrs.field(
        default=None, metadata=_spec("cac:Contact", "obj", Contact)
    )

    @property
    def vat_id(self) -> str | None:
        """The VAT identifier (the ``CompanyID`` of the ``VAT`` tax scheme), if any."""
        for scheme in self.tax_schemes:
            if scheme.tax_scheme == "VAT" and scheme.company_id:
                return scheme.company_id
        return None

    @property
    def display_name(self) -> str | None:
        """The trading name, else the registered legal name."""
        if self.name:
            return self.name
        return self.legal_entity.registration_name if self.legal_entity else None


# -- references, periods, delivery ---------------------------------------------------------


@attrs.frozen(kw_only=True)
class Period:
    """An invoicing period (BG-14 / BG-26)."""

    start_date: date | None = attrs.field(default=None, metadata=_spec("cbc:StartDate", "date"))
    end_date: date | None = attrs.field(default=None, metadata=_spec("cbc:EndDate", "date"))
    description_code: str | None = attrs.field(
        default=None, metadata=_spec("cbc:DescriptionCode", "text")
    )


@attrs.frozen(kw_only=True)
class OrderReference:
    """The purchase order (BT-13) and sales order (BT-14) references."""

    id: str = attrs.field(metadata=_spec("cbc:ID", "text"))
    sales_order_id: str | None = attrs.field(
        default=None, metadata=_spec("cbc:SalesOrderID", "text")
    )


@attrs.frozen(kw_only=True)
class DocumentReference:
    """A preceding invoice reference (BG-3): its number and issue date."""

    id: str = attrs.field(metadata=_spec("cbc:ID", "text"))
    issue_date: date | None = attrs.field(default=None, metadata=_spec("cbc:IssueDate", "date"))


@attrs.frozen(kw_only=True)
class Attachment:
    """A supporting document (BG-24): embedded file and/or external URI.

    ``type_code`` ``"130"`` makes it the invoiced object identifier (BT-18)
    rather than an attachment.
    """

    id: Identifier = attrs.field(converter=_to_id, metadata=_spec("cbc:ID", "id"))
    type_code: str | None = attrs.field(
        default=None, metadata=_spec("cbc:DocumentTypeCode", "text")
    )
    description: str | None = attrs.field(
        default=None, metadata=_spec("cbc:DocumentDescription", "text")
    )
    embedded: BinaryObject | None = attrs.field(
        default=None, metadata=_spec("cac:Attachment/cbc:EmbeddedDocumentBinaryObject", "binary")
    )
    external_uri: str | None = attrs.field(
        default=None, metadata=_spec("cac:Attachment/cac:ExternalReference/cbc:URI", "text")
    )


@attrs.frozen(kw_only=True)
class Delivery:
    """Delivery information (BG-13)."""

    actual_delivery_date: date | None = attrs.field(
        default=None, metadata=_spec("cbc:ActualDeliveryDate", "date")
    )
    location_id: Identifier | None = attrs.field(
        default=None, converter=_to_opt_id, metadata=_spec("cac:DeliveryLocation/cbc:ID", "id")
    )
    address: Address | None = attrs.field(
        default=None, metadata=_spec("cac:DeliveryLocation/cac:Address", "obj", Address)
    )
    party_name: str | None = attrs.field(
        default=None, metadata=_spec("cac:DeliveryParty/cac:PartyName/cbc:Name", "text")
    )


# -- payment -------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CardAccount:
    """Payment card information (BG-18): never the full card number, only the last digits."""

    primary_account_number: str = attrs.field(metadata=_spec("cbc:PrimaryAccountNumberID", "text"))
    network_id: str = attrs.field(metadata=_spec("cbc:NetworkID", "text"))
    holder_name: str | None = attrs.field(default=None, metadata=_spec("cbc:HolderName", "text"))


@attrs.frozen(kw_only=True)
class FinancialAccount:
    """The payee's account for a credit transfer (BG-17): IBAN or BBAN, name, BIC."""

    id: str = attrs.field(metadata=_spec("cbc:ID", "text"))
    name: str | None = attrs.field(default=None, metadata=_spec("cbc:Name", "text"))
    bic: str | None = attrs.field(
        default=None, metadata=_spec("cac:FinancialInstitutionBranch/cbc:ID", "text")
    )


@attrs.frozen(kw_only=True)
class PaymentMandate:
    """A direct debit (BG-19): mandate reference and debited account."""

    id: str | None = attrs.field(default=None, metadata=_spec("cbc:ID", "text"))
    payer_account: str | None = attrs.field(
        default=None, metadata=_spec("cac:PayerFinancialAccount/cbc:ID", "text")
    )


@attrs.frozen(kw_only=True)
class PaymentMeans:
    """How to pay (BG-16).

    :ivar code: UNCL4461 (``"30"`` credit transfer, ``"58"`` SEPA, ``"48"`` card,
        ``"49"`` direct debit).
    :ivar payment_id: the remittance information, e.g. a Norwegian KID number.
    :ivar payment_due_date: a credit note's due date (UBL 2.1 credit notes have no ``DueDate``).
    """

    code: str = attrs.field(metadata=_spec("cbc:PaymentMeansCode", "text"))
    name: str | None = attrs.field(
        default=None, metadata=_spec("cbc:PaymentMeansCode@name", "text")
    )
    payment_due_date: date | None = attrs.field(
        default=None, metadata=_spec("cbc:PaymentDueDate", "date")
    )
    payment_id: str | None = attrs.field(default=None, metadata=_spec("cbc:PaymentID", "text"))
    card: CardAccount | None = attrs.field(
        default=None, metadata=_spec("cac:CardAccount", "obj", CardAccount)
    )
    payee_account: FinancialAccount | None = attrs.field(
        default=None, metadata=_spec("cac:PayeeFinancialAccount", "obj", FinancialAccount)
    )
    mandate: PaymentMandate | None = attrs.field(
        default=None, metadata=_spec("cac:PaymentMandate", "obj", PaymentMandate)
    )


# -- tax, allowances, totals ---------------------------------------------------------------


@attrs.frozen(kw_only=True)
class TaxCategory:
    """A VAT category (UNCL5305: S, Z, E, AE, K, G, O, L, M) with its rate and exemption reason."""

    id: str = attrs.field(metadata=_spec("cbc:ID", "text"))
    percent: Decimal | None = attrs.field(
        default=None, converter=_to_opt_decimal, metadata=_spec("cbc:Percent", "decimal")
    )
    exemption_reason_code: str | None = attrs.field(
        default=None, metadata=_spec("cbc:TaxExemptionReasonCode", "text")
    )
    exemption_reason: str | None = attrs.field(
        default=None, metadata=_spec("cbc:TaxExemptionReason", "text")
    )
    tax_scheme: str = attrs.field(default="VAT", metadata=_spec("cac:TaxScheme/cbc:ID", "text"))


@attrs.frozen(kw_only=True)
class AllowanceCharge:
    """A document-level, line-level or price allowance (discount) or charge.

    :ivar charge: ``True`` for a charge, ``False`` for an allowance.
    :ivar tax_category: required at document level, absent on lines and prices.
    """

    charge: bool = attrs.field(metadata=_spec("cbc:ChargeIndicator", "bool"))
    reason_code: str | None = attrs.field(
        default=None, metadata=_spec("cbc:AllowanceChargeReasonCode", "text")
    )
    reason: str | None = attrs.field(
        default=None, metadata=_spec("cbc:AllowanceChargeReason", "text")
    )
    multiplier: Decimal | None = attrs.field(
        default=None,
        converter=_to_opt_decimal,
        metadata=_spec("cbc:MultiplierFactorNumeric", "decimal"),
    )
    amount: Decimal = attrs.field(converter=_to_decimal, metadata=_spec("cbc:Amount", "amount"))
    base_amount: Decimal | None = attrs.field(
        default=None, converter=_to_opt_decimal, metadata=_spec("cbc:BaseAmount", "amount")
    )
    tax_category: TaxCategory | None = attrs.field(
        default=None, metadata=_spec("cac:TaxCategory", "obj", TaxCategory)
    )


@attrs.frozen(kw_only=True)
class TaxSubtotal:
    """The VAT breakdown for one category and rate (BG-23)."""

    taxable_amount: Decimal = attrs.field(
        converter=_to_decimal, metadata=_spec("cbc:TaxableAmount", "amount")
    )
    tax_amount: Decimal = attrs.field(
        converter=_to_decimal, metadata=_spec("cbc:TaxAmount", "amount")
    )
    category: TaxCategory = attrs.field(metadata=_spec("cac:TaxCategory", "obj", TaxCategory))


@attrs.frozen(kw_only=True)
class TaxTotal:
    """The total VAT (BT-110, or BT-111 in the tax currency) and its breakdown.

    :ivar currency: ``None`` for the document currency; the tax currency code
        (BT-6) for the second total that states VAT in the accounting currency.
    """

    tax_amount: Decimal = attrs.field(
        converter=_to_decimal, metadata=_spec("cbc:TaxAmount", "amount")
    )
    subtotals: tuple[TaxSubtotal, ...] = attrs.field(
        default=(), metadata=_spec("cac:TaxSubtotal", "obj", TaxSubtotal, many=True)
    )
    currency: str | None = attrs.field(default=None, metadata=_spec("", "currency"))


@attrs.frozen(kw_only=True)
class MonetaryTotal:
    """Document totals (BG-22)."""

    line_extension_amount: Decimal = attrs.field(
        converter=_to_decimal, metadata=_spec("cbc:LineExtensionAmount", "amount")
    )
    tax_exclusive_amount: Decimal = attrs.field(
        converter=_to_decimal, metadata=_spec("cbc:TaxExclusiveAmount", "amount")
    )
    tax_inclusive_amount: Decimal = attrs.field(
        converter=_to_decimal, metadata=_spec("cbc:TaxInclusiveAmount", "amount")
    )
    allowance_total_amount: Decimal | None = attrs.field(
        default=None,
        converter=_to_opt_decimal,
        metadata=_spec("cbc:AllowanceTotalAmount", "amount"),
    )
    charge_total_amount: Decimal | None = attrs.field(
        default=None,
        converter=_to_opt_decimal,
        metadata=_spec("cbc:ChargeTotalAmount", "amount"),
    )
    prepaid_amount: Decimal | None = attrs.field(
        default=None, converter=_to_opt_decimal, metadata=_spec("cbc:PrepaidAmount", "amount")
    )
    payable_rounding_amount: Decimal | None = attrs.field(
        default=None,
        converter=_to_opt_decimal,
        metadata=_spec("cbc:PayableRoundingAmount", "amount"),
    )
    payable_amount: Decimal = attrs.field(
        converter=_to_decimal, metadata=_spec("cbc:PayableAmount", "amount")
    )


# -- lines ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ItemProperty:
    """An item attribute (BG-32): name and value."""

    name: str = attrs.field(metadata=_spec("cbc:Name", "text"))
    value: str = attrs.field(metadata=_spec("cbc:Value", "text"))


@attrs.frozen(kw_only=True)
class Item:
    """What a line sells (BG-31)."""

    description: str | None = attrs.field(default=None, metadata=_spec("cbc:Description", "text"))
    name: str = attrs.field(metadata=_spec("cbc:Name", "text"))
    buyers_id: str | None = attrs.field(
        default=None, metadata=_spec("cac:BuyersItemIdentification/cbc:ID", "text")
    )
    sellers_id: str | None = attrs.field(
        default=None, metadata=_spec("cac:SellersItemIdentification/cbc:ID", "text")
    )
    standard_id: Identifier | None = attrs.field(
        default=None,
        converter=_to_opt_id,
        metadata=_spec("cac:StandardItemIdentification/cbc:ID", "id"),
    )
    origin_country: str | None = attrs.field(
        default=None, metadata=_spec("cac:OriginCountry/cbc:IdentificationCode", "text")
    )
    classifications: tuple[ClassificationCode, ...] = attrs.field(
        default=(),
        metadata=_spec(
            "cac:CommodityClassification/cbc:ItemClassificationCode", "listed", many=True
        ),
    )
    tax_category: TaxCategory = attrs.field(
        metadata=_spec("cac:ClassifiedTaxCategory", "obj", TaxCategory)
    )
    properties: tuple[ItemProperty, ...] = attrs.field(
        default=(), metadata=_spec("cac:AdditionalItemProperty", "obj", ItemProperty, many=True)
    )


@attrs.frozen(kw_only=True)
class Price:
    """The item's net price (BT-146), its base quantity and the gross-price discount."""

    amount: Decimal = attrs.field(
        converter=_to_decimal, metadata=_spec("cbc:PriceAmount", "amount")
    )
    base_quantity: Quantity | None = attrs.field(
        default=None, metadata=_spec("cbc:BaseQuantity", "quantity")
    )
    allowance: AllowanceCharge | None = attrs.field(
        default=None, metadata=_spec("cac:AllowanceCharge", "obj", AllowanceCharge)
    )


@attrs.frozen(kw_only=True)
class Line:
    """An invoice line (BG-25) or credit note line."""

    id: str = attrs.field(metadata=_spec("cbc:ID", "text"))
    note: str | None = attrs.field(default=None, metadata=_spec("cbc:Note", "text"))
    quantity: Quantity = attrs.field(
        metadata=_spec("cbc:InvoicedQuantity", "quantity", cn_tag="cbc:CreditedQuantity")
    )
    line_extension_amount: Decimal = attrs.field(
        converter=_to_decimal, metadata=_spec("cbc:LineExtensionAmount", "amount")
    )
    accounting_cost: str | None = attrs.field(
        default=None, metadata=_spec("cbc:AccountingCost", "text")
    )
    period: Period | None = attrs.field(
        default=None, metadata=_spec("cac:InvoicePeriod", "obj", Period)
    )
    order_line_reference: str | None = attrs.field(
        default=None, metadata=_spec("cac:OrderLineReference/cbc:LineID", "text")
    )
    allowances_charges: tuple[AllowanceCharge, ...] = attrs.field(
        default=(), metadata=_spec("cac:AllowanceCharge", "obj", AllowanceCharge, many=True)
    )
    item: Item = attrs.field(metadata=_spec("cac:Item", "obj", Item))
    price: Price = attrs.field(metadata=_spec("cac:Price", "obj", Price))


# -- documents -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Document:
    customization_id: str = attrs.field(
        default=PEPPOL_CUSTOMIZATION_ID, metadata=_spec("cbc:CustomizationID", "text")
    )
    profile_id: str | None = attrs.field(
        default=PEPPOL_PROFILE_ID, metadata=_spec("cbc:ProfileID", "text")
    )
    id: str = attrs.field(metadata=_spec("cbc:ID", "text"))
    issue_date: date = attrs.field(metadata=_spec("cbc:IssueDate", "date"))
    due_date: date | None = attrs.field(
        default=None, metadata=_spec("cbc:DueDate", "date", cn_tag=_SKIP)
    )
    type_code: str = attrs.field(
        default="380",
        metadata=_spec("cbc:InvoiceTypeCode", "text", cn_tag="cbc:CreditNoteTypeCode"),
    )
    notes: tuple[str, ...] = attrs.field(default=(), metadata=_spec("cbc:Note", "text", many=True))
    tax_point_date: date | None = attrs.field(
        default=None, metadata=_spec("cbc:TaxPointDate", "date")
    )
    currency: str = attrs.field(metadata=_spec("cbc:DocumentCurrencyCode", "text"))
    tax_currency: str | None = attrs.field(
        default=None, metadata=_spec("cbc:TaxCurrencyCode", "text")
    )
    accounting_cost: str | None = attrs.field(
        default=None, metadata=_spec("cbc:AccountingCost", "text")
    )
    buyer_reference: str | None = attrs.field(
        default=None, metadata=_spec("cbc:BuyerReference", "text")
    )
    invoice_period: Period | None = attrs.field(
        default=None, metadata=_spec("cac:InvoicePeriod", "obj", Period)
    )
    order_reference: OrderReference | None = attrs.field(
        default=None, metadata=_spec("cac:OrderReference", "obj", OrderReference)
    )
    billing_references: tuple[DocumentReference, ...] = attrs.field(
        default=(),
        metadata=_spec(
            "cac:BillingReference/cac:InvoiceDocumentReference", "obj", DocumentReference, many=True
        ),
    )
    despatch_reference: str | None = attrs.field(
        default=None, metadata=_spec("cac:DespatchDocumentReference/cbc:ID", "text")
    )
    receipt_reference: str | None = attrs.field(
        default=None, metadata=_spec("cac:ReceiptDocumentReference/cbc:ID", "text")
    )
    originator_reference: str | None = attrs.field(
        default=None, metadata=_spec("cac:OriginatorDocumentReference/cbc:ID", "text")
    )
    contract_reference: str | None = attrs.field(
        default=None, metadata=_spec("cac:ContractDocumentReference/cbc:ID", "text")
    )
    attachments: tuple[Attachment, ...] = attrs.field(
        default=(), metadata=_spec("cac:AdditionalDocumentReference", "obj", Attachment, many=True)
    )
    project_reference: str | None = attrs.field(
        default=None, metadata=_spec("cac:ProjectReference/cbc:ID", "text", cn_tag=_SKIP)
    )
    supplier: Party = attrs.field(
        metadata=_spec("cac:AccountingSupplierParty/cac:Party", "obj", Party)
    )
    customer: Party = attrs.field(
        metadata=_spec("cac:AccountingCustomerParty/cac:Party", "obj", Party)
    )
    payee: Party | None = attrs.field(default=None, metadata=_spec("cac:PayeeParty", "obj", Party))
    tax_representative: Party | None = attrs.field(
        default=None, metadata=_spec("cac:TaxRepresentativeParty", "obj", Party)
    )
    delivery: Delivery | None = attrs.field(
        default=None, metadata=_spec("cac:Delivery", "obj", Delivery)
    )
    payment_means: tuple[PaymentMeans, ...] = attrs.field(
        default=(), metadata=_spec("cac:PaymentMeans", "obj", PaymentMeans, many=True)
    )
    payment_terms: str | None = attrs.field(
        default=None, metadata=_spec("cac:PaymentTerms/cbc:Note", "text")
    )
    allowances_charges: tuple[AllowanceCharge, ...] = attrs.field(
        default=(), metadata=_spec("cac:AllowanceCharge", "obj", AllowanceCharge, many=True)
    )
    tax_totals: tuple[TaxTotal, ...] = attrs.field(
        default=(), metadata=_spec("cac:TaxTotal", "obj", TaxTotal, many=True)
    )
    totals: MonetaryTotal = attrs.field(
        metadata=_spec("cac:LegalMonetaryTotal", "obj", MonetaryTotal)
    )
    lines: tuple[Line, ...] = attrs.field(
        default=(),
        metadata=_spec("cac:InvoiceLine", "obj", Line, many=True, cn_tag="cac:CreditNoteLine"),
    )

    @property
    def supplier_id(self) -> Identifier | None:
        """The supplier's best identity: endpoint ID, else legal company ID, else first party ID."""
        sup = self.supplier
        if sup.endpoint_id is not None:
            return sup.endpoint_id
        if sup.legal_entity is not None and sup.legal_entity.company_id is not None:
            return sup.legal_entity.company_id
        return sup.identifiers[0] if sup.identifiers else None

    def to_xml(self) -> bytes:
        """Serialise as UBL 2.1 XML (UTF-8, XSD element order, deterministic bytes)."""
        from semine_plugins.ubl._serialize import serialize  # noqa: PLC0415 (import cycle)

        return serialize(self)


@attrs.frozen(kw_only=True)
class Invoice(_Document):
    """A UBL 2.1 Invoice (Peppol BIS Billing 3.0 / EHF); ``type_code`` 380 by default.

    Build one from data, then :meth:`to_xml`; :func:`semine_plugins.ubl.parse`
    gives one back. See :mod:`semine_plugins.ubl` for the field mapping.
    """


@attrs.frozen(kw_only=True)
class CreditNote(_Document):
    """A UBL 2.1 CreditNote; ``type_code`` 381 by default.

    A UBL 2.1 credit note has no ``DueDate`` and no ``ProjectReference``:
    put the due date on :attr:`PaymentMeans.payment_due_date`.
    """

    type_code: str = attrs.field(
        default="381",
        metadata=_spec("cbc:InvoiceTypeCode", "text", cn_tag="cbc:CreditNoteTypeCode"),
    )

    def __attrs_post_init__(self) -> None:
        if self.due_date is not None:
            raise ValueError(
                "a UBL 2.1 CreditNote has no DueDate; use PaymentMeans.payment_due_date"
            )
        if self.project_reference is not None:
            raise ValueError("a UBL 2.1 CreditNote has no ProjectReference")


# Element order per root where it differs from field order (XSD sequences differ).
CREDIT_NOTE_ORDER = (
    "customization_id",
    "profile_id",
    "id",
    "issue_date",
    "tax_point_date",
    "type_code",
    "notes",
    "currency",
    "tax_currency",
    "accounting_cost",
    "buyer_reference",
    "invoice_period",
    "order_reference",
    "billing_references",
    "despatch_reference",
    "receipt_reference",
    "contract_reference",
    "attachments",
    "originator_reference",
    "supplier",
    "customer",
    "payee",
    "tax_representative",
    "delivery",
    "payment_means",
    "payment_terms",
    "allowances_charges",
    "tax_totals",
    "totals",
    "lines",
)
