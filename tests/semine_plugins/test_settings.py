"""The settings schema: JSON Schema, the seed's table, validation, secrets."""

from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path

import attrs
import jsonschema
import pytest

from semine_plugins import Secret, SettingsError, setting
from semine_plugins._logging import JsonFormatter, RedactingFilter
from semine_plugins.settings import build_settings, json_schema, settings_table
from semine_plugins_ftp import FtpSettings

SEED = [  # label with * for mandatory, default value — as SEMINE's page shows them
    ("Host*", ""),
    ("Ftp username*", ""),
    ("Ftp password*", ""),
    ("Ftp folder*", ""),
    ("Ftp port*", "22"),
    ("Success folder", ""),
    ("Failure folder", ""),
    ("Ignore root folder files", "false"),
]

VALID = {"host": "sftp.acme.no", "username": "semine", "password": "s3cr3t-pw", "folder": "/in"}


def test_ftp_table_is_the_seeds_table() -> None:
    """The short form lists the seed's fields, labels, mandatory marks and defaults in order."""
    rows = settings_table(FtpSettings, advanced=False)
    assert [(r["field"], r["value"]) for r in rows] == SEED
    assert rows[4]["description"] == "Port used for SFTP connection (default is 22)"


def test_ftp_schema_is_valid_draft_2020_12() -> None:
    """The schema passes the 2020-12 metaschema and says what the form says."""
    schema = json_schema(FtpSettings, title="Ftp Plugin")
    jsonschema.Draft202012Validator.check_schema(schema)
    assert {"host", "username", "folder", "port"} <= set(schema["required"])
    assert schema["properties"]["port"]["default"] == 22
    assert schema["properties"]["password"]["writeOnly"] is True
    assert schema["properties"]["private_key_passphrase"]["writeOnly"] is True
    assert schema["properties"]["connections"]["x-advanced"] is True


def test_schema_and_validation_agree() -> None:
    """A complete form the schema accepts builds; what the schema refuses, building refuses.

    The schema describes the form: mandatory fields with a default (the port) are
    required there and pre-filled; a configuration file may leave them out.
    """
    validator = jsonschema.Draft202012Validator(json_schema(FtpSettings))
    assert validator.is_valid({**VALID, "port": 22})
    assert build_settings(FtpSettings, VALID).port == 22
    assert not validator.is_valid({**VALID, "port": 70000})
    with pytest.raises(SettingsError):
        build_settings(FtpSettings, {**VALID, "port": 70000})
    no_password = {k: v for k, v in VALID.items() if k != "password"}
    assert not validator.is_valid({**no_password, "port": 22})
    with pytest.raises(SettingsError):
        build_settings(FtpSettings, no_password)
    assert validator.is_valid({**no_password, "port": 22, "private_key_file": "/k"})
    assert build_settings(FtpSettings, {**no_password, "private_key_file": "/k"}).password is None


def test_every_field_error_is_reported_at_once() -> None:
    """One SettingsError lists all problems, not only the first."""
    with pytest.raises(SettingsError) as info:
        build_settings(
            FtpSettings,
            {"host": "", "port": "eighty", "connections": 0, "typo_field": 1},
            integration="acme",
            source="conf.toml",
        )
    fields = sorted(e.field for e in info.value.errors)
    assert fields == ["connections", "folder", "host", "password", "port", "typo_field", "username"]
    message = str(info.value)
    assert "conf.toml, integration 'acme', field 'port'" in message
    assert "expected a whole number, got 'eighty'" in message


def test_values_are_converted_and_defaults_applied() -> None:
    """Strings from prompts or env become typed values; defaults fill the rest."""
    s = build_settings(FtpSettings, {**VALID, "port": "2222", "ignore_root_folder_files": "yes"})
    assert s.port == 2222
    assert s.ignore_root_folder_files is True
    assert s.success_folder is None
    assert s.connections == 8


def test_env_and_file_references(tmp_path: Path) -> None:
    """{env = ...} and {file = ...} are read and trimmed; missing ones are clear errors."""
    secret_file = tmp_path / "pw"
    secret_file.write_text("  from-file\n")
    s = build_settings(
        FtpSettings,
        {**VALID, "password": {"file": str(secret_file)}, "host": {"env": "FTP_HOST"}},
        env={"FTP_HOST": " sftp.env.no "},
    )
    assert s.host == "sftp.env.no"
    assert isinstance(s.password, Secret)
    assert s.password.reveal() == "from-file"
    with pytest.raises(SettingsError, match="environment variable NOPE is not set"):
        build_settings(FtpSettings, {**VALID, "password": {"env": "NOPE"}}, env={})
    with pytest.raises(SettingsError, match="does not exist"):
        build_settings(FtpSettings, {**VALID, "password": {"file": str(tmp_path / "x")}})


def test_secrets_never_appear_in_any_rendering(caplog: pytest.LogCaptureFixture) -> None:
    """repr, str, f-strings, error messages and logs never show a secret."""
    s = build_settings(FtpSettings, {**VALID, "password": "hunter2-secret"})
    assert "hunter2-secret" not in repr(s)
    assert "hunter2-secret" not in str(s)
    assert "hunter2-secret" not in f"{s.password}"
    with pytest.raises(SettingsError) as info:
        build_settings(FtpSettings, {**VALID, "password": "hunter2-secret", "port": -1})
    assert "hunter2-secret" not in str(info.value)

    logger = logging.getLogger("semine_plugins.test_redaction")
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter())
    record = logger.makeRecord(
        logger.name,
        logging.ERROR,
        __file__,
        1,
        "login with %s failed",
        (s.password.reveal(),),
        None,
    )
    handler.filter(record)
    line = handler.format(record)
    assert "hunter2-secret" not in line
    assert json.loads(line)["message"] == "login with ********** failed"
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(s.password)


def test_undeclared_field_is_a_clear_error() -> None:
    """A settings class field without setting() is refused, naming it."""

    @attrs.frozen
    class Bad:
        ok: str = setting(label="Ok")
        raw: str = "x"

    with pytest.raises(TypeError, match=r"Bad.raw is not declared with semine_plugins.setting"):
        json_schema(Bad)
