"""The sandbox's OpenAPI 3.1 document, written by hand from ``semine-api.md``."""

from __future__ import annotations

import copy
from typing import Any

_DECIMAL = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
_DECIMAL_OR_NULL = {"type": ["string", "null"], "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
_DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
_STR = {"type": ["string", "null"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(props: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(required)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref("Problem")}},
    }


_ADDRESS = _obj({"street": _STR, "city": _STR, "postalCode": _STR, "country": _STR})

_SCHEMAS: dict[str, Any] = {
    "Problem": {
        **_obj(
            {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "object"}},
                "error": {"type": "string"},
                "error_description": {"type": "string"},
            },
            ("title", "status"),
        ),
        "description": "RFC 9457 problem details; every non-2xx answer carries one.",
    },
    "Token": _obj(
        {
            "access_token": {"type": "string", "minLength": 1},
            "token_type": {"const": "Bearer"},
            "expires_in": {"type": "integer"},
        },
        ("access_token", "token_type", "expires_in"),
    ),
    "Client": _obj(
        {"id": {"type": "integer"}, "name": {"type": "string"}, "organizationNumber": _STR},
        ("id", "name"),
    ),
    "Organization": _obj(
        {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "clients": {"type": "array", "items": _ref("Client")},
        },
        ("id", "name", "clients"),
    ),
    "InvoiceSummary": _obj(
        {
            "id": {"type": "integer"},
            "invoiceNumber": _STR,
            "invoiceStatus": {"type": "string"},
            "documentType": {"enum": ["Invoice", "CreditNote"]},
            "supplierName": _STR,
            "invoiceDate": _DATE_OR_NULL,
            "currency": _STR,
            "payableAmount": _DECIMAL_OR_NULL,
        },
        ("id", "invoiceStatus"),
    ),
    "InvoicePage": _obj(
        {
            "items": {"type": "array", "items": _ref("InvoiceSummary")},
            "page": {"type": "integer", "minimum": 1},
            "pageSize": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
        },
        ("items", "page", "pageSize", "total"),
    ),
    "Address": _ADDRESS,
    "Supplier": _obj(
        {
            "code": _STR,
            "name": _STR,
            "organizationNumber": _STR,
            "vatNumber": _STR,
            "address": _ref("Address"),
            "bankAccounts": {
                "type": "array",
                "items": _obj(
                    {"accountNumber": _STR, "ibanAccountNumber": _STR, "swiftCode": _STR}
                ),
            },
        }
    ),
    "Buyer": _obj(
        {
            "name": _STR,
            "organizationNumber": _STR,
            "vatNumber": _STR,
            "address": _ref("Address"),
        }
    ),
    "InvoiceDetail": _obj(
        {
            "id": {"type": "integer"},
            "invoiceNumber": _STR,
            "invoiceStatus": {"type": "string"},
            "documentType": {"enum": ["Invoice", "CreditNote"]},
            "invoiceDate": _DATE_OR_NULL,
            "dueDate": _DATE_OR_NULL,
            "currency": _STR,
            "buyerReference": _STR,
            "orderReference": _STR,
            "paymentReference": _STR,
            "note": _STR,
            "supplier": _ref("Supplier"),
            "buyer": _ref("Buyer"),
            "invoiceLines": {
                "type": "array",
                "items": _obj(
                    {
                        "lineNumber": {"type": ["string", "integer"]},
                        "description": _STR,
                        "quantity": _DECIMAL_OR_NULL,
                        "unitCode": _STR,
                        "unitPrice": _DECIMAL_OR_NULL,
                        "netAmount": _DECIMAL_OR_NULL,
                        "vatCategory": _STR,
                        "vatRate": _DECIMAL_OR_NULL,
                    }
                ),
            },
            "invoiceAccountingLines": {
                "type": "array",
                "items": _obj(
                    {
                        "accountingCode": _STR,
                        "vatCode": _STR,
                        "amount": _DECIMAL_OR_NULL,
                        "dimensions": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                        },
                    }
                ),
            },
            "vatBreakdown": {
                "type": "array",
                "items": _obj(
                    {
                        "vatCategory": _STR,
                        "vatRate": _DECIMAL_OR_NULL,
                        "taxableAmount": _DECIMAL_OR_NULL,
                        "vatAmount": _DECIMAL_OR_NULL,
                    }
                ),
            },
            "totals": _obj(
                {
                    "lineExtensionAmount": _DECIMAL_OR_NULL,
                    "taxExclusiveAmount": _DECIMAL_OR_NULL,
                    "vatAmount": _DECIMAL_OR_NULL,
                    "taxInclusiveAmount": _DECIMAL_OR_NULL,
                    "payableAmount": _DECIMAL_OR_NULL,
                }
            ),
            "attachments": {
                "type": "array",
                "items": _obj(
                    {
                        "filename": _STR,
                        "mimeType": _STR,
                        "contentBase64": {"type": "string", "contentEncoding": "base64"},
                    }
                ),
            },
        },
        ("id", "invoiceStatus"),
    ),
    "StatusUpdate": {
        **_obj(
            {
                "status": {"enum": ["Posted", "PostingError"]},
                "message": {"type": "string"},
                "voucherNumber": {"type": "string"},
            },
            ("status",),
        ),
        "additionalProperties": False,
    },
    "ImportResult": _obj(
        {"id": {"type": "integer"}, "status": {"type": "string"}}, ("id", "status")
    ),
    "Setup": _obj(
        {
            "users": {
                "type": "array",
                "items": _obj(
                    {
                        "email": {"type": "string"},
                        "password": {"type": "string"},
                        "personalAccessToken": {"type": "string"},
                    },
                    ("email", "password"),
                ),
            },
            "organizations": {
                "type": "array",
                "items": _obj(
                    {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "clients": {
                            "type": "array",
                            "items": _obj(
                                {
                                    "id": {"type": "integer"},
                                    "name": {"type": "string"},
                                    "organizationNumber": {"type": "string"},
                                },
                                ("name",),
                            ),
                        },
                    },
                    ("name",),
                ),
            },
        }
    ),
    "Fault": _obj(
        {
            "method": {"type": ["string", "null"]},
            "path": {"type": ["string", "null"], "description": "a path prefix"},
            "status": {"type": ["integer", "null"]},
            "delaySeconds": {"type": "number", "minimum": 0},
            "drop": {"type": "boolean", "description": "close the connection, no answer"},
            "when": {"enum": ["before", "after"]},
            "retryAfter": {"type": ["integer", "null"]},
            "count": {"type": "integer", "minimum": 1},
        }
    ),
    "InvoiceRecord": {
        "allOf": [
            _ref("InvoiceDetail"),
            _obj(
                {
                    "clientId": {"type": "integer"},
                    "message": _STR,
                    "voucherNumber": _STR,
                    "idempotencyKey": _STR,
                    "hasDocument": {"type": "boolean"},
                },
                ("clientId", "hasDocument"),
            ),
        ]
    },
    "Call": _obj(
        {
            "method": {"type": "string"},
            "path": {"type": "string"},
            "query": {"type": "string"},
            "status": {"type": ["integer", "null"]},
            "idempotencyKey": {"type": ["string", "null"]},
            "fault": {"oneOf": [{"type": "null"}, _ref("Fault")]},
        },
        ("method", "path", "status"),
    ),
}

