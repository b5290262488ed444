"""Settings are data: declare fields once, derive schema, table, prompts and validation.

A plugin declares its settings as an attrs class whose fields are made with
:func:`setting`::

    @attrs.frozen(kw_only=True)
    class FolderSettings:
        path: str = setting(label="Folder", required=True,
                            description="Folder to read and write invoice files")
        password: Secret = setting(label="Password", required=True, secret=True)
        limit: int = setting(label="Limit", default=100, minimum=1, advanced=True)

From that class the framework derives:

* :func:`json_schema`: a JSON Schema (draft 2020-12), secrets ``writeOnly``;
* :func:`settings_table`: the settings table (label, ``*`` for mandatory,
  default, description) as the SEMINE form shows it;
* :func:`build_settings`: raw values (from TOML) converted and checked, every
  field error reported at once in one :class:`~semine_plugins.SettingsError`;
* redaction: a :class:`Secret` never shows its value in ``repr``, ``str``,
  logs, exceptions or reports.

Any raw string value may be a reference instead: ``{env = "NAME"}`` (an
environment variable) or ``{file = "PATH"}`` (a file's content); both are
read when the settings are built and whitespace-trimmed.
"""

from __future__ import annotations

import enum
import os
import types
import typing
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import attrs

from semine_plugins.errors import FieldError, SettingsError

__all__ = [
    "Secret",
    "SettingField",
    "build_settings",
    "json_schema",
    "resolve_reference",
    "setting",
    "setting_fields",
    "settings_table",
]

_META_KEY = "semine_plugins"
_MASK = "**********"
T = TypeVar("T")


