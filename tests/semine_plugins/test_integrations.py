"""The configuration file: loading, errors naming file, integration and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from semine_plugins import ConfigError, load_config
from semine_plugins.integrations import find_config, render_integration

GOOD = """
[integrations.acme]
plugin = "ftp"
semine_url = "https://api.example.invalid/"
semine_email = "integration@acme.no"
semine_password = { env = "ACME_SEMINE_PASSWORD" }
semine_client = 987654321

[integrations.acme.settings]
host = "sftp.acme.no"
"""


def test_loads_integrations(tmp_path: Path) -> None:
    """A valid file gives integrations with the envelope fields."""
    path = tmp_path / "c.toml"
    path.write_text(GOOD)
    acme = load_config(path).get("acme")
    assert acme.plugin == "ftp"
    assert acme.semine_url == "https://api.example.invalid"
    assert acme.semine_client == "987654321"
    assert acme.settings == {"host": "sftp.acme.no"}
    access = acme.semine_access({"ACME_SEMINE_PASSWORD": "pw-123"})
    assert access.password is not None
    assert access.password.reveal() == "pw-123"
    assert "pw-123" not in repr(access)


def test_every_problem_is_reported_with_file_integration_and_field(tmp_path: Path) -> None:
    """All envelope errors at once, each naming where it is."""
    path = tmp_path / "c.toml"
    path.write_text(
        """
[integrations.a]
semine_url = "http://semine.example.no"
semine_email = "not-an-email"
colour = "blue"

[integrations.b]
plugin = "ftp"
semine_url = "https://x.example.no"
semine_token = "t"
semine_password = "p"
"""
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    found = {(e.integration, e.field) for e in info.value.errors}
    assert found == {
        ("a", "plugin"),
        ("a", "semine_url"),
        ("a", "semine_email"),
        ("a", "semine_password"),
        ("a", "colour"),
        ("b", "semine_password"),
    }
    text = str(info.value)
    assert f"{path}, integration 'a', field 'semine_url'" in text
    assert "plain http" in text


def test_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    """A missing configuration file names the path and the command that creates one."""
    with pytest.raises(ConfigError, match="integrations add"):
        load_config(tmp_path / "nope.toml")


def test_not_toml_is_a_clear_error(tmp_path: Path) -> None:
    """A broken file names the file and the TOML problem."""
    path = tmp_path / "c.toml"
    path.write_text("[integrations.acme\n")
    with pytest.raises(ConfigError, match=r"c.toml is not valid TOML"):
        load_config(path)


def test_unknown_integration_lists_known_ones(tmp_path: Path) -> None:
    """Asking for a missing integration lists the ones the file defines."""
    path = tmp_path / "c.toml"
    path.write_text(GOOD)
    with pytest.raises(ConfigError, match=r"no integration named 'acm' \(the file defines: acme\)"):
        load_config(path).get("acm")


def test_config_discovery_order(tmp_path: Path) -> None:
    """--config beats $SEMINE_PLUGINS_CONFIG beats ./semine-plugins.toml."""
    assert find_config("a.toml", {"SEMINE_PLUGINS_CONFIG": "b.toml"}) == Path("a.toml")
    assert find_config(None, {"SEMINE_PLUGINS_CONFIG": "b.toml"}) == Path("b.toml")
    assert find_config(None, {}) == Path("semine-plugins.toml")


# ---------------------------------------------------------------- render_integration


@given(text=st.text(max_size=40))
def test_rendered_integration_loads_back_with_any_string(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("render") / "semine-plugins.toml"
    path.write_text(
        render_integration(
            "acme",
            plugin="ftp",
            semine_url="https://api.example.invalid",
            semine_email="integration@acme.no",
            semine_password={"env": "ACME_SEMINE_PASSWORD"},
            settings={"host": text, "port": 22, "flag": False, "password": {"file": "/run/pw"}},
            comments={"host": "Host*"},
        ),
        encoding="utf-8",
    )
    integration = load_config(path).get("acme")
    assert integration.settings == {
        "host": text,
        "port": 22,
        "flag": False,
        "password": {"file": "/run/pw"},
    }
    assert integration.semine_email == "integration@acme.no"


def test_render_refuses_bad_names_and_secrets():
    from semine_plugins import Secret

    with pytest.raises(ValueError, match="invalid integration name"):
        render_integration("a b", plugin="ftp", semine_url="https://x.invalid", settings={})
    with pytest.raises(TypeError, match="reference"):
        render_integration(
            "a", plugin="ftp", semine_url="https://x.invalid", settings={"p": Secret("s3cret")}
        )