_ORG = {"name": "orgId", "in": "path", "required": True, "schema": {"type": "integer"}}
_CLIENT = {"name": "clientId", "in": "path", "required": True, "schema": {"type": "integer"}}
_INVOICE = {"name": "invoiceId", "in": "path", "required": True, "schema": {"type": "integer"}}
_COMMON = {
    "401": _problem("The bearer token is missing, wrong or expired: authenticate again."),
    "404": _problem("No such organization, client or invoice."),
    "429": _problem("Too many requests: try again later (honour Retry-After)."),
    "503": _problem("SEMINE is unavailable: try again later (honour Retry-After)."),
}
_BASE = "/api/v1.0/organizations/{orgId}/clients/{clientId}"

_PATHS: dict[str, Any] = {
    "/api/v1.0/token": {
        "post": {
            "operationId": "token",
            "summary": "Password grant: exchange the Semine Email / Password for a token.",
            "security": [],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": _obj(
                            {
                                "grant_type": {"const": "password"},
                                "username": {"type": "string"},
                                "password": {"type": "string"},
                            },
                            ("grant_type", "username", "password"),
                        )
                    }
                },
            },
            "responses": {
                "200": _json(_ref("Token"), "An access token."),
                "400": _problem("invalid_grant: the email or password is wrong."),
            },
        }
    },
    "/api/v1.0/organizations": {
        "get": {
            "operationId": "listOrganizations",
            "summary": "The organizations and clients the user may access.",
            "responses": {
                "200": _json({"type": "array", "items": _ref("Organization")}, "Organizations."),
                **_COMMON,
            },
        }
    },
    _BASE + "/invoices": {
        "parameters": [_ORG, _CLIENT],
        "get": {
            "operationId": "listInvoices",
            "summary": "One page of the client's invoices, filtered by status.",
            "parameters": [
                {"name": "status", "in": "query", "schema": {"type": "string"}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {
                    "name": "pageSize",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                },
            ],
            "responses": {"200": _json(_ref("InvoicePage"), "A page."), **_COMMON},
        },
        "post": {
            "operationId": "importInvoice",
            "summary": "Import a UBL 2.1 Invoice or CreditNote, its bytes unchanged.",
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {"application/xml": {"schema": {"type": "string"}}},
            },
            "responses": {
                "201": _json(_ref("ImportResult"), "A new invoice was created."),
                "200": _json(_ref("ImportResult"), "This key was seen before; nothing new."),
                "400": _problem("The Idempotency-Key header is missing."),
                "413": _problem("The document is too large."),
                "415": _problem("The body is not XML."),
                "422": _problem("The document is refused; retrying will not help."),
                **_COMMON,
            },
        },
    },
    _BASE + "/invoices/{invoiceId}": {
        "parameters": [_ORG, _CLIENT, _INVOICE],
        "get": {
            "operationId": "getInvoice",
            "summary": "The full invoice.",
            "responses": {"200": _json(_ref("InvoiceDetail"), "The invoice."), **_COMMON},
        },
    },
    _BASE + "/invoices/{invoiceId}/status": {
        "parameters": [_ORG, _CLIENT, _INVOICE],
        "put": {
            "operationId": "setInvoiceStatus",
            "summary": "Confirm an export (Posted) or report its failure (PostingError).",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("StatusUpdate")}},
            },
            "responses": {
                "204": {"description": "Recorded."},
                "409": _problem("The invoice is not in a status that can be changed so."),
                "422": _problem("Unknown status."),
                **_COMMON,
            },
        },
    },
    _BASE + "/invoices/{invoiceId}/document": {
        "parameters": [_ORG, _CLIENT, _INVOICE],
        "get": {
            "operationId": "getInvoiceDocument",
            "summary": "The original bytes of an imported document.",
            "responses": {
                "200": {
                    "description": "The document, unchanged.",
                    "content": {"application/xml": {"schema": {"type": "string"}}},
                },
                **_COMMON,
            },
        },
    },
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document.",
            "tags": ["sandbox"],
            "security": [],
            "responses": {"200": _json({"type": "object"}, "The OpenAPI 3.1 document.")},
        }
    },
    "/sandbox/v1/setup": {
        "post": {
            "operationId": "sandboxSetup",
            "summary": "Sandbox only: create users, organizations and clients.",
            "tags": ["sandbox"],
            "security": [],
            "requestBody": {"content": {"application/json": {"schema": _ref("Setup")}}},
            "responses": {"200": _json(_ref("Setup"), "The same, ids filled in.")},
        }
    },
    "/sandbox/v1/organizations/{orgId}/clients/{clientId}/invoices": {
        "parameters": [_ORG, _CLIENT],
        "post": {
            "operationId": "sandboxSeedInvoice",
            "summary": "Sandbox only: store an invoice (status Posting unless given).",
            "tags": ["sandbox"],
            "security": [],
            "requestBody": {"content": {"application/json": {"schema": _ref("InvoiceDetail")}}},
            "responses": {
                "201": _json(_obj({"id": {"type": "integer"}}, ("id",)), "Stored."),
                "404": _problem("No such client."),
            },
        },
    },
    "/sandbox/v1/faults": {
        "post": {
            "operationId": "sandboxAddFault",
            "summary": "Sandbox only: make the next `count` matching calls fail.",
            "tags": ["sandbox"],
            "security": [],
            "requestBody": {"content": {"application/json": {"schema": _ref("Fault")}}},
            "responses": {
                "201": _json(_ref("Fault"), "Queued."),
                "400": _problem("Not a valid fault."),
            },
        },
        "get": {
            "operationId": "sandboxListFaults",
            "summary": "Sandbox only: the pending faults.",
            "tags": ["sandbox"],
            "security": [],
            "responses": {"200": _json({"type": "array", "items": _ref("Fault")}, "Faults.")},
        },
        "delete": {
            "operationId": "sandboxResetFaults",
            "summary": "Sandbox only: forget pending faults and the call log.",
            "tags": ["sandbox"],
            "security": [],
            "responses": {"204": {"description": "Cleared."}},
        },
    },
    "/sandbox/v1/calls": {
        "get": {
            "operationId": "sandboxCalls",
            "summary": "Sandbox only: the contract calls received so far.",
            "description": (
                "With `wait`, first blocks (at most `wait` seconds, 60 at most) until `count` "
                "calls with `method` and a path starting with `path` have arrived; 408 if not."
            ),
            "tags": ["sandbox"],
            "security": [],
            "parameters": [
                {"name": "wait", "in": "query", "schema": {"type": "number", "minimum": 0}},
                {"name": "method", "in": "query", "schema": {"type": "string"}},
                {"name": "path", "in": "query", "schema": {"type": "string"}},
                {"name": "count", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            ],
            "responses": {
                "200": _json({"type": "array", "items": _ref("Call")}, "Calls."),
                "408": {"description": "The calls waited for did not arrive in time."},
            },
        }
    },
    "/sandbox/v1/tokens": {
        "delete": {
            "operationId": "sandboxRevokeTokens",
            "summary": "Sandbox only: expire every issued access token.",
            "tags": ["sandbox"],
            "security": [],
            "responses": {"204": {"description": "Revoked."}},
        }
    },
    "/sandbox/v1/invoices": {
        "get": {
            "operationId": "sandboxInspectInvoices",
            "summary": "Sandbox only: every invoice (of any client), optionally by status.",
            "tags": ["sandbox"],
            "security": [],
            "parameters": [{"name": "status", "in": "query", "schema": {"type": "string"}}],
            "responses": {
                "200": _json({"type": "array", "items": _ref("InvoiceRecord")}, "Invoices.")
            },
        }
    },
    "/sandbox/v1/invoices/{invoiceId}/document": {
        "parameters": [_INVOICE],
        "get": {
            "operationId": "sandboxInvoiceDocument",
            "summary": "Sandbox only: the original bytes of an imported document.",
            "tags": ["sandbox"],
            "security": [],
            "responses": {
                "200": {
                    "description": "The document, unchanged.",
                    "content": {"application/xml": {"schema": {"type": "string"}}},
                },
                "404": _problem("No such invoice, or no document."),
            },
        },
    },
    "/sandbox/v1/invoices/{invoiceId}": {
        "parameters": [_INVOICE],
        "get": {
            "operationId": "sandboxInspectInvoice",
            "summary": "Sandbox only: an invoice with its status message and voucher number.",
            "tags": ["sandbox"],
            "security": [],
            "responses": {
                "200": _json(_ref("InvoiceRecord"), "The invoice and what was recorded."),
                "404": _problem("No such invoice."),
            },
        },
    },
}

_DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "SEMINE API (as assumed by semine-plugins) and its sandbox",
        "version": "1.0",
        "description": "The contract of docs/semine-api.md. Paths under /sandbox/v1 exist "
        "in the sandbox only.",
    },
    "servers": [{"url": "/"}],
    "security": [{"bearer": []}],
    "paths": _PATHS,
    "components": {
        "schemas": _SCHEMAS,
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    },
}


def openapi_document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document (a fresh copy)."""
    return copy.deepcopy(_DOCUMENT)
