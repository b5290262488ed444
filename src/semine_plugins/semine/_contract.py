"""Every URL, header, query parameter and JSON field name of the SEMINE API.

This module is the single place where the client meets the wire format of
``semine-api.md``; aligning with the real service later is a change here only.
Paths are templates relative to the base URL; ``{orgId}``, ``{clientId}`` and
``{invoiceId}`` are filled in by the client.
"""

from __future__ import annotations

from typing import Final

# --------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------

TOKEN_PATH: Final = "/api/v1.0/token"  # noqa: S105 - a path, not a secret
ORGANIZATIONS_PATH: Final = "/api/v1.0/organizations"
CLIENT_PATH: Final = "/api/v1.0/organizations/{orgId}/clients/{clientId}"
INVOICES_PATH: Final = CLIENT_PATH + "/invoices"
INVOICE_PATH: Final = INVOICES_PATH + "/{invoiceId}"
INVOICE_STATUS_PATH: Final = INVOICE_PATH + "/status"
INVOICE_DOCUMENT_PATH: Final = INVOICE_PATH + "/document"

#: Every (method, path template) the client uses; the contract test checks
#: each one against the sandbox's OpenAPI document.
ENDPOINTS: Final = (
    ("POST", TOKEN_PATH),
    ("GET", ORGANIZATIONS_PATH),
    ("GET", INVOICES_PATH),
    ("POST", INVOICES_PATH),
    ("GET", INVOICE_PATH),
    ("PUT", INVOICE_STATUS_PATH),
    ("GET", INVOICE_DOCUMENT_PATH),
)

# --------------------------------------------------------------------------
# Headers and media types
# --------------------------------------------------------------------------

AUTHORIZATION: Final = "Authorization"
BEARER: Final = "Bearer"
IDEMPOTENCY_KEY: Final = "Idempotency-Key"
RETRY_AFTER: Final = "Retry-After"
CONTENT_TYPE: Final = "Content-Type"
ACCEPT: Final = "Accept"
JSON: Final = "application/json"
PROBLEM_JSON: Final = "application/problem+json"
XML: Final = "application/xml"

# --------------------------------------------------------------------------
# Authentication (form fields and answer fields)
# --------------------------------------------------------------------------

GRANT_TYPE: Final = "grant_type"
GRANT_PASSWORD: Final = "password"  # noqa: S105 - the OAuth grant's name, not a secret
USERNAME: Final = "username"
PASSWORD: Final = "password"  # noqa: S105 - a form field's name, not a secret
ACCESS_TOKEN: Final = "access_token"  # noqa: S105 - a JSON field's name
EXPIRES_IN: Final = "expires_in"
OAUTH_ERROR_DESCRIPTION: Final = "error_description"

# --------------------------------------------------------------------------
# Query parameters, list envelope, status update, import answer
# --------------------------------------------------------------------------

Q_STATUS: Final = "status"
Q_PAGE: Final = "page"
Q_PAGE_SIZE: Final = "pageSize"
ITEMS: Final = "items"
TOTAL: Final = "total"

STATUS: Final = "status"
MESSAGE: Final = "message"
VOUCHER_NUMBER: Final = "voucherNumber"
ID: Final = "id"

#: Status values.
POSTING: Final = "Posting"
POSTED: Final = "Posted"
POSTING_ERROR: Final = "PostingError"
STATUS_UPDATES: Final = frozenset({POSTED, POSTING_ERROR})

# --------------------------------------------------------------------------
# Problem details (RFC 9457)
# --------------------------------------------------------------------------

PROBLEM_TITLE: Final = "title"
PROBLEM_DETAIL: Final = "detail"
PROBLEM_ERRORS: Final = "errors"

# --------------------------------------------------------------------------
# Discovery
# --------------------------------------------------------------------------

ORG_ID: Final = "id"
ORG_CLIENTS: Final = "clients"
CLIENT_ID: Final = "id"
CLIENT_NAME: Final = "name"
CLIENT_ORGANIZATION_NUMBER: Final = "organizationNumber"

# --------------------------------------------------------------------------
# Invoice documents: attribute name of the model -> JSON field name.
# --------------------------------------------------------------------------

ADDRESS_FIELDS: Final = {
    "street": "street",
    "city": "city",
    "postal_code": "postalCode",
    "country": "country",
}
BANK_ACCOUNT_FIELDS: Final = {
    "account_number": "accountNumber",
    "iban": "ibanAccountNumber",
    "swift_code": "swiftCode",
}
SUPPLIER_FIELDS: Final = {
    "code": "code",
    "name": "name",
    "organization_number": "organizationNumber",
    "vat_number": "vatNumber",
    "address": "address",
    "bank_accounts": "bankAccounts",
}
BUYER_FIELDS: Final = {
    "name": "name",
    "organization_number": "organizationNumber",
    "vat_number": "vatNumber",
    "address": "address",
}
INVOICE_LINE_FIELDS: Final = {
    "line_number": "lineNumber",
    "description": "description",
    "quantity": "quantity",
    "unit_code": "unitCode",
    "unit_price": "unitPrice",
    "net_amount": "netAmount",
    "vat_category": "vatCategory",
    "vat_rate": "vatRate",
}
ACCOUNTING_LINE_FIELDS: Final = {
    "accounting_code": "accountingCode",
    "vat_code": "vatCode",
    "amount": "amount",
    "dimensions": "dimensions",
}
VAT_BREAKDOWN_FIELDS: Final = {
    "vat_category": "vatCategory",
    "vat_rate": "vatRate",
    "taxable_amount": "taxableAmount",
    "vat_amount": "vatAmount",
}
TOTALS_FIELDS: Final = {
    "line_extension_amount": "lineExtensionAmount",
    "tax_exclusive_amount": "taxExclusiveAmount",
    "vat_amount": "vatAmount",
    "tax_inclusive_amount": "taxInclusiveAmount",
    "payable_amount": "payableAmount",
}
ATTACHMENT_FIELDS: Final = {
    "filename": "filename",
    "mime_type": "mimeType",
    "content": "contentBase64",
}
INVOICE_SUMMARY_FIELDS: Final = {
    "id": "id",
    "invoice_number": "invoiceNumber",
    "status": "invoiceStatus",
    "document_type": "documentType",
    "supplier_name": "supplierName",
    "invoice_date": "invoiceDate",
    "currency": "currency",
    "payable_amount": "payableAmount",
}
INVOICE_DETAIL_FIELDS: Final = {
    "id": "id",
    "invoice_number": "invoiceNumber",
    "status": "invoiceStatus",
    "document_type": "documentType",
    "invoice_date": "invoiceDate",
    "due_date": "dueDate",
    "currency": "currency",
    "buyer_reference": "buyerReference",
    "order_reference": "orderReference",
    "payment_reference": "paymentReference",
    "note": "note",
    "supplier": "supplier",
    "buyer": "buyer",
    "lines": "invoiceLines",
    "accounting_lines": "invoiceAccountingLines",
    "vat_breakdown": "vatBreakdown",
    "totals": "totals",
    "attachments": "attachments",
}
