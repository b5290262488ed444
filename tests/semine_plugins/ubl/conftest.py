from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parents[2] / "data" / "ubl"


@pytest.fixture(autouse=True)
def _private_schema_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Never write to the developer's real cache directory.
    cache = tmp_path_factory.getbasetemp() / "ubl-schema-cache"
    monkeypatch.setenv("SEMINE_PLUGINS_CACHE_DIR", str(cache))


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()