class Secret:
    """A string that never shows itself.

    ``repr()``, ``str()`` and f-strings give ``**********``; only
    :meth:`reveal` returns the value, and only code that hands it to a server
    should call it. Every revealed value is also known to
    :class:`RedactingFilter`, which masks it in log records.
    """

    __slots__ = ("__weakref__", "_value")

    def __init__(self, value: str | Secret) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        self._value = str(value)
        if self._value:
            _KNOWN_SECRETS.add(self)

    def reveal(self) -> str:
        """Return the secret value, to hand to the server that needs it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({_MASK!r})"

    def __str__(self) -> str:
        return _MASK

    def __format__(self, spec: str) -> str:
        return _MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[Any, ...]:
        # Refuse to leak through pickling into caches or subprocess arguments.
        raise TypeError("a Secret cannot be pickled")


_KNOWN_SECRETS: weakref.WeakSet[Secret] = weakref.WeakSet()


def known_secret_values() -> list[str]:
    """Return every live secret value (longest first), for redaction."""
    values = {s.reveal() for s in list(_KNOWN_SECRETS)}
    return sorted((v for v in values if len(v) >= 3), key=len, reverse=True)


def redact(text: str) -> str:
    """Replace every live secret value in ``text`` with ``**********``."""
    for value in known_secret_values():
        if value in text:
            text = text.replace(value, _MASK)
    return text


@attrs.frozen(kw_only=True)
class SettingField:
    """One declared field of a settings class, as the framework sees it.

    :ivar name: the key in the configuration file.
    :ivar label: the label people see ("Ftp port").
    :ivar description: what the field is for.
    :ivar required: mandatory (``*``); a mandatory field may still have a default.
    :ivar default: the default value, or ``attrs.NOTHING``.
    :ivar secret: never shown; ``writeOnly`` in the schema; read without echo.
    :ivar advanced: hidden from the short form; has a safe default.
    :ivar type: the field's annotation, resolved.
    :ivar minimum: smallest allowed number, for numeric fields.
    :ivar maximum: largest allowed number, for numeric fields.
    :ivar examples: example values, for the schema and the prompts.
    :ivar required_unless: a mandatory field may be left empty when this other
        field is set (e.g. a password when a private key is configured).
    """

    name: str
    label: str
    description: str
    required: bool
    default: Any
    secret: bool
    advanced: bool
    type: Any
    minimum: float | None = None
    maximum: float | None = None
    examples: tuple[Any, ...] = ()
    required_unless: str | None = None

    @property
    def has_default(self) -> bool:
        """True when the field has a default value."""
        return self.default is not attrs.NOTHING


def setting(
    *,
    label: str,
    description: str = "",
    required: bool = False,
    default: Any = attrs.NOTHING,
    secret: bool = False,
    advanced: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
    examples: tuple[Any, ...] = (),
    required_unless: str | None = None,
) -> Any:
    """Declare a settings field (use inside an attrs class).

    :param label: the label people see.
    :param description: what the field is for; shown in tables, prompts, schema.
    :param required: the field is mandatory (marked ``*``).
    :param default: the value when none is given. An optional field without a
        default is ``None`` when not given.
    :param secret: a password, token or key: typed :class:`Secret`, never shown.
    :param advanced: an expert field with a safe default.
    :param minimum: for numbers: the smallest value allowed.
    :param maximum: for numbers: the largest value allowed.
    :param examples: example values.
    :param required_unless: with ``required``: the field may be left empty
        when the named other field is set.
    :returns: an ``attrs.field`` carrying the metadata.
    """
    meta = {
        "label": label,
        "description": description,
        "required": required,
        "secret": secret,
        "advanced": advanced,
        "minimum": minimum,
        "maximum": maximum,
        "examples": tuple(examples),
        "required_unless": required_unless,
    }
    if default is attrs.NOTHING and not required:
        default = None
    return attrs.field(default=default, metadata={_META_KEY: meta})


def setting_fields(cls: type[Any]) -> list[SettingField]:
    """Return the declared fields of a settings class, in declaration order.

    :raises TypeError: when ``cls`` is not an attrs class, or a field was not
        declared with :func:`setting` (so it has no label).
    """
    if not attrs.has(cls):
        raise TypeError(f"{cls.__qualname__} is not an attrs class; declare it with @attrs.frozen")
    hints = typing.get_type_hints(cls)
    out = []
    for f in attrs.fields(cls):
        meta = f.metadata.get(_META_KEY)
        if meta is None:
            raise TypeError(
                f"{cls.__qualname__}.{f.name} is not declared with semine_plugins.setting(); "
                "every settings field needs a label"
            )
        out.append(
            SettingField(
                name=f.name,
                label=meta["label"],
                description=meta["description"],
                required=meta["required"],
                default=f.default,
                secret=meta["secret"],
                advanced=meta["advanced"],
                type=hints.get(f.name, Any),
                minimum=meta["minimum"],
                maximum=meta["maximum"],
                examples=meta["examples"],
                required_unless=meta.get("required_unless"),
            )
        )
    return out


# --------------------------------------------------------------------------
# Types
# --------------------------------------------------------------------------


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return tp, False


def _json_type(tp: Any) -> dict[str, Any]:
    tp, _ = _unwrap_optional(tp)
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp in (str, Secret, Path):
        return {"type": "string"}
    if get_origin(tp) is Literal:
        return {"enum": list(get_args(tp))}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"enum": [m.value for m in tp]}
    if get_origin(tp) in (tuple, list):
        (item, *_) = get_args(tp) or (str,)
        return {"type": "array", "items": _json_type(item)}
    raise TypeError(f"settings fields of type {tp!r} are not supported")


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


def json_schema(cls: type[Any], *, title: str | None = None) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a settings class.

    Mandatory fields are ``required``; defaults are ``default``; secrets are
    ``writeOnly``; advanced fields carry ``"x-advanced": true``; every
    property carries ``"x-order"`` (the declaration order, for forms).
    """
    props: dict[str, Any] = {}
    required: list[str] = []
    alternatives: list[dict[str, Any]] = []
    for order, f in enumerate(setting_fields(cls)):
        prop: dict[str, Any] = {"title": f.label, **_json_type(f.type)}
        if f.description:
            prop["description"] = f.description
        if f.has_default and f.default is not None:
            prop["default"] = _jsonable(f.default)
        if f.secret:
            prop["writeOnly"] = True
        if f.minimum is not None:
            prop["minimum"] = f.minimum
        if f.maximum is not None:
            prop["maximum"] = f.maximum
        if f.required and prop.get("type") == "string":
            prop["minLength"] = 1
        if f.examples:
            prop["examples"] = [_jsonable(e) for e in f.examples]
        if f.advanced:
            prop["x-advanced"] = True
        prop["x-order"] = order
        props[f.name] = prop
        if f.required and f.required_unless:
            alternatives.append(
                {"anyOf": [{"required": [f.name]}, {"required": [f.required_unless]}]}
            )
        elif f.required:
            required.append(f.name)
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title or cls.__name__,
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }
    if alternatives:
        schema["allOf"] = alternatives
    return schema


def settings_table(cls: type[Any], *, advanced: bool = True) -> list[dict[str, str]]:
    """Return the settings table: one row per field, as the SEMINE form shows it.

    Each row has ``field`` (the label, ``*`` when mandatory), ``key``,
    ``value`` (the default, ``(secret)`` for secrets, empty otherwise),
    ``description`` and ``advanced`` (``"yes"`` or ``""``).
    """
    rows = []
    for f in setting_fields(cls):
        if f.advanced and not advanced:
            continue
        if f.has_default and f.default is not None:
            value = (
                str(_jsonable(f.default)).lower()
                if isinstance(f.default, bool)
                else str(_jsonable(f.default))
            )
        else:
            value = ""
        rows.append(
            {
                "field": f.label + ("*" if f.required else ""),
                "key": f.name,
                "value": value,
                "description": f.description,
                "advanced": "yes" if f.advanced else "",
            }
        )
    return rows


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------


