"""The public surface: sorted, complete __all__; the error tree."""

from __future__ import annotations

import types

import pytest

import semine_plugins
import semine_plugins.sandbox
import semine_plugins.semine
import semine_plugins.ubl
from semine_plugins.errors import SemineError
from semine_plugins.semine import (
    AuthenticationError,
    NotFoundError,
    RejectedError,
    TooLargeError,
    TransientError,
)


def _isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions (ruff's RUF022 order)."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


@pytest.mark.parametrize(
    "module", [semine_plugins, semine_plugins.semine, semine_plugins.sandbox, semine_plugins.ubl]
)
def test_all_is_sorted_and_complete(module: types.ModuleType) -> None:
    """__all__ is sorted and lists every public name the package defines."""
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert module.__all__ == sorted(module.__all__, key=_isort_key)
    assert set(module.__all__) - {"__version__"} == public - {"annotations"}


def test_error_tree() -> None:
    """Every client error is a SemineError; NotFoundError is also a LookupError."""
    for error in (AuthenticationError, NotFoundError, RejectedError, TooLargeError, TransientError):
        assert issubclass(error, SemineError)
    assert issubclass(NotFoundError, LookupError)
    assert RejectedError("x", errors=[{"line": 1}]).errors == ({"line": 1},)
