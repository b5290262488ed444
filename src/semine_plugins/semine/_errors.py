"""The errors the SEMINE client raises, all under :class:`~semine_plugins.errors.SemineError`.

::

    SemineError
    ├── AuthenticationError        wrong email/password, revoked token, no access (400/401/403)
    ├── NotFoundError (LookupError) the organization, client or invoice does not exist (404)
    ├── RejectedError              SEMINE refuses the request; retrying will not help (4xx, 422)
    ├── TooLargeError              the document is too large (413)
    └── TransientError             429, 5xx, timeouts, connection errors, after the
                                   retries ran out: try again later

No message contains a password or token: the email is named, secrets never.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from semine_plugins.errors import SemineError


class _StatusError(SemineError):
    """A SEMINE error that may carry the HTTP status and the problem details."""

    def __init__(
        self, message: str, *, status: int | None = None, problem: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.problem: Mapping[str, Any] = dict(problem or {})


class AuthenticationError(_StatusError):
    """SEMINE did not accept the credentials, or the user may not do this."""


class NotFoundError(_StatusError, LookupError):
    """The organization, client or invoice does not exist (or is not visible to this user)."""


class RejectedError(_StatusError):
    """SEMINE refused the request for good (e.g. 422 for an invalid document).

    :ivar errors: the problem's ``errors`` list, as SEMINE sent it.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        problem: Mapping[str, Any] | None = None,
        errors: Iterable[Any] = (),
    ) -> None:
        super().__init__(message, status=status, problem=problem)
        self.errors: tuple[Any, ...] = tuple(errors)


class TooLargeError(_StatusError):
    """The document is larger than SEMINE accepts (413)."""


class TransientError(_StatusError):
    """SEMINE was unreachable, slow or busy, and retrying did not help: try again later.

    :ivar attempts: how many attempts were made.
    :ivar retry_after: seconds SEMINE asked to wait, when it said so.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        problem: Mapping[str, Any] | None = None,
        attempts: int = 1,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, problem=problem)
        self.attempts = attempts
        self.retry_after = retry_after
