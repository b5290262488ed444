"""The synchronous SEMINE API client (httpx)."""

from __future__ import annotations

import email.utils
import logging
import re
import time
from collections.abc import Iterator, Mapping
from decimal import Decimal
from types import TracebackType
from typing import Any, NoReturn
from urllib.parse import quote

import httpx

from semine_plugins._version import __version__
from semine_plugins.errors import ConfigError, SemineError
from semine_plugins.semine import _contract as c
from semine_plugins.semine._errors import (
    AuthenticationError,
    NotFoundError,
    RejectedError,
    TooLargeError,
    TransientError,
)
from semine_plugins.semine._models import (
    ClientRef,
    ImportResult,
    InvoiceDetail,
    InvoiceSummary,
    from_json,
)
from semine_plugins.semine._retry import RetryPolicy
from semine_plugins.settings import Secret, redact

__all__ = ["DEFAULT_TIMEOUT", "SemineClient"]

_ATTEMPTS = "semine_plugins.attempts"  # response extension: attempts this call took

logger = logging.getLogger("semine_plugins.semine")

#: Connect within 10 s; each read, write or pool wait within 30 s.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
#: Statuses that mean "try again later".
_TRANSIENT = frozenset({408, 425, 429})
#: Renew a password-grant token this many seconds before it expires.
_EXPIRY_MARGIN = 30.0
#: The longest PostingError message sent to SEMINE.
_MAX_MESSAGE = 2000


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get(c.RETRY_AFTER)
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _problem_text(problem: Mapping[str, Any], response: httpx.Response) -> str:
    parts = [str(problem[k]) for k in (c.PROBLEM_TITLE, c.PROBLEM_DETAIL) if problem.get(k)]
    if not parts:
        parts = [f"{response.status_code} {response.reason_phrase}".strip()]
    return ": ".join(parts)