def resolve_reference(raw: Any, env: Mapping[str, str] | None = None) -> Any:
    """Resolve ``{env = "NAME"}`` / ``{file = "PATH"}`` to a string; other values pass.

    :raises ValueError: with a message saying what is missing and how to fix it.
    """
    if not isinstance(raw, Mapping):
        return raw
    env = os.environ if env is None else env
    keys = set(raw)
    if keys == {"env"}:
        name = raw["env"]
        if not isinstance(name, str) or not name:
            raise ValueError('{env = "NAME"} needs the name of an environment variable')
        if name not in env:
            raise ValueError(
                f"environment variable {name} is not set; export it or change the value"
            )
        return env[name].strip()
    if keys == {"file"}:
        path = raw["file"]
        if not isinstance(path, str) or not path:
            raise ValueError('{file = "PATH"} needs a file path')
        p = Path(path).expanduser()
        try:
            return p.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise ValueError(f"file {p} does not exist; create it or change the path") from None
        except OSError as exc:
            raise ValueError(f"cannot read {p}: {exc.strerror}") from None
    raise ValueError(
        'a table value must be {env = "NAME"} or {file = "PATH"}, '
        f"not one with keys {sorted(keys)}"
    )


def _describe(tp: Any) -> str:
    tp, _ = _unwrap_optional(tp)
    names = {bool: "true or false", int: "a whole number", float: "a number"}
    if tp in names:
        return names[tp]
    if get_origin(tp) is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "one of " + ", ".join(repr(m.value) for m in tp)
    if get_origin(tp) in (tuple, list):
        return "a list of strings"
    return "a string"


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _convert(value: Any, tp: Any) -> Any:
    tp, _ = _unwrap_optional(tp)
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError(f"expected {_describe(tp)}, got {value!r}")
    if tp is int:
        if isinstance(value, bool):
            raise ValueError(f"expected {_describe(tp)}, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            return int(value.strip())
        raise ValueError(f"expected {_describe(tp)}, got {value!r}")
    if tp is float:
        if isinstance(value, bool):
            raise ValueError(f"expected {_describe(tp)}, got {value!r}")
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise ValueError(f"expected {_describe(tp)}, got {value!r}")
    if tp is Secret:
        if isinstance(value, Secret):
            return value
        if isinstance(value, str):
            return Secret(value)
        raise ValueError("expected a string")
    if tp is str:
        if isinstance(value, str):
            return value
        raise ValueError(f"expected a string, got {value!r}")
    if tp is Path:
        if isinstance(value, str | Path):
            return Path(value).expanduser()
        raise ValueError(f"expected a path, got {value!r}")
    if get_origin(tp) is Literal:
        if value in get_args(tp):
            return value
        raise ValueError(f"expected {_describe(tp)}, got {value!r}")
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError:
            raise ValueError(f"expected {_describe(tp)}, got {value!r}") from None
    if get_origin(tp) in (tuple, list):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ValueError(f"expected {_describe(tp)}, got {value!r}")
    return value


def _is_empty(value: Any) -> bool:
    if isinstance(value, Secret):
        return not value
    return value is None or (isinstance(value, str) and not value.strip())


def build_settings(
    cls: type[T],
    raw: Mapping[str, Any],
    *,
    integration: str | None = None,
    source: str | None = None,
    env: Mapping[str, str] | None = None,
) -> T:
    """Convert raw values into an instance of ``cls``, checking every field.

    References (``{env = ...}``, ``{file = ...}``) are resolved; defaults are
    applied; values are converted to the field types (``"22"`` → ``22``).

    :param cls: the settings class.
    :param raw: the raw values, e.g. a TOML table.
    :param integration: the integration's name, for error messages.
    :param source: the file the values came from, for error messages.
    :param env: the environment for ``{env = ...}`` (default ``os.environ``).
    :returns: the settings instance.
    :raises SettingsError: listing every problem: unknown keys, missing
        mandatory fields, values of the wrong type or out of range.
    """
    fields = setting_fields(cls)
    known = {f.name for f in fields}
    errors: list[FieldError] = []

    def err(field: str, message: str) -> None:
        errors.append(
            FieldError(field=field, message=message, integration=integration, source=source)
        )

    for key in raw:
        if key not in known:
            hint = ", ".join(sorted(known))
            err(str(key), f"unknown field; the fields are: {hint}")
    values: dict[str, Any] = {}
    for f in fields:
        if f.name in raw:
            try:
                value = resolve_reference(raw[f.name], env)
                value = _convert(value, f.type)
            except ValueError as exc:
                err(f.name, f"{f.label}: {exc}")
                continue
        elif f.has_default:
            value = f.default
        else:
            value = None
        if f.required and _is_empty(value):
            other = f.required_unless
            if other is None or _is_empty(raw.get(other)):
                also = f" (or set {other})" if other else ""
                err(f.name, f"{f.label} is mandatory; set {f.name} = ...{also}")
                continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            if f.minimum is not None and value < f.minimum:
                err(f.name, f"{f.label} must be at least {f.minimum:g}, got {value}")
                continue
            if f.maximum is not None and value > f.maximum:
                err(f.name, f"{f.label} must be at most {f.maximum:g}, got {value}")
                continue
        values[f.name] = value
    if errors:
        where = f" for integration {integration!r}" if integration else ""
        raise SettingsError(f"invalid settings{where}", errors)
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:  # an attrs validator of the plugin's own
        raise SettingsError(
            f"invalid settings{f' for integration {integration!r}' if integration else ''}",
            [
                FieldError(
                    field="*", message=redact(str(exc)), integration=integration, source=source
                )
            ],
        ) from None
