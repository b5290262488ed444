"""``integrations add``: SEMINE's "New Integration" form in a terminal.

The form is generated from the chosen plugin's settings schema: one prompt per
field, mandatory ones marked ``*``, defaults offered, secrets read without
echo. Every answer can also come from a command-line flag, so scripts can add
integrations without a terminal (``--no-input``).

Secrets are written to the configuration file as references by default:
``{ env = "ACME_FTP_PASSWORD" }`` or ``{ file = "/run/secrets/ftp" }``. A
secret's value is written into the file only when the user asks
(``--store-secrets``, or answering ``inline``), and the file is then made
readable by its owner only. A secret typed at the prompt while its variable
is not set is used for the Test Connection run that follows, and forgotten.
"""

from __future__ import annotations

import enum
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import attrs
import click

from semine_plugins._manager import PluginHost
from semine_plugins.errors import ConfigError, FieldError, SettingsError
from semine_plugins.integrations import render_integration
from semine_plugins.settings import SettingField, _convert, _unwrap_optional, setting_fields

__all__ = ["Answers", "Form", "append", "convert", "env_name", "existing_names", "secrets_env"]

_PLACEHOLDER = "placeholder-for-validation"


def env_name(integration: str, *parts: str) -> str:
    """Return the environment variable suggested for a secret: ``ACME_FTP_PASSWORD``."""
    raw = "_".join([integration, *parts])
    return re.sub(r"[^A-Za-z0-9]+", "_", raw).strip("_").upper()


@attrs.define
class Answers:
    """What the form collected; also what the flags give.

    :ivar settings: raw plugin settings (references as ``{"env": ...}`` mappings).
    :ivar secrets: field → typed value, for Test Connection only (never written
        unless ``store_secrets``).
    """

    name: str | None = None
    plugin: str | None = None
    semine_url: str | None = None
    semine_email: str | None = None
    semine_password: Any = None
    semine_token: Any = None
    semine_client: str | None = None
    description: str | None = None
    settings: dict[str, Any] = attrs.field(factory=dict)
    secrets: dict[str, str] = attrs.field(factory=dict)
    store_secrets: bool = False
    advanced: bool | None = None


def convert(field: SettingField, text: str) -> Any:
    """Convert a flag's text to the field's TOML value (left as text when it does not fit)."""
    tp, _ = _unwrap_optional(field.type)
    if tp not in (bool, int, float) and get_origin(tp) not in (tuple, list):
        return text
    try:
        value = _convert(text, tp)  # as the runner reads it
    except ValueError:
        return text  # the check names the field and what it expects
    return list(value) if isinstance(value, tuple) else value


def _choices(field: SettingField) -> list[str] | None:
    tp, _ = _unwrap_optional(field.type)
    if get_origin(tp) is Literal:
        return [str(a) for a in get_args(tp)]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return [str(m.value) for m in tp]
    return None


