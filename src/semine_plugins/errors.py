"""The exceptions semine-plugins raises: one documented tree.

Every error says what happened and what to do about it. Errors from the
libraries underneath (paramiko, httpx, lxml, xmlschema) are mapped to this
tree at the boundary with ``raise ... from exc``, so callers catch ours only.
No exception message ever contains a password, token or private key.

::

    SeminePluginsError
    ├── ConfigError (ValueError)            the configuration file or settings are wrong
    │   └── SettingsError                   a plugin's settings failed validation
    ├── PluginError                         a plugin is unknown, broken or misbehaves
    │   └── UnknownPluginError (LookupError)
    ├── UBLError (ValueError)               a document is not acceptable UBL
    │   ├── UnsafeXMLError                  DTDs, entities, oversize input
    │   └── UBLParseError                   not XML, wrong root, unknown namespace
    ├── SemineError                         the SEMINE API refused or failed
    │   ├── AuthenticationError             wrong email/password/token
    │   ├── NotFoundError (LookupError)
    │   ├── RejectedError                   422: the document is refused, do not retry
    │   ├── TooLargeError                   413
    │   └── TransientError                  429/5xx/timeouts: try again later
    └── TransferError (OSError)             the file server refused or failed
        (the Ftp Plugin's subclasses: HostKeyError, RemotePathError, ConnectError,
        LoginError, TransferTimeoutError, ConnectionLostError, RemoteNotFoundError,
        RemotePermissionError, RemoteFileExistsError, FileTooLargeError,
        RemoteOperationError, DiskFullError)

Subclasses live beside the code that raises them and are exported from the
package that owns them; the roots above are all importable from
``semine_plugins``.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = [
    "ConfigError",
    "FieldError",
    "PluginError",
    "SemineError",
    "SeminePluginsError",
    "SettingsError",
    "TransferError",
    "UBLError",
    "UnknownPluginError",
]


class SeminePluginsError(Exception):
    """Root of every error this project raises on purpose."""


@attrs.frozen
class FieldError:
    """One problem with one configuration field.

    :ivar field: the field's key, dotted for nested keys (``settings.port``).
    :ivar message: what is wrong and, where it helps, what to write instead.
    :ivar integration: the integration's name, when the field belongs to one.
    :ivar source: the file the value came from, when it came from a file.
    """

    field: str
    message: str
    integration: str | None = None
    source: str | None = None

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.integration:
            where.append(f"integration {self.integration!r}")
        where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}"


class ConfigError(SeminePluginsError, ValueError):
    """The configuration is unusable; ``errors`` lists every problem found.

    The message lists all of them, one per line, each naming the file, the
    integration and the field.
    """

    def __init__(self, summary: str, errors: Iterable[FieldError] = ()) -> None:
        self.summary = summary
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__(self._render())

    def _render(self) -> str:
        if not self.errors:
            return self.summary
        lines = [self.summary]
        lines.extend(f"  - {e}" for e in self.errors)
        return "\n".join(lines)


class SettingsError(ConfigError):
    """A plugin's settings failed validation (every field error at once)."""


class PluginError(SeminePluginsError):
    """A plugin is broken: it failed to load or broke the hook contract."""


class UnknownPluginError(PluginError, LookupError):
    """No installed, enabled plugin has this name."""


class UBLError(SeminePluginsError, ValueError):
    """A document is not acceptable UBL 2.1 (see the subclasses in ``semine_plugins.ubl``)."""


class SemineError(SeminePluginsError):
    """The SEMINE API refused or failed (see the subclasses in ``semine_plugins.semine``)."""


class TransferError(SeminePluginsError, OSError):
    """The file server refused or failed (see the subclasses in the plugin that raises it)."""
