"""Integrations: the framework-owned envelope around a plugin's settings.

An integration is one configured plugin instance, as SEMINE's "New
Integration" form makes one: an Integration Name, the plugin chosen in the
"Plugins" drop-down, the plugin's own fields, and how to reach SEMINE (Semine
Email and Password, or a personal access token). They live in a TOML file::

    [integrations.acme]
    plugin = "ftp"
    semine_url = "https://api.example.invalid"
    semine_email = "integration@acme.no"
    semine_password = { env = "ACME_SEMINE_PASSWORD" }

    [integrations.acme.settings]
    host = "sftp.acme.no"

The file is found at ``--config PATH``, else ``$SEMINE_PLUGINS_CONFIG``, else
``./semine-plugins.toml``. :func:`load_config` checks the whole file and
reports every problem at once, each naming the file, the integration and the
field. References (``{env = ...}``, ``{file = ...}``) are resolved at use, by
:meth:`Integration.semine_access`, so listing integrations never needs secrets.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs

from semine_plugins.errors import ConfigError, FieldError
from semine_plugins.settings import Secret, resolve_reference

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG_NAME",
    "Config",
    "Integration",
    "SemineAccess",
    "find_config",
    "load_config",
    "render_integration",
]

CONFIG_ENV = "SEMINE_PLUGINS_CONFIG"
"""Environment variable naming the configuration file."""

DEFAULT_CONFIG_NAME = "semine-plugins.toml"
"""The configuration file looked for in the current folder."""

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_ENVELOPE_KEYS = frozenset(
    {
        "plugin",
        "semine_url",
        "semine_email",
        "semine_password",
        "semine_token",
        "semine_client",
        "settings",
        "description",
    }
)


@attrs.frozen(kw_only=True)
class SemineAccess:
    """How an integration reaches SEMINE, with references resolved.

    ``repr`` shows the URL and email only; password and token are
    :class:`~semine_plugins.Secret`.

    :ivar url: the SEMINE API base URL (``https``, or ``http`` on loopback only).
    :ivar email: Semine Email, for password login.
    :ivar password: Semine Password, for password login.
    :ivar token: a personal access token, instead of email and password.
    :ivar client: client id or organisation number; ``None``: the only client
        the user sees.
    """

    url: str
    email: str | None = None
    password: Secret | None = None
    token: Secret | None = None
    client: str | None = None


@attrs.frozen(kw_only=True)
class Integration:
    """One integration from the configuration file (raw, references unresolved).

    :ivar name: the Integration Name (the table name).
    :ivar plugin: the plugin's name (its entry-point name, e.g. ``"ftp"``).
    :ivar semine_url: the SEMINE API base URL.
    :ivar semine_email: Semine Email, when password login is used.
    :ivar semine_client: client id or organisation number, when the user sees several.
    :ivar settings: the plugin's raw settings table (may hold references).
    :ivar source: the file it came from.
    """

    name: str
    plugin: str
    semine_url: str
    semine_email: str | None = None
    semine_client: str | None = None
    description: str = ""
    settings: Mapping[str, Any] = attrs.field(factory=dict, repr=False)
    source: Path | None = None
    _semine_password: Any = attrs.field(default=None, repr=False, alias="semine_password")
    _semine_token: Any = attrs.field(default=None, repr=False, alias="semine_token")

    def semine_access(self, env: Mapping[str, str] | None = None) -> SemineAccess:
        """Resolve the SEMINE credentials (reads ``{env}``/``{file}`` references now).

        :raises ConfigError: naming the file, integration and field when a
            reference cannot be read.
        """
        errors: list[FieldError] = []

        def secret(field: str, raw: Any) -> Secret | None:
            if raw is None:
                return None
            try:
                value = resolve_reference(raw, env)
            except ValueError as exc:
                errors.append(self._error(field, str(exc)))
                return None
            if not isinstance(value, str) or not value:
                errors.append(self._error(field, "must not be empty"))
                return None
            return Secret(value)

        password = secret("semine_password", self._semine_password)
        token = secret("semine_token", self._semine_token)
        if errors:
            raise ConfigError(f"cannot use integration {self.name!r}", errors)
        return SemineAccess(
            url=self.semine_url,
            email=self.semine_email,
            password=password,
            token=token,
            client=self.semine_client,
        )

    def _error(self, field: str, message: str) -> FieldError:
        return FieldError(
            field=field,
            message=message,
            integration=self.name,
            source=str(self.source) if self.source else None,
        )


@attrs.frozen(kw_only=True)
class Config:
    """A loaded configuration file.

    :ivar path: the file it was read from.
    :ivar integrations: Integration Name → :class:`Integration`, in file order.
    """

    path: Path
    integrations: Mapping[str, Integration]

    def get(self, name: str) -> Integration:
        """Return the integration called ``name``.

        :raises ConfigError: when there is none, listing the ones there are.
        """
        try:
            return self.integrations[name]
        except KeyError:
            known = ", ".join(sorted(self.integrations)) or "none"
            raise ConfigError(
                f"{self.path}: no integration named {name!r} (the file defines: {known}); "
                "add one with `semine-plugins integrations add`"
            ) from None


def find_config(
    explicit: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> Path:
    """Return the configuration file's path.

    That is ``explicit``, else ``$SEMINE_PLUGINS_CONFIG``, else ``./semine-plugins.toml``.

    The file need not exist; :func:`load_config` says so when it does not.
    """
    env = os.environ if env is None else env
    if explicit:
        return Path(explicit).expanduser()
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser()
    return Path(DEFAULT_CONFIG_NAME)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(url: Any) -> str | None:
    """Return what is wrong with a SEMINE URL, or None."""
    if not isinstance(url, str) or not url.strip():
        return "semine_url is mandatory: the SEMINE API base URL, e.g. https://api.semine.no"
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return f"{url!r} is not an http(s) URL"
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        return (
            f"{url!r} is plain http; credentials would travel unencrypted. "
            "Use https (plain http is allowed only for localhost, e.g. the sandbox)"
        )
    return None


def _is_str_or_ref(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, Mapping) and set(value) in ({"env"}, {"file"})
    )


def _parse_integration(
    name: str, table: Any, source: Path
) -> tuple[Integration | None, list[FieldError]]:
    errors: list[FieldError] = []

    def err(field: str, message: str) -> None:
        errors.append(
            FieldError(field=field, message=message, integration=name, source=str(source))
        )

    if not _NAME.match(name):
        err("name", "an integration name uses letters, digits, '-', '_' and '.', at most 64")
    if not isinstance(table, Mapping):
        err("*", "must be a table: [integrations." + name + "]")
        return None, errors
    for key in table:
        if key not in _ENVELOPE_KEYS:
            err(
                str(key),
                f"unknown key; plugin settings belong under [integrations.{name}.settings]",
            )
    plugin = table.get("plugin")
    if not isinstance(plugin, str) or not plugin:
        err(
            "plugin", 'plugin is mandatory, e.g. plugin = "ftp" (see `semine-plugins plugins list`)'
        )
    problem = _check_url(table.get("semine_url"))
    if problem:
        err("semine_url", problem)
    email, password, token = (
        table.get(k) for k in ("semine_email", "semine_password", "semine_token")
    )
    if token is not None:
        if not _is_str_or_ref(token):
            err("semine_token", 'must be a string or {env = "NAME"} / {file = "PATH"}')
        if password is not None:
            err(
                "semine_password",
                "give either semine_token or semine_email + semine_password, not both",
            )
    else:
        if not isinstance(email, str) or "@" not in email:
            err(
                "semine_email",
                "Semine Email is mandatory (or use semine_token): "
                "the integration user's email address",
            )
        if password is None:
            err(
                "semine_password",
                "Semine Password is mandatory (or use semine_token); "
                'keep it out of the file with { env = "NAME" }',
            )
        elif not _is_str_or_ref(password):
            err("semine_password", 'must be a string or {env = "NAME"} / {file = "PATH"}')
    client = table.get("semine_client")
    if client is not None and not isinstance(client, str | int):
        err("semine_client", "must be a client id or an organisation number")
    settings = table.get("settings", {})
    if not isinstance(settings, Mapping):
        err("settings", f"must be a table: [integrations.{name}.settings]")
        settings = {}
    description = table.get("description", "")
    if errors:
        return None, errors
    return (
        Integration(
            name=name,
            plugin=str(plugin),
            semine_url=str(table["semine_url"]).rstrip("/"),
            semine_email=email if isinstance(email, str) else None,
            semine_password=password,
            semine_token=token,
            semine_client=str(client) if client is not None else None,
            description=str(description),
            settings=dict(settings),
            source=source,
        ),
        errors,
    )


def load_config(path: str | os.PathLike[str]) -> Config:
    """Load and check a configuration file.

    :raises ConfigError: the file is missing, is not TOML, or has problems;
        ``errors`` lists every one, each naming file, integration and field.
    """
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"configuration file {p} does not exist; create it with "
            f"`semine-plugins integrations add`, or point to one with --config or ${CONFIG_ENV}"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read configuration file {p}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p} is not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{p} is not UTF-8 text") from None
    errors: list[FieldError] = []
    for key in data:
        if key != "integrations":
            errors.append(
                FieldError(
                    field=str(key),
                    source=str(p),
                    message="unknown top-level key; integrations go under [integrations.NAME]",
                )
            )
    tables = data.get("integrations", {})
    integrations: dict[str, Integration] = {}
    if not isinstance(tables, Mapping):
        errors.append(FieldError(field="integrations", source=str(p), message="must be a table"))
        tables = {}
    for name, table in tables.items():
        integration, problems = _parse_integration(name, table, p)
        errors.extend(problems)
        if integration is not None:
            integrations[name] = integration
    if errors:
        raise ConfigError(f"{p} has {len(errors)} problem(s)", errors)
    return Config(path=p, integrations=integrations)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | os.PathLike):
        text = os.fspath(value)
        out = []
        for ch in text:
            if ch in '"\\':
                out.append("\\" + ch)
            elif ord(ch) < 0x20 or ord(ch) == 0x7F:
                out.append(f"\\u{ord(ch):04x}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'
    if isinstance(value, Secret):
        raise TypeError("refusing to write a Secret's value; write an {env = ...} reference")
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def render_integration(
    name: str,
    *,
    plugin: str,
    semine_url: str,
    settings: Mapping[str, Any],
    semine_email: str | None = None,
    semine_password: str | Mapping[str, str] | None = None,
    semine_token: str | Mapping[str, str] | None = None,
    semine_client: str | None = None,
    description: str | None = None,
    comments: Mapping[str, str] | None = None,
) -> str:
    """Return the TOML text of one integration, ready to append to a configuration file.

    Values may be strings, numbers, booleans, lists, or references such as
    ``{"env": "ACME_FTP_PASSWORD"}``; ``None`` values are left out.
    ``comments`` maps a settings key to a comment written after its line (the
    field's label, say). The result loads back with :func:`load_config`.

    :raises ValueError: ``name`` is not a valid Integration Name.
    """
    if not _NAME.match(name):
        raise ValueError(
            f"invalid integration name {name!r}: use letters, digits, '_', '.' or '-' "
            "(at most 64, starting with a letter or digit)"
        )
    comments = comments or {}
    envelope = {
        "plugin": plugin,
        "description": description,
        "semine_url": semine_url,
        "semine_email": semine_email,
        "semine_password": semine_password,
        "semine_token": semine_token,
        "semine_client": semine_client,
    }
    lines = [f"[integrations.{name}]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in envelope.items() if v is not None]
    lines += ["", f"[integrations.{name}.settings]"]
    for key, value in settings.items():
        if value is None:
            continue
        line = f"{_toml_key(key)} = {_toml_value(value)}"
        if key in comments:
            line += f"  # {comments[key]}"
        lines.append(line)
    return "\n".join(lines) + "\n"
