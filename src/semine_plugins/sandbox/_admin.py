"""A typed helper for the sandbox-only endpoints (``/sandbox/v1``)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

import attrs
import httpx

from semine_plugins.semine._models import InvoiceDetail, to_json


@attrs.frozen(kw_only=True)
class SandboxClient:
    """A client (company) created by :meth:`SandboxAdmin.setup`."""

    organization_id: int
    client_id: int
    name: str
    organization_number: str | None


class SandboxAdmin:
    """Set up, seed, break and inspect a running sandbox over HTTP.

    :param url: the sandbox's base URL (``SandboxServer.url``).
    :param transport: an httpx transport (a seam for tests).
    """

    def __init__(self, url: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, transport=transport, timeout=30.0)

    def __repr__(self) -> str:
        return f"SandboxAdmin({self.url!r})"

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> SandboxAdmin:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self._http.request(method, path, **kwargs)
        if response.is_error:
            raise RuntimeError(
                f"the sandbox answered {method} {path} with {response.status_code}: {response.text}"
            )
        return response

    def setup(
        self,
        *,
        users: Iterable[Mapping[str, Any]] = (),
        organizations: Iterable[Mapping[str, Any]] = (),
    ) -> list[SandboxClient]:
        """Create users and organizations with clients; return every client created.

        :param users: ``{"email", "password", "personalAccessToken"?}`` each.
        :param organizations: ``{"id"?, "name", "clients": [{"id"?, "name",
            "organizationNumber"}]}`` each.
        """
        body = {
            "users": [dict(u) for u in users],
            "organizations": [dict(o) for o in organizations],
        }
        data = self._call("POST", "/sandbox/v1/setup", json=body).json()
        return [
            SandboxClient(
                organization_id=org["id"],
                client_id=cl["id"],
                name=cl["name"],
                organization_number=cl.get("organizationNumber"),
            )
            for org in data["organizations"]
            for cl in org["clients"]
        ]

    def seed_invoice(self, client: SandboxClient, detail: InvoiceDetail | Mapping[str, Any]) -> int:
        """Store an invoice for ``client`` (status ``Posting`` unless it says otherwise)."""
        body = to_json(detail) if isinstance(detail, InvoiceDetail) else dict(detail)
        path = (
            f"/sandbox/v1/organizations/{client.organization_id}"
            f"/clients/{client.client_id}/invoices"
        )
        return int(self._call("POST", path, json=body).json()["id"])

    def add_fault(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        delay_seconds: float | None = None,
        drop: bool = False,
        when: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        """Make the next ``count`` contract calls matching ``method`` and ``path`` fail.

        :param path: a path prefix (``None``: every path).
        :param status: answer with this status.
        :param delay_seconds: wait this long first.
        :param drop: close the connection without answering.
        :param when: ``"before"`` or ``"after"`` handling the call (default:
            ``"after"`` for ``drop``, ``"before"`` otherwise).
        :param retry_after: a ``Retry-After`` header to send with ``status``.
        """
        body: dict[str, Any] = {"count": count, "drop": drop}
        for key, value in (
            ("method", method),
            ("path", path),
            ("status", status),
            ("delaySeconds", delay_seconds),
            ("when", when),
            ("retryAfter", retry_after),
        ):
            if value is not None:
                body[key] = value
        self._call("POST", "/sandbox/v1/faults", json=body)

    def faults(self) -> list[dict[str, Any]]:
        """Return the faults still pending."""
        result: list[dict[str, Any]] = self._call("GET", "/sandbox/v1/faults").json()
        return result

    def reset(self) -> None:
        """Forget pending faults and the call log."""
        self._call("DELETE", "/sandbox/v1/faults")

    def calls(self) -> list[dict[str, Any]]:
        """Return the contract calls received so far (method, path, status, key, fault)."""
        result: list[dict[str, Any]] = self._call("GET", "/sandbox/v1/calls").json()
        return result

    def wait_for_calls(
        self, method: str, path: str, *, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Block until ``count`` calls of ``method`` on a path starting with ``path`` arrived.

        A call counts as soon as it arrives, before it is answered, so a test can
        act while the plugin waits for SEMINE (with a delay fault, say).

        :returns: the whole call log.
        :raises TimeoutError: the calls did not arrive within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            # The server holds one request for at most 60 s; longer waits take several.
            chunk = max(0.0, min(60.0, deadline - time.monotonic()))
            params: dict[str, str | float] = {
                "wait": chunk,
                "method": method,
                "path": path,
                "count": count,
            }
            response = self._http.get("/sandbox/v1/calls", params=params, timeout=chunk + 10)
            if response.status_code != 408:
                break
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"{count} {method} call(s) to {path} did not arrive in {timeout} s"
                )
        if response.is_error:
            raise RuntimeError(f"the sandbox answered {response.status_code}: {response.text}")
        result: list[dict[str, Any]] = response.json()
        return result

    def revoke_tokens(self) -> None:
        """Expire every access token issued so far (the next call gets a 401)."""
        self._call("DELETE", "/sandbox/v1/tokens")

    def invoices(self, status: str | None = None) -> list[dict[str, Any]]:
        """Return every invoice (with message, voucher number, key), optionally by status."""
        params = {"status": status} if status else {}
        result: list[dict[str, Any]] = self._call(
            "GET", "/sandbox/v1/invoices", params=params
        ).json()
        return result

    def received(self) -> list[dict[str, Any]]:
        """Return the imported invoices (status ``Received``)."""
        return self.invoices("Received")

    def invoice(self, invoice_id: int) -> dict[str, Any]:
        """Return one invoice with its status message, voucher number and key."""
        result: dict[str, Any] = self._call("GET", f"/sandbox/v1/invoices/{invoice_id}").json()
        return result

    def document(self, invoice_id: int) -> bytes:
        """Return the original bytes of an imported document."""
        return self._call("GET", f"/sandbox/v1/invoices/{invoice_id}/document").content
