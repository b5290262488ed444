"""A running SEMINE sandbox with one user and one client, ready for a plugin's tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from semine_plugins.testing._extra import require_sandbox_extra

if TYPE_CHECKING:
    from semine_plugins.sandbox import SandboxAdmin, SandboxClient, SandboxServer

__all__ = [
    "SANDBOX_EMAIL",
    "SANDBOX_PASSWORD",
    "SANDBOX_TOKEN",
    "SemineSandbox",
]

SANDBOX_EMAIL = "integration@example.no"
"""The email of the user :meth:`SemineSandbox.running` creates."""

SANDBOX_PASSWORD = "correct horse battery staple"  # noqa: S105 - a test user on loopback
"""That user's password."""

SANDBOX_TOKEN = "pat-0123456789abcdef"  # noqa: S105 - a test user on loopback
"""That user's personal access token."""

_IMPORT_PREFIX = "/api/"


class SemineSandbox:
    """A SEMINE sandbox served on loopback, with a user and the client (company) it sees.

    Made by :meth:`running` or :meth:`set_up` (or the ``semine_sandbox`` fixture). The client is
    the buyer of :meth:`document` and :meth:`seed`'s invoices, so what a
    plugin imports or exports matches it.

    :ivar server: the running :class:`~semine_plugins.sandbox.SandboxServer`.
    :ivar admin: a :class:`~semine_plugins.sandbox.SandboxAdmin` on it: seed,
        inject faults, inspect invoices and the calls it received.
    :ivar client: the :class:`~semine_plugins.sandbox.SandboxClient` (organization
        and client ids) the user sees.
    :ivar email: the user's email (Semine Email).
    :ivar password: the user's password (Semine Password).
    :ivar token: the user's personal access token.
    """

    def __init__(
        self,
        server: SandboxServer,
        admin: SandboxAdmin,
        client: SandboxClient,
        *,
        email: str,
        password: str,
        token: str,
    ) -> None:
        self.server = server
        self.admin = admin
        self.client = client
        self.email = email
        self.password = password
        self.token = token

    def __repr__(self) -> str:
        return f"SemineSandbox(url={self.url!r}, email={self.email!r})"

    @classmethod
    @contextlib.contextmanager
    def running(
        cls, *, max_document_bytes: int | None = None, **users: str
    ) -> Iterator[SemineSandbox]:
        """Start a sandbox, create the user and one client; stop it on leaving.

        :param max_document_bytes: answer larger imports with 413 (default:
            the sandbox's own limit).
        :param users: ``email``, ``password``, ``token``, ``organization``,
            ``client_name``, ``organization_number``, as for :meth:`set_up`.
        :raises MissingExtraError: the ``sandbox`` extra is not installed.
        """
        require_sandbox_extra("sandbox")
        from semine_plugins.sandbox import SandboxServer  # noqa: PLC0415

        options: dict[str, Any] = {}
        if max_document_bytes is not None:
            options["max_document_bytes"] = max_document_bytes
        with SandboxServer(**options) as server:
            sandbox = cls.set_up(server, **users)
            try:
                yield sandbox
            finally:
                sandbox.admin.close()

    @classmethod
    def set_up(
        cls,
        server: SandboxServer,
        *,
        email: str = SANDBOX_EMAIL,
        password: str = SANDBOX_PASSWORD,
        token: str = SANDBOX_TOKEN,
        organization: str = "Regnskap AS",
        client_name: str = "Kjøper AS",
        organization_number: str = "123456785",
    ) -> SemineSandbox:
        """Create the user and one client on a running sandbox server.

        The default client is the buyer of :meth:`document` and :meth:`seed`'s
        invoices. Close ``.admin`` when done.

        :raises MissingExtraError: the ``sandbox`` extra is not installed.
        """
        require_sandbox_extra("sandbox")
        from semine_plugins.sandbox import SandboxAdmin  # noqa: PLC0415

        admin = SandboxAdmin(server.url)
        try:
            (client,) = admin.setup(
                users=[{"email": email, "password": password, "personalAccessToken": token}],
                organizations=[
                    {
                        "name": organization,
                        "clients": [
                            {"name": client_name, "organizationNumber": organization_number}
                        ],
                    }
                ],
            )
        except BaseException:
            admin.close()
            raise
        return cls(server, admin, client, email=email, password=password, token=token)

    @property
    def url(self) -> str:
        """The sandbox's base URL (``http://127.0.0.1:PORT``): an integration's ``semine_url``."""
        return self.server.url

    def integration_fields(self) -> dict[str, Any]:
        """The ``semine_url``, ``semine_email`` and ``semine_password`` of an integration."""
        return {
            "semine_url": self.url,
            "semine_email": self.email,
            "semine_password": self.password,
        }

    # ------------------------------------------------------------------ data

    @staticmethod
    def document(number: str = "INV-1001", **changes: Any) -> bytes:
        """Return a valid UBL 2.1 invoice for the client (``number`` is its ``cbc:ID``).

        Keyword arguments go to :func:`semine_plugins.sandbox.sample_document`.
        """
        from semine_plugins.sandbox import sample_document  # noqa: PLC0415

        return sample_document(number, **changes)

    def seed(self, **changes: Any) -> int:
        """Store an invoice in status ``Posting`` (ready to send); return its id.

        Keyword arguments replace top-level fields of
        :func:`semine_plugins.sandbox.sample_detail` (``invoiceNumber="X-1"``,
        ``invoiceStatus="Approved"``).
        """
        from semine_plugins.sandbox import sample_detail  # noqa: PLC0415

        return self.admin.seed_invoice(self.client, sample_detail(**changes))

    # ------------------------------------------------------------------ inspection

    def imports(self) -> list[dict[str, Any]]:
        """The import calls SEMINE received, in order (``status`` 201: a new invoice).

        Each has ``method``, ``path``, ``status``, ``idempotencyKey`` and ``fault``.
        """
        return [
            c
            for c in self.admin.calls()
            if c["method"] == "POST"
            and c["path"].startswith(_IMPORT_PREFIX)
            and c["path"].endswith("/invoices")
        ]

    def created(self) -> list[dict[str, Any]]:
        """The import calls that created an invoice (answered 201)."""
        return [c for c in self.imports() if c["status"] == 201]

    def received(self) -> list[dict[str, Any]]:
        """The invoices imported so far (status ``Received``)."""
        return self.admin.received()

    def invoice(self, invoice_id: int | str) -> dict[str, Any]:
        """One invoice, with ``invoiceStatus``, status message and voucher number."""
        return self.admin.invoice(int(invoice_id))

    def status(self, invoice_id: int | str) -> str:
        """An invoice's status (``Posting``, ``Posted``, ``PostingError``, ``Received``...)."""
        return str(self.invoice(invoice_id)["invoiceStatus"])

    def stored_document(self, invoice_id: int | str) -> bytes:
        """The bytes SEMINE stored for an imported invoice."""
        return self.admin.document(int(invoice_id))
