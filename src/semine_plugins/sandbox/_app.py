"""The sandbox: an ASGI app that implements the SEMINE API contract on SQLite."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import parse_qs

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from semine_plugins.sandbox._faults import Fault, FaultMiddleware, Faults
from semine_plugins.sandbox._openapi import openapi_document
from semine_plugins.sandbox._store import KeyReusedError, Store, import_document, supplier_key
from semine_plugins.sandbox._validation import DocumentError, check

#: The largest document the sandbox imports (bytes).
DEFAULT_MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
_API = "/api/v1.0"
_CLIENT = _API + "/organizations/{orgId:int}/clients/{clientId:int}"
_STATUSES = ("Posted", "PostingError")


class _Problem(Exception):  # noqa: N818 - private, never escapes the app
    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        errors: list[Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(title)
        self.status, self.title, self.detail = status, title, detail
        self.errors, self.extra = errors, extra or {}


def problem(
    status: int, title: str, detail: str, *, errors: list[Any] | None = None, **extra: Any
) -> Response:
    """Return an ``application/problem+json`` response."""
    body: dict[str, Any] = {"title": title, "status": status, "detail": detail, **extra}
    if errors is not None:
        body["errors"] = errors
    return Response(json.dumps(body), status_code=status, media_type="application/problem+json")


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, _Problem)  # noqa: S101 - registered for _Problem only
    return problem(exc.status, exc.title, exc.detail, errors=exc.errors, **exc.extra)


async def _on_http(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    detail = str(getattr(exc, "detail", "")) or "The request cannot be handled."
    return problem(status, "Not found" if status == 404 else "Request failed", detail)


class SandboxApp:
    """The sandbox as an ASGI app (fault injection outermost, so ``drop`` can close).

    :ivar store: the SQLite state.
    :ivar faults: the pending faults and the call log.
    """

    def __init__(self, app: Starlette, store: Store, faults: Faults) -> None:
        self.store = store
        self.faults = faults
        self._app = FaultMiddleware(app, faults)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)

    def close(self) -> None:
        """Close the database."""
        self.store.close()


def create_app(  # noqa: PLR0915 - one closure per endpoint, sharing the store
    db: str = ":memory:",
    *,
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
    token_lifetime: int = 3600,
) -> SandboxApp:
    """Return the sandbox ASGI app (call its ``close()`` when done).

    :param db: the SQLite database path (``":memory:"`` keeps nothing).
    :param max_document_bytes: larger imports are answered 413.
    :param token_lifetime: seconds a password-grant token stays valid.
    """
    store = Store(db, token_lifetime=token_lifetime)
    faults = Faults()

    async def _body_json(request: Request) -> Any:
        try:
            return json.loads(await request.body())
        except ValueError:
            raise _Problem(400, "Bad request", "The body is not JSON.") from None

    def _user(request: Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        email = store.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if email is None:
            raise _Problem(
                401, "Unauthorized", "A valid bearer token is required; authenticate again."
            )
        return email

    def _client(request: Request) -> int:
        _user(request)
        org_id = request.path_params["orgId"]
        client_id = request.path_params["clientId"]
        if not store.client_exists(org_id, client_id):
            raise _Problem(404, "Not found", f"Organization {org_id} has no client {client_id}.")
        return int(client_id)

    def _invoice(request: Request) -> Any:
        client_id = _client(request)
        invoice_id = request.path_params["invoiceId"]
        row = store.invoice(client_id, invoice_id)
        if row is None:
            raise _Problem(404, "Not found", f"Client {client_id} has no invoice {invoice_id}.")
        return row

    # -- contract ----------------------------------------------------------

    async def token(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8")).items()}
        if form.get("grant_type") != "password" or "username" not in form:
            return _oauth_error("unsupported_grant_type", "Use grant_type=password.")
        issued = store.issue_token(form["username"], form.get("password", ""))
        if issued is None:
            return _oauth_error("invalid_grant", "The email or password is wrong.")
        access, lifetime = issued
        return JSONResponse(
            {"access_token": access, "token_type": "Bearer", "expires_in": lifetime},
            headers={"Cache-Control": "no-store"},
        )

    async def organizations(request: Request) -> Response:
        _user(request)
        return JSONResponse(store.organizations())

    async def list_invoices(request: Request) -> Response:
        client_id = _client(request)
        try:
            page = int(request.query_params.get("page", "1"))
            size = int(request.query_params.get("pageSize", "100"))
        except ValueError:
            raise _Problem(400, "Bad request", "page and pageSize are whole numbers.") from None
        if page < 1 or not 1 <= size <= 1000:
            raise _Problem(400, "Bad request", "page ≥ 1 and 1 ≤ pageSize ≤ 1000.")
        rows, total = store.list_invoices(client_id, request.query_params.get("status"), page, size)
        items = [_summary(row) for row in rows]
        return JSONResponse({"items": items, "page": page, "pageSize": size, "total": total})

    async def get_invoice(request: Request) -> Response:
        return JSONResponse(_detail(_invoice(request)))

    async def get_document(request: Request) -> Response:
        row = _invoice(request)
        if row["document"] is None:
            raise _Problem(404, "Not found", f"Invoice {row['id']} has no original document.")
        return Response(bytes(row["document"]), media_type="application/xml")

    async def put_status(request: Request) -> Response:
        row = _invoice(request)
        body = await _body_json(request)
        status = body.get("status") if isinstance(body, dict) else None
        if status not in _STATUSES:
            raise _Problem(
                422,
                "Unprocessable status",
                f"status must be one of {', '.join(_STATUSES)}.",
                errors=[{"path": "status", "message": f"unknown status {status!r}"}],
            )
        if row["status"] not in ("Posting", "PostingError", "Posted"):
            raise _Problem(
                409,
                "Conflict",
                f"Invoice {row['id']} is {row['status']}; only Posting invoices can be posted.",
            )
        if row["status"] == "Posted" and status == "PostingError":
            raise _Problem(409, "Conflict", f"Invoice {row['id']} is already Posted.")
        message, voucher = body.get("message"), body.get("voucherNumber")
        store.set_status(
            row["id"],
            status,
            str(message) if message is not None else None,
            str(voucher) if voucher is not None else None,
        )
        return Response(status_code=204)

    async def post_invoice(request: Request) -> Response:
        client_id = _client(request)
        key = request.headers.get("idempotency-key", "").strip()
        if not key:
            raise _Problem(400, "Bad request", "An Idempotency-Key header is required.")
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in ("application/xml", "text/xml"):
            raise _Problem(415, "Unsupported media type", "Send the UBL document as XML.")
        data = await request.body()
        if len(data) > max_document_bytes:
            raise _Problem(
                413,
                "Document too large",
                f"The document has {len(data)} bytes; the limit is {max_document_bytes}.",
            )
        try:
            detail, key_of_supplier = await anyio.to_thread.run_sync(check, data)
        except DocumentError as exc:
            raise _Problem(422, exc.title, "SEMINE cannot import it.", errors=exc.errors) from None
        try:
            invoice_id, status, created = import_document(
                store,
                client_id,
                key=key,
                sha256=hashlib.sha256(data).hexdigest(),
                detail=detail,
                document=data,
                supplier_key=key_of_supplier,
            )
        except KeyReusedError:
            raise _Problem(
                422,
                "Idempotency-Key reused",
                "This Idempotency-Key was used before for a different document.",
            ) from None
        return JSONResponse(
            {"id": invoice_id, "status": status}, status_code=201 if created else 200
        )

    # -- sandbox-only ------------------------------------------------------

    async def setup(request: Request) -> Response:
        body = await _body_json(request)
        try:
            return JSONResponse(store.setup(body))
        except (KeyError, TypeError, AttributeError) as exc:
            raise _Problem(400, "Bad request", f"The setup is incomplete: {exc}") from None

    async def seed(request: Request) -> Response:
        org_id, client_id = request.path_params["orgId"], request.path_params["clientId"]
        if not store.client_exists(org_id, client_id):
            raise _Problem(404, "Not found", f"Organization {org_id} has no client {client_id}.")
        body = await _body_json(request)
        if not isinstance(body, dict):
            raise _Problem(400, "Bad request", "Send an InvoiceDetail object.")
        status = body.get("invoiceStatus") or "Posting"
        supplier = body.get("supplier") or {}
        key = supplier_key(
            supplier.get("organizationNumber") or supplier.get("vatNumber") or supplier.get("name")
        )
        try:
            invoice_id = store.add_invoice(client_id, body, status=status, supplier_key=key)
        except Exception as exc:  # sqlite3.IntegrityError: the id is taken
            raise _Problem(409, "Conflict", f"Cannot store the invoice: {exc}") from None
        return JSONResponse({"id": invoice_id}, status_code=201)

    async def add_fault(request: Request) -> Response:
        try:
            fault = Fault.from_json(await _body_json(request))
        except (ValueError, AttributeError) as exc:
            raise _Problem(400, "Bad request", str(exc)) from None
        faults.add(fault)
        return JSONResponse(fault.to_json(), status_code=201)

    async def list_faults(request: Request) -> Response:
        return JSONResponse(faults.pending())

    async def reset_faults(request: Request) -> Response:
        faults.clear()
        return Response(status_code=204)

    async def calls(request: Request) -> Response:
        q = request.query_params
        if "wait" in q:
            try:
                timeout = min(float(q["wait"]), 60.0)
                count = int(q.get("count", "1"))
            except ValueError:
                raise _Problem(400, "Bad request", "wait and count must be numbers.") from None
            arrived = await anyio.to_thread.run_sync(
                faults.wait_for, q.get("method", "POST").upper(), q.get("path", "/"), count, timeout
            )
            if not arrived:
                raise _Problem(408, "Request timeout", "The calls did not arrive in time.")
        return JSONResponse(faults.calls())

    async def revoke(request: Request) -> Response:
        store.revoke_tokens()
        return Response(status_code=204)

    async def inspect(request: Request) -> Response:
        row = store.invoice(None, request.path_params["invoiceId"])
        if row is None:
            raise _Problem(404, "Not found", "No such invoice.")
        return JSONResponse(_record(row))

    async def inspect_all(request: Request) -> Response:
        status = request.query_params.get("status")
        sql, params = "SELECT * FROM invoices", []
        if status:
            sql, params = sql + " WHERE status = ?", [status]
        rows = store.query(sql + " ORDER BY id", tuple(params))
        return JSONResponse([_record(row) for row in rows])

    async def inspect_document(request: Request) -> Response:
        row = store.invoice(None, request.path_params["invoiceId"])
        if row is None or row["document"] is None:
            raise _Problem(404, "Not found", "No such invoice, or it has no document.")
        return Response(bytes(row["document"]), media_type="application/xml")

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document())

    routes = [
        Route(_API + "/token", token, methods=["POST"]),
        Route(_API + "/organizations", organizations, methods=["GET"]),
        Route(_CLIENT + "/invoices", list_invoices, methods=["GET"]),
        Route(_CLIENT + "/invoices", post_invoice, methods=["POST"]),
        Route(_CLIENT + "/invoices/{invoiceId:int}", get_invoice, methods=["GET"]),
        Route(_CLIENT + "/invoices/{invoiceId:int}/status", put_status, methods=["PUT"]),
        Route(_CLIENT + "/invoices/{invoiceId:int}/document", get_document, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/sandbox/v1/setup", setup, methods=["POST"]),
        Route(
            "/sandbox/v1/organizations/{orgId:int}/clients/{clientId:int}/invoices",
            seed,
            methods=["POST"],
        ),
        Route("/sandbox/v1/faults", add_fault, methods=["POST"]),
        Route("/sandbox/v1/faults", list_faults, methods=["GET"]),
        Route("/sandbox/v1/faults", reset_faults, methods=["DELETE"]),
        Route("/sandbox/v1/calls", calls, methods=["GET"]),
        Route("/sandbox/v1/tokens", revoke, methods=["DELETE"]),
        Route("/sandbox/v1/invoices", inspect_all, methods=["GET"]),
        Route("/sandbox/v1/invoices/{invoiceId:int}", inspect, methods=["GET"]),
        Route("/sandbox/v1/invoices/{invoiceId:int}/document", inspect_document, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={_Problem: _on_problem, HTTPException: _on_http},
    )
    return SandboxApp(app, store, faults)


def _oauth_error(error: str, description: str) -> Response:
    return problem(
        400, "Authentication failed", description, error=error, error_description=description
    )


def _summary(row: Any) -> dict[str, Any]:
    detail = json.loads(row["detail"])
    out = {
        "id": row["id"],
        "invoiceNumber": detail.get("invoiceNumber"),
        "invoiceStatus": row["status"],
        "documentType": detail.get("documentType", "Invoice"),
        "supplierName": (detail.get("supplier") or {}).get("name"),
        "invoiceDate": detail.get("invoiceDate"),
        "currency": detail.get("currency"),
        "payableAmount": (detail.get("totals") or {}).get("payableAmount"),
    }
    return {k: v for k, v in out.items() if v is not None}


def _detail(row: Any) -> dict[str, Any]:
    detail = json.loads(row["detail"])
    detail["id"] = row["id"]
    detail["invoiceStatus"] = row["status"]
    detail.setdefault("documentType", "Invoice")
    return dict(detail)


def _record(row: Any) -> dict[str, Any]:
    return {
        **_detail(row),
        "clientId": row["client_id"],
        "message": row["message"],
        "voucherNumber": row["voucher_number"],
        "idempotencyKey": row["idempotency_key"],
        "hasDocument": row["document"] is not None,
    }