class SemineClient:
    """A client for the SEMINE API of ``semine-api.md``.

    Authenticate either with the Semine Email / Password (password grant) or
    with a personal access token. Every call that SEMINE answers with 401 is
    retried once after re-authenticating; transient failures (429, 5xx,
    timeouts, connection errors) are retried following ``retry``. Use it as
    a context manager, or call :meth:`close`.

    :param base_url: SEMINE's API root, e.g. ``https://api.example``.
    :param email: the Semine Email (the password grant's username).
    :param password: the Semine Password.
    :param token: a personal access token, used instead of email and password.
    :param client: the client (company) to work for: its id or organisation
        number; ``None`` when the user can see exactly one client.
    :param timeout: connect/read/write/pool timeouts (seconds or ``httpx.Timeout``).
    :param retry: how transient failures are retried.
    :param transport: an httpx transport (a seam for tests).
    :param page_size: the page size for invoice lists.
    :raises ConfigError: when neither a token nor both email and password are given.
    """

    def __init__(
        self,
        base_url: str,
        *,
        email: str | None = None,
        password: Secret | None = None,
        token: Secret | None = None,
        client: str | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        page_size: int = 100,
    ) -> None:
        # Accept plain strings too (typed callers pass Secret).
        password = Secret(password) if password is not None else None
        token = Secret(token) if token is not None else None
        if not token and not (email and password):
            raise ConfigError(
                "SEMINE needs a personal access token, or a Semine Email and Semine Password"
            )
        self.base_url = base_url.rstrip("/")
        self.email = email
        self._password = password
        self._pat = token or None
        self._client_choice = client
        self._retry = retry if retry is not None else RetryPolicy()
        self._page_size = page_size
        self._access: Secret | None = self._pat
        self._expires_at: float | None = None
        self._client_ref: ClientRef | None = None
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=10, max_keepalive_connections=5),
            headers={c.ACCEPT: c.JSON, "User-Agent": f"semine-plugins/{__version__}"},
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"SemineClient(base_url={self.base_url!r}, email={self.email!r})"

    # -- lifecycle -------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool (idempotent)."""
        self._http.close()

    def __enter__(self) -> SemineClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- authentication --------------------------------------------------

    def _who(self) -> str:
        return f"user {self.email}" if self.email else "the personal access token"

    def authenticate(self) -> None:
        """Obtain an access token now (password grant), or check the personal access token.

        :raises AuthenticationError: naming the email (never the password).
        :raises TransientError: when SEMINE cannot be reached.
        """
        if self._pat is not None:
            self._request("GET", c.ORGANIZATIONS_PATH, what="the organizations")
            return
        self._fetch_token()

    def _fetch_token(self) -> None:
        assert self.email is not None  # noqa: S101 - guaranteed by __init__
        assert self._password is not None  # noqa: S101 - guaranteed by __init__
        form = {
            c.GRANT_TYPE: c.GRANT_PASSWORD,
            c.USERNAME: self.email,
            c.PASSWORD: self._password.reveal(),
        }
        response = self._send("POST", c.TOKEN_PATH, data=form, auth=False)
        if response.status_code in (400, 401, 403):
            problem = _problem(response)
            why = problem.get(c.OAUTH_ERROR_DESCRIPTION) or problem.get(c.PROBLEM_DETAIL) or ""
            raise AuthenticationError(
                f"SEMINE refused the Semine Email / Password of {self._who()}"
                + (f" ({redact(str(why))})" if why else "")
                + "; check the Semine Email and Semine Password",
                status=response.status_code,
                problem={k: v for k, v in problem.items() if k != c.ACCESS_TOKEN},
            )
        if response.status_code != 200:
            self._raise_for(response, "the access token")
        data = _problem(response)
        access = data.get(c.ACCESS_TOKEN)
        if not isinstance(access, str) or not access:
            raise SemineError("SEMINE answered the token request without an access token")
        self._access = Secret(access)
        expires = data.get(c.EXPIRES_IN)
        self._expires_at = (
            self._retry.clock() + float(expires) - _EXPIRY_MARGIN
            if isinstance(expires, int | float) and not isinstance(expires, bool)
            else None
        )

    def _bearer(self) -> str:
        if self._pat is None and (
            self._access is None
            or (self._expires_at is not None and self._retry.clock() >= self._expires_at)
        ):
            self._fetch_token()
        assert self._access is not None  # noqa: S101 - set just above
        return f"{c.BEARER} {self._access.reveal()}"

    # -- transport -------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        expected: tuple[int, ...] = (200,),
        **kwargs: Any,
    ) -> httpx.Response:
        """Send an authenticated request, re-authenticating once on 401, mapping errors."""
        response = self._send(method, path, **kwargs)
        if response.status_code == 401:
            logger.info("SEMINE answered 401 to %s %s; authenticating again", method, path)
            if self._pat is None:
                self._access = None
            response = self._send(method, path, **kwargs)
            if response.status_code == 401:
                raise AuthenticationError(
                    f"SEMINE does not accept the credentials of {self._who()} "
                    f"(401 on {method} {path}); check them, or create a new token",
                    status=401,
                    problem=_problem(response),
                )
        if response.status_code not in expected:
            self._raise_for(response, what)
        return response

    def _send(self, method: str, path: str, *, auth: bool = True, **kwargs: Any) -> httpx.Response:
        """Send one request, retrying transient failures; return any non-transient answer."""
        policy = self._retry
        start = policy.clock()
        extra_headers = dict(kwargs.pop("headers", None) or {})
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            status: int | None = None
            headers = dict(extra_headers)
            try:
                if auth:
                    headers[c.AUTHORIZATION] = self._bearer()
                response = self._http.request(method, path, headers=headers, **kwargs)
            except httpx.TimeoutException as exc:
                failure = f"no answer in time ({type(exc).__name__})"
            except httpx.TransportError as exc:
                failure = f"connection failed ({type(exc).__name__})"
            else:
                status = response.status_code
                if status not in _TRANSIENT and status < 500:
                    response.extensions[_ATTEMPTS] = attempt
                    return response
                retry_after = _retry_after(response)
                failure = _problem_text(_problem(response), response)
            elapsed = policy.clock() - start
            delay = policy.backoff(attempt, retry_after)
            if attempt >= policy.attempts or elapsed + delay > policy.total_timeout:
                raise TransientError(
                    f"SEMINE at {self.base_url} did not complete {method} {path} after "
                    f"{attempt} attempt{'s' if attempt > 1 else ''} over {elapsed:.1f}s "
                    f"(last: {failure}); try again later",
                    status=status,
                    attempts=attempt,
                    retry_after=retry_after,
                )
            logger.warning(
                "SEMINE %s %s failed (%s); retrying in %.2fs (attempt %d of %d)",
                method,
                path,
                failure,
                delay,
                attempt + 1,
                policy.attempts,
            )
            policy.sleep(delay)

    def _raise_for(self, response: httpx.Response, what: str) -> NoReturn:
        problem = _problem(response)
        text = _problem_text(problem, response)
        status = response.status_code
        if status == 404:
            raise NotFoundError(
                f"SEMINE does not know {what}: {text}", status=status, problem=problem
            )
        if status == 413:
            raise TooLargeError(
                f"SEMINE refuses {what}: it is too large ({text})", status=status, problem=problem
            )
        if status in (401, 403):
            raise AuthenticationError(
                f"SEMINE does not let {self._who()} access {what}: {text}",
                status=status,
                problem=problem,
            )
        errors = problem.get(c.PROBLEM_ERRORS)
        raise RejectedError(
            f"SEMINE rejected {what} ({status}): {text}; retrying will not help",
            status=status,
            problem=problem,
            errors=errors if isinstance(errors, list) else (),
        )

    # -- discovery -------------------------------------------------------

    def resolve_client(self) -> ClientRef:
        """Return the client this integration works for (cached after the first call).

        Chosen by id or organisation number when ``client`` was given;
        otherwise the only client the user can see.

        :raises NotFoundError: no such client, or several and none chosen.
        """
        if self._client_ref is not None:
            return self._client_ref
        response = self._request("GET", c.ORGANIZATIONS_PATH, what="the organizations")
        refs = self._client_refs(response.json())
        choice = self._client_choice
        if choice is not None:
            wanted = str(choice).strip()
            found = [r for r in refs if str(r.client_id) == wanted] or [
                r
                for r in refs
                if r.organization_number
                and _digits(r.organization_number) == _digits(wanted)
                and _digits(wanted)
            ]
        else:
            found = refs
        if len(found) != 1:
            listing = (
                "; ".join(f"{r.client_id} ({r.name}, {r.organization_number})" for r in refs)
                or "none"
            )
            if choice is None and refs:
                why = f"{self._who()} can see {len(refs)} clients; choose one by id or "
                why += "organisation number"
            elif choice is None:
                why = f"{self._who()} cannot see any client"
            else:
                why = f"{self._who()} cannot see a client with id or organisation number {choice}"
            raise NotFoundError(f"{why} (visible: {listing})", status=None)
        self._client_ref = found[0]
        return found[0]

    @staticmethod
    def _client_refs(data: Any) -> list[ClientRef]:
        if not isinstance(data, list):
            raise SemineError("SEMINE answered the organization list with something else")
        refs = []
        for org in data:
            for cl in org.get(c.ORG_CLIENTS) or ():
                refs.append(
                    ClientRef(
                        organization_id=int(org[c.ORG_ID]),
                        client_id=int(cl[c.CLIENT_ID]),
                        name=cl.get(c.CLIENT_NAME),
                        organization_number=cl.get(c.CLIENT_ORGANIZATION_NUMBER),
                    )
                )
        return refs

    def _path(self, template: str, invoice_id: int | str | None = None) -> str:
        ref = self.resolve_client()
        values: dict[str, object] = {"orgId": ref.organization_id, "clientId": ref.client_id}
        if invoice_id is not None:
            values["invoiceId"] = invoice_id
        return template.format(**{k: quote(str(v), safe="") for k, v in values.items()})

    # -- invoices --------------------------------------------------------

    def iter_invoices(self, status: str = c.POSTING) -> Iterator[InvoiceSummary]:
        """Yield the client's invoices with ``status``, every page.

        All pages are read before the first invoice is yielded, so that a
        caller that changes statuses while iterating (which moves invoices
        out of the list) skips none.
        """
        path = self._path(c.INVOICES_PATH)
        seen: dict[int, InvoiceSummary] = {}
        page = 1
        while True:
            response = self._request(
                "GET",
                path,
                what=f"the {status} invoices",
                params={c.Q_STATUS: status, c.Q_PAGE: page, c.Q_PAGE_SIZE: self._page_size},
            )
            data = response.json(parse_float=Decimal)
            items = data.get(c.ITEMS) if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise SemineError("SEMINE answered the invoice list without items")
            for item in items:
                summary = from_json(InvoiceSummary, item)
                seen.setdefault(summary.id, summary)
            total = data.get(c.TOTAL)
            if not items or not isinstance(total, int) or page * self._page_size >= total:
                break
            page += 1
        yield from seen.values()

    def get_invoice(self, invoice_id: int | str) -> InvoiceDetail:
        """Return the full invoice.

        :raises NotFoundError: no invoice with this id for this client.
        """
        response = self._request(
            "GET", self._path(c.INVOICE_PATH, invoice_id), what=f"invoice {invoice_id}"
        )
        return from_json(InvoiceDetail, response.json(parse_float=Decimal))

    def set_status(
        self,
        invoice_id: int | str,
        status: str,
        *,
        message: str | None = None,
        voucher_number: str | None = None,
    ) -> None:
        """Confirm an export (``Posted``) or report its failure (``PostingError``).

        :param message: for ``PostingError``, what went wrong, in words the
            person in SEMINE understands (shown as a comment; secrets are masked).
        :param voucher_number: the voucher number the receiving system gave it.
        :raises ValueError: an unknown status, or ``PostingError`` without a message.
        """
        if status not in c.STATUS_UPDATES:
            raise ValueError(f"status must be one of {sorted(c.STATUS_UPDATES)}, not {status!r}")
        if status == c.POSTING_ERROR and not (message and message.strip()):
            raise ValueError("PostingError needs a message saying what went wrong")
        body: dict[str, Any] = {c.STATUS: status}
        if message:
            text = redact(message.strip())
            body[c.MESSAGE] = text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"
        if voucher_number is not None:
            body[c.VOUCHER_NUMBER] = str(voucher_number)
        self._request(
            "PUT",
            self._path(c.INVOICE_STATUS_PATH, invoice_id),
            what=f"the status of invoice {invoice_id}",
            expected=(200, 204),
            json=body,
        )

    def import_document(self, data: bytes, *, idempotency_key: str) -> ImportResult:
        """Import a UBL 2.1 Invoice or CreditNote, its bytes unchanged.

        Retries (after a lost answer, say) carry the same ``idempotency_key``,
        so SEMINE creates the invoice once.

        :raises RejectedError: the document is refused (``.errors`` says why).
        :raises TooLargeError: the document is too large.
        """
        if not idempotency_key or not idempotency_key.strip():
            raise ValueError("an import needs a non-empty idempotency_key")
        response = self._request(
            "POST",
            self._path(c.INVOICES_PATH),
            what="the document",
            expected=(200, 201),
            content=bytes(data),
            headers={c.CONTENT_TYPE: c.XML, c.IDEMPOTENCY_KEY: idempotency_key},
        )
        body = response.json()
        # A 200 after this call had to retry means the answer to our own earlier
        # attempt was lost: that attempt created the invoice.
        retried = int(response.extensions.get(_ATTEMPTS, 1)) > 1
        try:
            return ImportResult(
                id=int(body[c.ID]),
                status=str(body[c.STATUS]),
                created=response.status_code == 201 or retried,
            )
        except (KeyError, TypeError, ValueError):
            raise SemineError("SEMINE answered the import without an id and status") from None

    def get_document(self, invoice_id: int | str) -> bytes:
        """Return the original document of an invoice, byte for byte."""
        response = self._request(
            "GET",
            self._path(c.INVOICE_DOCUMENT_PATH, invoice_id),
            what=f"the document of invoice {invoice_id}",
            headers={c.ACCEPT: f"{c.XML}, {c.PROBLEM_JSON}"},
        )
        return response.content