class Form:
    """Collects an integration's answers, checks them, and writes them to the file.

    :param host: the plugin host (lists plugins, checks settings).
    :param interactive: ask for what the flags left open; otherwise report
        every missing mandatory field at once.
    :param env: the environment (for secrets already set).
    """

    def __init__(
        self, host: PluginHost, *, interactive: bool, env: Mapping[str, str] | None = None
    ) -> None:
        self.host = host
        self.interactive = interactive
        self.env = os.environ if env is None else env

    def _fields(self, answers: Answers) -> list[SettingField]:
        info = self.host.get(answers.plugin or "").info
        return setting_fields(info.settings) if info is not None else []

    def take_flags(
        self,
        answers: Answers,
        *,
        sets: Mapping[str, str],
        secret_env: Mapping[str, str],
        secret_file: Mapping[str, str],
    ) -> None:
        """Put the plugin fields given as flags into ``answers`` (``answers.plugin`` is set).

        ``--set`` values take the field's type; a secret's value is also kept
        for Test Connection. ``--secret-env``/``--secret-file`` become references.
        """
        fields = {f.name: f for f in self._fields(answers)}
        for key, value in sets.items():
            field = fields.get(key)
            answers.settings[key] = convert(field, value) if field else value
            if field is not None and field.secret:
                answers.secrets[key] = value
        for key, var in secret_env.items():
            answers.settings[key] = {"env": var}
        for key, file in secret_file.items():
            answers.settings[key] = {"file": file}

    # ------------------------------------------------------------ asking

    def _say(self, text: str) -> None:
        if self.interactive:
            click.echo(text, err=True)

    def _prompt(self, text: str, **kwargs: Any) -> Any:
        return click.prompt(text, err=True, **kwargs)

    def _secret(self, answers: Answers, key: str, label: str, *scope: str) -> Any:
        """Ask how to store one secret; return the reference (or value) to write.

        The suggested variable is ``NAME_<scope>_KEY`` (:func:`env_name`).
        """
        env_var = env_name(answers.name or "", *scope, key)
        how = self._prompt(
            f"{label}: keep it in an [env] variable, a [file], or [inline] in the config",
            type=click.Choice(["env", "file", "inline"]),
            default="env",
        )
        if how == "inline":
            value = self._prompt(f"{label} (hidden)", hide_input=True)
            answers.secrets[key] = value
            answers.store_secrets = True
            return value
        if how == "file":
            path = self._prompt(f"{label}: file holding it", default=f"./{env_var.lower()}")
            p = Path(path).expanduser()
            if not p.exists():
                value = self._prompt(
                    f"{label} (hidden; written to {p}, owner-only)", hide_input=True
                )
                p.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(value + "\n")
            return {"file": str(p)}
        var = self._prompt(f"{label}: environment variable", default=env_var)
        if not self.env.get(var):
            value = self._prompt(
                f"{var} is not set; type the value to use for Test Connection now "
                "(hidden, not stored; Enter to skip)",
                hide_input=True,
                default="",
                show_default=False,
            )
            if value:
                answers.secrets[key] = value
            self._say(f"  remember: export {var}=... before running this integration")
        return {"env": var}

    def _ask_field(self, answers: Answers, field: SettingField) -> None:
        mark = "*" if field.required else ""
        if field.description:
            self._say(click.style(f"  {field.description}", dim=True))
        if field.secret:
            if not field.required or field.required_unless:
                alt = f" (or leave empty and set {field.required_unless})" * bool(
                    field.required_unless
                )
                if not click.confirm(f"Set {field.label}{mark}{alt}?", default=True, err=True):
                    return
            answers.settings[field.name] = self._secret(
                answers, field.name, f"{field.label}{mark}", answers.plugin or ""
            )
            return
        tp, _ = _unwrap_optional(field.type)
        default = field.default if field.has_default and field.default is not None else None
        if tp is bool:
            answers.settings[field.name] = click.confirm(
                f"{field.label}{mark}", default=bool(default), err=True
            )
            return
        kind: Any = None
        if (choices := _choices(field)) is not None:
            kind = click.Choice(choices)
        elif tp is int:
            kind = click.IntRange(
                None if field.minimum is None else int(field.minimum),
                None if field.maximum is None else int(field.maximum),
            )
        elif tp is float:
            kind = click.FloatRange(field.minimum, field.maximum)
        optional = not field.required or default is not None
        value = self._prompt(
            f"{field.label}{mark}",
            default=(
                (default.value if isinstance(default, enum.Enum) else default)
                if default is not None
                else ("" if optional else None)
            ),
            show_default=default is not None,
            type=kind,
        )
        if value == "" or value is None:
            answers.settings.pop(field.name, None)
        elif isinstance(value, str):
            answers.settings[field.name] = convert(field, value)
        else:
            answers.settings[field.name] = value

    def collect(self, answers: Answers) -> Answers:
        """Fill in what the flags left open (prompting, or failing with every gap named)."""
        missing: list[str] = []
        plugins = [r.name for r in self.host.records() if r.ok]
        if answers.name is None:
            if not self.interactive:
                missing.append("NAME (the Integration Name)")
            else:
                answers.name = self._prompt("Integration Name*")
        if answers.plugin is None:
            if not self.interactive:
                missing.append("--plugin")
            elif len(plugins) == 1:
                answers.plugin = plugins[0]
                self._say(f"Plugin: {plugins[0]} (the only one installed)")
            else:
                answers.plugin = self._prompt(
                    "Plugin*", type=click.Choice(plugins), default=plugins[0] if plugins else None
                )
        if answers.plugin is not None:
            self.host.get(answers.plugin)  # unknown plugin: UnknownPluginError, exit 2
        self._collect_semine(answers, missing)
        if answers.plugin is not None:
            self._collect_settings(answers, missing)
        if missing:
            raise ConfigError(
                "missing answers for a non-interactive add: "
                + ", ".join(missing)
                + " (give them as flags, or run in a terminal without --no-input)"
            )
        return answers

    def _collect_semine(self, answers: Answers, missing: list[str]) -> None:
        if answers.semine_url is None:
            if self.interactive:
                self._say(click.style("SEMINE", bold=True))
                answers.semine_url = self._prompt("SEMINE API URL*")
            else:
                missing.append("--semine-url")
        has_login = answers.semine_token is not None or answers.semine_email is not None
        if not has_login and self.interactive:
            how = self._prompt(
                "Sign in to SEMINE with a [password] or a personal access [token]",
                type=click.Choice(["password", "token"]),
                default="password",
            )
            if how == "token":
                answers.semine_token = self._secret(answers, "semine_token", "Semine token*")
            else:
                answers.semine_email = self._prompt("Semine Email*")
        elif not has_login:
            missing.append("--semine-email or --semine-token-env")
        if answers.semine_email is not None and answers.semine_password is None:
            if self.interactive:
                answers.semine_password = self._secret(
                    answers, "semine_password", "Semine Password*"
                )
            else:
                missing.append("--semine-password-env (or --semine-password-file)")

    def _collect_settings(self, answers: Answers, missing: list[str]) -> None:
        info = self.host.get(answers.plugin or "").info
        if info is None:  # pragma: no cover - working records always have one
            return
        fields = setting_fields(info.settings)
        if self.interactive:
            self._say(click.style(f"{info.title} (fields marked * are mandatory)", bold=True))
        for field in fields:
            if field.name in answers.settings or field.advanced:
                continue
            if self.interactive:
                self._ask_field(answers, field)
            elif field.required and not field.has_default and not field.required_unless:
                missing.append(f"--set {field.name}=... ({field.label})")
        advanced = [f for f in fields if f.advanced and f.name not in answers.settings]
        if self.interactive and advanced and answers.advanced is None:
            names = ", ".join(f.label for f in advanced[:4])
            answers.advanced = click.confirm(
                f"Set advanced fields too ({names}, ...)?", default=False, err=True
            )
        if self.interactive and answers.advanced:
            for field in advanced:
                self._ask_field(answers, field)
        if not self.interactive:
            for field in fields:
                if field.required_unless and not {field.name, field.required_unless} & set(
                    answers.settings
                ):
                    missing.append(
                        f"--secret-env {field.name}=VAR or --set {field.required_unless}=..."
                    )

    # ------------------------------------------------------------ checking

    def check(self, answers: Answers) -> list[FieldError]:
        """Validate the plugin's settings as the runner will; return every field error.

        Secrets stand in with the typed value or a placeholder, so a variable
        that is set only later does not fail the form.
        """
        secret = {f.name for f in self._fields(answers) if f.secret}
        raw = {
            k: (answers.secrets.get(k, _PLACEHOLDER) if k in secret else v)
            for k, v in answers.settings.items()
        }
        try:
            self.host.configure(answers.plugin or "", raw, integration=answers.name or "")
        except SettingsError as exc:
            return list(exc.errors)
        return []

    def fix(self, answers: Answers, errors: list[FieldError]) -> None:
        """Ask again for the fields that failed (interactive only)."""
        by_name = {f.name: f for f in self._fields(answers)}
        for error in errors:
            self._say(click.style(f"{error.field}: {error.message}", fg="red"))
            field = by_name.get(error.field)
            if field is not None:
                answers.settings.pop(field.name, None)
                self._ask_field(answers, field)

    # ------------------------------------------------------------ writing

    def render(self, answers: Answers) -> str:
        """Return the TOML table for the answers (secret values only when asked)."""
        fields = self._fields(answers)
        labels = {f.name: f.label + ("*" if f.required else "") for f in fields}
        secret = {f.name for f in fields if f.secret}
        settings = dict(answers.settings)
        for key in secret & set(settings):
            if isinstance(settings[key], str) and not answers.store_secrets:
                raise ConfigError(
                    f"{key} is a secret: give it as --secret-env {key}=VAR or "
                    f"--secret-file {key}=PATH, or add --store-secrets to write it into the file"
                )
        for key, value in (
            ("semine_password", answers.semine_password),
            ("semine_token", answers.semine_token),
        ):
            if isinstance(value, str) and not answers.store_secrets:
                raise ConfigError(
                    f"{key} is a secret: give it as --{key.replace('_', '-')}-env VAR "
                    "or add --store-secrets to write it into the file"
                )
        return render_integration(
            answers.name or "",
            plugin=answers.plugin or "",
            semine_url=answers.semine_url or "",
            semine_email=answers.semine_email,
            semine_password=answers.semine_password,
            semine_token=answers.semine_token,
            semine_client=answers.semine_client,
            description=answers.description,
            settings=settings,
            comments=labels,
        )


def existing_names(path: Path) -> set[str]:
    """Return the integration names already in ``path`` (empty when it does not exist)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return set()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read as TOML ({exc}); fix it before adding") from None
    tables = data.get("integrations", {})
    return set(tables) if isinstance(tables, Mapping) else set()


def append(path: Path, text: str, *, private: bool) -> None:
    """Append an integration's table to the configuration file (created when missing)."""
    new = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "# semine-plugins configuration: one [integrations.NAME] table per integration.\n"
    with path.open("a", encoding="utf-8") as fh:
        if new:
            fh.write(header)
        fh.write("\n" + text)
    if private:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def secrets_env(answers: Answers, env: Mapping[str, str]) -> dict[str, str]:
    """Return ``env`` plus typed secrets for the variables they belong to (for Test Connection)."""
    out = dict(env)
    refs = {
        **answers.settings,
        "semine_password": answers.semine_password,
        "semine_token": answers.semine_token,
    }
    for key, value in answers.secrets.items():
        ref = refs.get(key)
        if isinstance(ref, Mapping) and "env" in ref:
            out[str(ref["env"])] = value
    return out
